"""A user's copy of their own data (QĐ 778 Đ19.1c): asked for with a reason, decided by
the head of their agency, downloaded by the requester only, each step in the audit log.

Downloads: the requester may download an approved copy as often as they need while the
approval lasts — ``EOFFICE_DATA_EXPORT_DAYS`` days (default 7) after the decision, and
only while their account is active (a handed-over account cannot sign in). Every
download is audited; ``downloaded_at`` keeps the first one, when the data first left.
After that the request has to be made again."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.accounts.notices import in_default_locale, tell
from app.directory import role_holders
from app.i18n import format_datetime, utcnow
from app.models import DataExportRequest, DataExportStatus, NotificationKind, UserAccount
from app.security.audit import AuditEvent, record_audit
from app.security.roles import AGENCY_HEAD
from app.security.scope import visible_agency_id
from app.validation import DomainValidationError, refusal

log = logging.getLogger(__name__)

RESOURCE = "DataExport"
DEFAULT_VALID_DAYS = 7
TEXT_LIMIT = 500


def target_of(request: DataExportRequest) -> str:
    return f"data_export:{request.id}"


def valid_days() -> int:
    return int(current_app.config.get("EOFFICE_DATA_EXPORT_DAYS", DEFAULT_VALID_DAYS))


def available_until(request: DataExportRequest) -> dt.datetime | None:
    if request.status != DataExportStatus.approved or request.decided_at is None:
        return None
    return request.decided_at + dt.timedelta(days=valid_days())


def own_requests(session, user: UserAccount) -> list[DataExportRequest]:
    return (session.query(DataExportRequest).filter(DataExportRequest.user_id == user.id)
            .order_by(DataExportRequest.id.desc()).all())


def _clean(text: str | None, field: str) -> str | None:
    text = (text or "").strip()
    if len(text) > TEXT_LIMIT:
        raise refusal(field, _l("At most %(n)s characters.", n=TEXT_LIMIT))
    return text or None


def request_export(session, user: UserAccount, reason: str | None) -> DataExportRequest:
    """A user asks for a copy of their data; their agency's heads are told. The caller
    commits."""
    reason = _clean(reason, "reason")
    if reason is None:
        raise refusal("reason", _l("Say why you need a copy of your data."))
    if user.agency_id is None:
        raise refusal("reason", _l("Your account belongs to no agency; ask your "
                                   "administrator."))
    waiting = session.query(DataExportRequest.id).filter_by(
        user_id=user.id, status=DataExportStatus.pending).first()
    if waiting is not None:
        raise refusal("reason", _l("You already have a request waiting for a decision."))
    request = DataExportRequest(agency_id=user.agency_id, user_id=user.id, reason=reason,
                                status=DataExportStatus.pending, requested_at=utcnow())
    session.add(request)
    session.flush()
    heads = [head for head in role_holders(session, AGENCY_HEAD, agency_id=user.agency_id) if head.id != user.id]
    if not heads:
        log.warning("data export request %s: agency %s has no active agency head",
                    request.id, user.agency_id)
    with in_default_locale():
        message = gettext("%(name)s asks for a copy of their data: %(reason)s",
                          name=user.get_full_name(), reason=reason)
    for head in heads:
        tell(session, head, NotificationKind.data_export, message)
    record_audit(AuditEvent.DATA_EXPORT_REQUESTED, actor=user, agency_id=user.agency_id,
                 target=target_of(request), detail={"reason": reason, "heads": len(heads)},
                 session=session)
    return request


def requests_query(session, user, access: str = "read"):
    """Requests ``user`` may see as a decider: their agency's, or every agency's for a
    province-wide role (QĐ 778 Đ2, Đ10 — the one agency rule of app.security.scope)."""
    query = session.query(DataExportRequest)
    scope = visible_agency_id(RESOURCE, access, user)
    if scope is False:
        return query.filter(DataExportRequest.id.is_(None))
    if scope is not None:
        query = query.filter(DataExportRequest.agency_id == scope)
    return query


def request_to_decide(session, user, request_id: int) -> DataExportRequest | None:
    """The request, if ``user`` may see it as a decider; None otherwise (a 404)."""
    return requests_query(session, user, "write").filter(
        DataExportRequest.id == request_id).one_or_none()


def decide(session, request: DataExportRequest, approver: UserAccount, approve: bool,
           note: str | None) -> DataExportRequest:
    """Lãnh đạo duyệt: approve or reject (with a reason); the requester is told. The
    caller commits."""
    note = _clean(note, "note")
    if request.status != DataExportStatus.pending:
        raise refusal("decision", _l("This request has already been decided."))
    if request.user_id == approver.id:
        raise refusal("decision", _l("You cannot decide your own request; another leader "
                                     "of the agency decides it."))
    if not approve and note is None:
        raise refusal("note", _l("Say why the request is rejected."))
    request.status = DataExportStatus.approved if approve else DataExportStatus.rejected
    request.decided_by_id = approver.id
    request.decided_at = utcnow()
    request.decision_note = note
    with in_default_locale():
        if approve:
            message = gettext(
                "Your data export request was approved by %(name)s; download the copy "
                "from My data export until %(until)s.",
                name=approver.get_full_name(), until=format_datetime(available_until(request)))
        else:
            message = gettext("Your data export request was rejected by %(name)s: %(note)s",
                              name=approver.get_full_name(), note=note)
    tell(session, request.user, NotificationKind.data_export, message)
    record_audit(AuditEvent.DATA_EXPORT_DECIDED, actor=approver, agency_id=request.agency_id,
                 target=target_of(request),
                 detail={"decision": request.status.value, "note": note,
                         "requester": request.user_id},
                 session=session)
    return request


def own_request(session, user, request_id: int) -> DataExportRequest | None:
    """Only ever the requester's own request: anyone else's id answers None (a 404),
    whatever their role."""
    if user is None:
        return None
    return session.query(DataExportRequest).filter_by(
        id=request_id, user_id=user.id).one_or_none()


def check_download(request: DataExportRequest, now: dt.datetime | None = None) -> None:
    """Raise a refusal unless the copy may be downloaded now."""
    if request.status == DataExportStatus.pending:
        raise refusal("request", _l("Your request has not been approved yet."))
    if request.status == DataExportStatus.rejected:
        raise refusal("request", _l("Your request was rejected; the copy cannot be "
                                    "downloaded."))
    until = available_until(request)
    if until is None or (now or utcnow()) > until:
        raise refusal("request", _l("The approval has expired; ask for a copy again."))
    if not request.user.active:
        raise refusal("request", _l("Your account is inactive."))


def is_downloadable(request: DataExportRequest) -> bool:
    try:
        check_download(request)
    except DomainValidationError:
        return False
    return True


def record_download(session, request: DataExportRequest, summary: dict) -> None:
    """Audit the download and keep the first one's time. The caller commits."""
    request.downloaded_at = request.downloaded_at or utcnow()
    record_audit(AuditEvent.DATA_EXPORT_DOWNLOADED, actor=request.user,
                 agency_id=request.agency_id, target=target_of(request), detail=summary,
                 session=session)
