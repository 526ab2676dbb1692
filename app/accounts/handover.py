"""Bàn giao khi nghỉ việc, chuyển công tác (QĐ 778 Đ19.2b: before leaving, a user hands
over the documents and dossiers they hold; Đ19.1c: the agency closes the account).

What a leaving user holds:
- open parts of the work given to them (Assignment, not 06 Hoàn thành), sub-assignments
  included: given to the successor, with a history entry on each document;
- văn bản đi they draft (draft or under review; the drafter owns a draft, the creator
  when no drafter is set): the successor becomes the drafter;
- văn bản đến presented to them and not yet assigned (trình, waiting for direction):
  presented to the successor instead;
- their signing key: never handed over (a key is personal, TT 41/2017); the stored key
  is removed so it cannot be used again, and the certificate should be revoked with the
  certification authority;
- hồ sơ (dossiers): the eOffice has no dossier records yet, so nothing moves.

Everything happens in one transaction, then the account is deactivated and the handover
is written to the audit log; a refusal changes nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.accounts.notices import in_default_locale, tell
from app.directory import role_holders
from app.i18n import to_local, utcnow
from app.models import (
    Assignment,
    AssignmentStatus,
    DataExportRequest,
    DataExportStatus,
    IncomingDocument,
    IncomingStatus,
    NotificationKind,
    OutgoingDocument,
    OutgoingStatus,
    SigningProfile,
    UserAccount,
)
from app.registry import history
from app.routing.notifications import notify
from app.security.audit import AuditEvent, record_audit
from app.security.roles import DEPARTMENT_HEAD
from app.security.scope import can_manage_user, headed_department_id
from app.validation import refusal

OPEN_DRAFTS = (OutgoingStatus.draft, OutgoingStatus.in_review)
HISTORY_ACTION = "handed_over"
COMMENT_LIMIT = 1000
REASON_LIMIT = 200


@dataclass
class Holdings:
    """What a user holds that must not be lost when they leave."""

    leaver: UserAccount
    assignments: list[Assignment] = field(default_factory=list)
    drafts: list[OutgoingDocument] = field(default_factory=list)
    presented: list[IncomingDocument] = field(default_factory=list)
    signing_profile: SigningProfile | None = None
    # Their data export requests still open: once the account is closed they cannot
    # download the copy any more.
    open_exports: list[DataExportRequest] = field(default_factory=list)
    # The department they head, when nobody else heads it (its work would have no head).
    sole_head_of: object | None = None

    @property
    def has_signing_key(self) -> bool:
        return bool(self.signing_profile and self.signing_profile.key_source)

    def counts(self) -> dict[str, int]:
        return {"assignments": len(self.assignments), "drafts": len(self.drafts),
                "presented": len(self.presented),
                "signing_keys": 1 if self.has_signing_key else 0}


def open_assignments(session, leaver: UserAccount) -> list[Assignment]:
    return (session.query(Assignment)
            .filter(Assignment.user_id == leaver.id,
                    Assignment.status != AssignmentStatus.completed)
            .order_by(Assignment.incoming_id, Assignment.id).all())


def drafts_of(session, leaver: UserAccount) -> list[OutgoingDocument]:
    """Drafts the leaver owns: they are the drafter, or created it and no drafter is set."""
    owned = or_(OutgoingDocument.drafter_id == leaver.id,
                and_(OutgoingDocument.drafter_id.is_(None),
                     OutgoingDocument.created_by_id == leaver.id))
    return (session.query(OutgoingDocument)
            .filter(owned, OutgoingDocument.agency_id == leaver.agency_id,
                    OutgoingDocument.status.in_(OPEN_DRAFTS))
            .order_by(OutgoingDocument.id).all())


def presented_to(session, leaver: UserAccount) -> list[IncomingDocument]:
    """Văn bản đến presented to the leaver and still waiting for their direction."""
    return (session.query(IncomingDocument)
            .filter(IncomingDocument.presented_to_id == leaver.id,
                    IncomingDocument.agency_id == leaver.agency_id,
                    IncomingDocument.status == IncomingStatus.registered)
            .order_by(IncomingDocument.id).all())


def _sole_head_of(session, leaver: UserAccount):
    department_id = headed_department_id(leaver)
    if department_id is None:
        return None
    heads = role_holders(session, DEPARTMENT_HEAD, department_id=department_id)
    if any(head.id != leaver.id for head in heads):
        return None
    return leaver.department


def holdings_of(session, leaver: UserAccount) -> Holdings:
    return Holdings(
        leaver=leaver,
        assignments=open_assignments(session, leaver),
        drafts=drafts_of(session, leaver),
        presented=presented_to(session, leaver),
        signing_profile=session.query(SigningProfile).filter_by(
            owner=f"user:{leaver.id}").one_or_none(),
        open_exports=session.query(DataExportRequest).filter(
            DataExportRequest.user_id == leaver.id,
            DataExportRequest.status != DataExportStatus.rejected,
            DataExportRequest.downloaded_at.is_(None)).all(),
        sole_head_of=_sole_head_of(session, leaver),
    )


def successor_choices(session, leaver: UserAccount) -> list[UserAccount]:
    """Active people of the leaver's agency, the leaver excepted."""
    if leaver.agency_id is None:
        return []
    return (session.query(UserAccount)
            .filter(UserAccount.agency_id == leaver.agency_id, UserAccount.active.is_(True),
                    UserAccount.id != leaver.id)
            .order_by(UserAccount.first_name, UserAccount.last_name, UserAccount.username)
            .all())


def check_handover(leaver: UserAccount, successor: UserAccount | None, actor) -> None:
    """Every refusal, before anything changes."""
    if not can_manage_user(leaver, actor):
        raise refusal("leaver", _l("You may not hand over this account."))
    if actor is not None and leaver.id == actor.id:
        raise refusal("leaver", _l(
            "You cannot hand over your own account; ask another administrator."))
    if not leaver.active:
        raise refusal("leaver", _l("This account is already inactive; there is nothing to "
                                   "hand over."))
    if successor is None:
        raise refusal("successor", _l("Choose the successor who takes over the work."))
    if successor.id == leaver.id:
        raise refusal("successor", _l("The successor must be someone other than the "
                                      "person leaving."))
    if successor.agency_id != leaver.agency_id:
        raise refusal("successor", _l("The successor must belong to the same agency as the "
                                      "person leaving."))
    if not successor.active:
        raise refusal("successor", _l("The successor's account is inactive."))
    if successor.locked_at is not None:
        raise refusal("successor", _l("The successor's account is locked; unlock it first."))


@dataclass(frozen=True)
class HandoverReport:
    leaver_id: int
    successor_id: int
    counts: dict[str, int]
    documents: int  # documents with a history entry


def _locked_user(session, user_id: int | None) -> UserAccount | None:
    """The leaver's row, locked on PostgreSQL so two admins cannot hand it over twice."""
    if user_id is None:
        return None
    statement = select(UserAccount).where(UserAccount.id == user_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=UserAccount.__table__)
    return session.scalars(statement.execution_options(populate_existing=True)).one_or_none()


def hand_over(session, leaver_id: int, successor_id: int | None, actor) -> HandoverReport:
    """Move everything the leaver holds to the successor, close the account, log it.
    Raises DomainValidationError (nothing changed) on refusal; the caller commits."""
    leaver = _locked_user(session, leaver_id)
    if leaver is None:
        raise refusal("leaver", _l("You may not hand over this account."))
    successor = session.get(UserAccount, successor_id) if successor_id else None
    check_handover(leaver, successor, actor)
    holdings = holdings_of(session, leaver)
    counts = holdings.counts()
    with in_default_locale():
        documents = _move_work(session, holdings, successor, actor)
        key_removed = _remove_signing_key(holdings.signing_profile)
        reason = gettext("Left or moved; work handed over to %(name)s",
                         name=successor.get_full_name())[:REASON_LIMIT]
    leaver.active = False
    leaver.inactive_reason = reason
    detail = {**counts, "documents": documents, "signing_key_removed": key_removed,
              "successor": {"id": successor.id, "username": successor.username,
                            "name": successor.get_full_name()}}
    record_audit(AuditEvent.HANDOVER, actor=actor, agency_id=leaver.agency_id,
                 target=f"user:{leaver.id}", detail=detail, session=session)
    record_audit(AuditEvent.ACCOUNT_DEACTIVATED, actor=actor, agency_id=leaver.agency_id,
                 target=f"user:{leaver.id}", detail={"reason": reason}, session=session)
    session.flush()
    return HandoverReport(leaver.id, successor.id, counts, documents)


def _move_work(session, holdings: Holdings, successor: UserAccount, actor) -> int:
    """Reassign, record one history entry per document touched, tell the successor.
    Returns how many documents got a history entry."""
    from app.routing.labels import ROLE_LABELS

    leaver = holdings.leaver
    notes: dict[object, list[str]] = defaultdict(list)
    today = to_local(utcnow()).date().isoformat()
    for part in holdings.assignments:
        part.user = successor
        notes[part.incoming].append(str(ROLE_LABELS[part.role]))
        notify(session, successor, NotificationKind.assigned, today,
               gettext("Handed over to you by %(leaver)s: %(subject)s",
                       leaver=leaver.get_full_name(), subject=part.incoming.subject),
               assignment=part)
    for document in holdings.presented:
        document.presented_to_id = successor.id
        notes[document].append(gettext("presented for direction"))
        tell(session, successor, NotificationKind.assigned,
             gettext("Presented to you for direction, handed over by %(leaver)s: %(subject)s",
                     leaver=leaver.get_full_name(), subject=document.subject),
             incoming=document)
    for draft in holdings.drafts:
        draft.drafter_id = successor.id
        notes[draft].append(gettext("draft"))
    if holdings.drafts:
        tell(session, successor, NotificationKind.assigned,
             gettext("%(leaver)s handed over %(n)s draft(s) to you: %(subjects)s",
                     leaver=leaver.get_full_name(), n=len(holdings.drafts),
                     subjects="; ".join(d.subject for d in holdings.drafts)))
    heading = gettext("Handed over from %(leaver)s to %(successor)s",
                      leaver=leaver.get_full_name(), successor=successor.get_full_name())
    for document, parts in notes.items():
        history.record(session, document, HISTORY_ACTION, actor=actor,
                       comment=f"{heading} ({', '.join(parts)})"[:COMMENT_LIMIT])
    return len(notes)


def _remove_signing_key(profile: SigningProfile | None) -> bool:
    """A key is personal and never handed over: the stored key (or the token reference)
    is removed so nobody signs with it again. The certificate's public details stay."""
    if profile is None or not profile.key_source:
        return False
    profile.key_source = None
    profile.pkcs12_encrypted = None
    profile.pkcs11_token_label = profile.pkcs11_key_label = None
    profile.updated_at = utcnow()
    return True


def leaver_choices(session, actor) -> list[UserAccount]:
    """Active accounts ``actor`` may hand over: their agency's, protected accounts only
    for a province-wide administrator (app.security.scope.can_manage_user)."""
    from app.security.scope import is_province_wide

    query = session.query(UserAccount).filter(UserAccount.active.is_(True),
                                              UserAccount.id != actor.id)
    if not is_province_wide(actor, "User"):
        query = query.filter(UserAccount.agency_id == actor.agency_id)
    people = query.order_by(UserAccount.first_name, UserAccount.last_name,
                            UserAccount.username).all()
    return [person for person in people if can_manage_user(person, actor)]
