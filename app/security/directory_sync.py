"""Đồng bộ thư mục thư công vụ: the directory sync job (QĐ 778 Đ8.2a, Đ16, Đ19.1c).

Accounts follow the official mail accounts. ``sync_directory`` reads every mailbox under
``AUTH_LDAP_SEARCH`` (paged search, RFC 2696) and

- deactivates each directory account (``auth_source == "ldap"``) whose mailbox is gone
  (revoked) or disabled, with the reason, an audit entry and a notice to its agency's
  admins;
- stamps ``directory_seen_at`` on the accounts it found;
- reports, without changing anything, mailboxes created since the last sync that have no
  account yet (new: they get one at their first login) and accounts whose directory
  entry now names another agency (moved: an admin moves them, never the job);
- notifies the agency admins of the agencies concerned (in-app, kind ``account``, one
  row per item and local day: a re-run the same day writes nothing twice).

A directory that does not answer (or returns no mailbox at all) changes nothing: the run
is logged and audited as failed. Local accounts are never touched.

Run by ``flask eoffice scheduler`` at EOFFICE_DIRECTORY_SYNC_AT when AUTH_LDAP_SERVER is
set, and once by ``flask eoffice directory-sync``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.directory import role_holders
from app.i18n import local_today, utcnow
from app.models import AuditEntry, Notification, NotificationKind, UserAccount
from app.security.audit import AuditEvent, record_audit
from app.security.directory_auth import (
    DIRECTORY,
    DirectoryEntry,
    DirectoryUnavailable,
    connect,
    entry_from,
    ldap_message,
    requested_fields,
    resolve_placement,
    search_filter,
)
from app.security.roles import AGENCY_ADMIN, role_label

log = logging.getLogger(__name__)

DIRECTORY_SYNC_LOCK = 778050  # pg advisory lock key (reminders 778030, audit 778040)
JOB_ID = "eoffice-directory-sync"
ACTOR = "directory-sync"  # actor_name of the job's audit entries
# Vietnamese, as stored and shown on the account (inactive_reason).
REASON_REVOKED = "Hộp thư công vụ đã bị thu hồi (không còn trong thư mục)"
REASON_DISABLED = "Hộp thư công vụ đã bị khóa trong thư mục"
# A mailbox counts as new when the directory created it after the last good sync, less
# this much (clocks of the directory and of eOffice differ a little).
CLOCK_MARGIN = dt.timedelta(minutes=5)
# Above this many items of one kind for one agency in one run (the first sync of a whole
# province), its admins get one summary instead of a notification per item.
MAX_ITEMS_NOTIFIED = 20
MESSAGE_LENGTH = 500


@dataclass
class SyncReport:
    """What one run found and did."""

    ok: bool = True
    error: str | None = None
    entries: int = 0  # mailboxes read from the directory
    seen: int = 0  # directory accounts found there
    deactivated: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # new, and no agency matches
    notifications: int = 0

    def counts(self) -> dict[str, Any]:
        return {"ok": self.ok, "error": self.error, "entries": self.entries, "seen": self.seen,
                "deactivated": len(self.deactivated), "new": len(self.new),
                "moved": len(self.moved), "unplaced": len(self.unplaced),
                "notifications": self.notifications}

    def summary(self) -> str:
        if not self.ok:
            return f"directory sync failed, nothing changed: {self.error}"
        return (f"directory sync: {self.entries} mailbox(es) read, {self.seen} account(s) "
                f"found, {len(self.deactivated)} deactivated, {len(self.new)} new, "
                f"{len(self.moved)} moved, {len(self.unplaced)} new without an agency, "
                f"{self.notifications} notification(s)")


# --- Reading the directory --------------------------------------------------------------------


def read_directory(config: Any = None) -> dict[str, DirectoryEntry]:
    """Every mailbox under AUTH_LDAP_SEARCH, by mailbox, a page at a time. Raises
    DirectoryUnavailable when the directory does not answer or fails half-way."""
    import ldap
    from ldap.controls import SimplePagedResultsControl

    config = config if config is not None else current_app.config
    connection = connect(config)
    page = SimplePagedResultsControl(True, size=config.get("EOFFICE_DIRECTORY_PAGE_SIZE", 500),
                                     cookie="")
    timeout = config.get("EOFFICE_DIRECTORY_TIMEOUT", 10)
    entries: dict[str, DirectoryEntry] = {}
    try:
        while True:
            message_id = connection.search_ext(
                config["AUTH_LDAP_SEARCH"], ldap.SCOPE_SUBTREE, search_filter(config),
                requested_fields(config), serverctrls=[page])
            _, rows, _, controls = connection.result3(message_id, timeout=timeout)
            for dn, attributes in rows:
                if not dn or not isinstance(attributes, dict):
                    continue  # referrals
                entry = entry_from(dn, attributes, config)
                if entry is None:
                    continue
                if entry.mailbox in entries:
                    log.error("directory: the mailbox %s has several entries; the first is used",
                              entry.mailbox)
                    continue
                entries[entry.mailbox] = entry
            cookie = next((c.cookie for c in controls
                           if c.controlType == SimplePagedResultsControl.controlType), None)
            if not cookie:
                return entries
            page.cookie = cookie
    except ldap.LDAPError as error:
        raise DirectoryUnavailable(
            f"{config['AUTH_LDAP_SERVER']} failed while reading {config['AUTH_LDAP_SEARCH']}: "
            f"{ldap_message(error)}") from error
    finally:
        try:
            connection.unbind_s()
        except ldap.LDAPError:
            pass


# --- The sync ---------------------------------------------------------------------------------


def last_good_sync_at(session) -> dt.datetime | None:
    """When the last run that read the directory took place (from the audit log)."""
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.detail).where(AuditEntry.event == AuditEvent.DIRECTORY_SYNC)
        .order_by(AuditEntry.id.desc()).limit(100)).all()
    for at, detail in rows:
        try:
            if json.loads(detail or "{}").get("ok"):
                return at
        except ValueError:
            continue
    return None


class _Notices:
    """Items to tell each agency's admins, by agency and kind."""

    def __init__(self) -> None:
        self.items: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(
            lambda: defaultdict(list))

    def add(self, agency_id: int | None, kind: str, mailbox: str, message: str) -> None:
        if agency_id:
            self.items[agency_id][kind].append((mailbox, message))


def sync_directory(session, config: Any = None, today: dt.date | None = None) -> SyncReport:
    """One run of the sync (see the module). Commits; returns the report."""
    config = config if config is not None else current_app.config
    report = SyncReport()
    try:
        entries = read_directory(config)
        if not entries:
            raise DirectoryUnavailable(
                f"{config['AUTH_LDAP_SEARCH']} holds no mailbox; nothing is deactivated "
                "(check AUTH_LDAP_SEARCH and AUTH_LDAP_SEARCH_FILTER)")
    except DirectoryUnavailable as error:
        report.ok, report.error = False, str(error)
        log.error("directory sync failed, nothing deactivated: %s", error)
        record_audit(AuditEvent.DIRECTORY_SYNC, actor_name=ACTOR, detail=report.counts(),
                     session=session)
        session.commit()
        return report

    report.entries = len(entries)
    now = utcnow()
    since = last_good_sync_at(session)
    notices = _Notices()
    with force_locale(config.get("BABEL_DEFAULT_LOCALE", "vi")):
        known = _check_accounts(session, entries, report, notices, now)
        _find_new(session, entries, known, since, report, notices)
        report.notifications = _notify(session, notices, (today or local_today()).isoformat(), now)
        record_audit(AuditEvent.DIRECTORY_SYNC, actor_name=ACTOR, detail=report.counts(),
                     session=session)
    session.commit()
    log.info(report.summary())
    return report


def _name(user: UserAccount) -> str:
    return user.get_full_name() or user.username


def _check_accounts(session, entries: dict[str, DirectoryEntry], report: SyncReport,
                    notices: _Notices, now: dt.datetime) -> set[str]:
    """Deactivate revoked and disabled mailboxes' accounts, stamp the others, spot the
    moved ones. Returns the user names of every directory account."""
    known: set[str] = set()
    accounts = (session.query(UserAccount).filter(UserAccount.auth_source == DIRECTORY)
                .order_by(UserAccount.id).all())
    for user in accounts:
        mailbox = user.username.lower()
        known.add(mailbox)
        entry = entries.get(mailbox)
        if entry is None or entry.disabled:
            if user.active:
                _deactivate(session, user, revoked=entry is None, report=report, notices=notices)
            continue
        user.directory_seen_at = now
        report.seen += 1
        if not user.active:
            continue  # deactivated in eOffice (left, handed over): not reactivated here
        placement = resolve_placement(session, entry.agency_values)
        if placement is None:
            log.warning("directory sync: the entry of %s (%s) names no known agency",
                        mailbox, list(entry.agency_values))
            continue
        if placement.agency.id != user.agency_id:
            report.moved.append(mailbox)
            old = user.agency.name if user.agency else "—"
            message = gettext(
                "Mail directory: the mailbox %(mailbox)s (%(name)s) now belongs to "
                "%(new)s, its eOffice account is in %(old)s. Move the account if this is "
                "right; eOffice does not move it by itself.",
                mailbox=mailbox, name=_name(user), new=placement.agency.name, old=old)
            notices.add(user.agency_id, "moved", mailbox, message)
            notices.add(placement.agency.id, "moved", mailbox, message)
    return known


def _deactivate(session, user: UserAccount, revoked: bool, report: SyncReport,
                notices: _Notices) -> None:
    """QĐ 778 Đ16: a revoked or disabled official mailbox ends the account's access."""
    user.active = False
    user.inactive_reason = REASON_REVOKED if revoked else REASON_DISABLED
    report.deactivated.append(user.username)
    record_audit(AuditEvent.ACCOUNT_DEACTIVATED, actor_name=ACTOR, agency_id=user.agency_id,
                 target=f"user:{user.id}", session=session,
                 detail={"mailbox": user.username, "reason": "revoked" if revoked else "disabled"})
    log.info("directory sync: account %s deactivated (%s)", user.username,
             "mailbox revoked" if revoked else "mailbox disabled")
    notices.add(user.agency_id, "deactivated", user.username, gettext(
        "Mail directory: the account %(mailbox)s (%(name)s) was deactivated: %(reason)s.",
        mailbox=user.username, name=_name(user), reason=user.inactive_reason))


def _find_new(session, entries: dict[str, DirectoryEntry], known: set[str],
              since: dt.datetime | None, report: SyncReport, notices: _Notices) -> None:
    """Mailboxes created since the last good sync with no account yet."""
    cutoff = since - CLOCK_MARGIN if since else None
    for mailbox, entry in sorted(entries.items()):
        if mailbox in known or entry.disabled:
            continue
        if cutoff is not None and entry.created_at is not None and entry.created_at < cutoff:
            continue
        placement = resolve_placement(session, entry.agency_values)
        name = f"{entry.last_name} {entry.first_name}".strip()
        if placement is None:
            report.unplaced.append(mailbox)
            log.warning("directory sync: new mailbox %s names no known agency (%s); it cannot "
                        "log in until a mail directory mapping places it", mailbox,
                        list(entry.agency_values))
            continue
        report.new.append(mailbox)
        notices.add(placement.agency.id, "new", mailbox, gettext(
            "Mail directory: new mailbox %(mailbox)s (%(name)s) for %(agency)s. Its eOffice "
            "account is created at its first login, with the role %(role)s.",
            mailbox=mailbox, name=name, agency=placement.agency.name,
            role=role_label(current_app.config.get("EOFFICE_DIRECTORY_DEFAULT_ROLE", "Officer"))))


def _summary(kind: str, mailboxes: list[str]) -> str:
    values = {"count": len(mailboxes), "examples": ", ".join(mailboxes[:5])}
    if kind == "new":
        return gettext("Mail directory: %(count)d new mailboxes for your agency, among them "
                       "%(examples)s. Their accounts are created at their first login.",
                       **values)
    if kind == "moved":
        return gettext("Mail directory: %(count)d accounts whose mailbox now belongs to "
                       "another agency, among them %(examples)s. Move them if this is right.",
                       **values)
    return gettext("Mail directory: %(count)d accounts deactivated because their mailbox was "
                   "revoked or disabled, among them %(examples)s.", **values)


def _notify(session, notices: _Notices, period: str, now: dt.datetime) -> int:
    """One notification per item and admin and local day (a re-run writes nothing
    twice); a summary instead when an agency has many items of one kind."""
    written = 0
    for agency_id, kinds in notices.items.items():
        admins = role_holders(session, AGENCY_ADMIN, agency_id=agency_id)
        for kind, items in kinds.items():
            messages = [message for _, message in items]
            if len(items) > MAX_ITEMS_NOTIFIED:
                messages = [_summary(kind, [mailbox for mailbox, _ in items])]
            for admin in admins:
                for message in messages:
                    written += _notify_once(session, admin, agency_id, period, message, now)
    return written


def _notify_once(session, admin: UserAccount, agency_id: int, period: str, message: str,
                 now: dt.datetime) -> int:
    message = message[:MESSAGE_LENGTH]
    exists = session.query(Notification.id).filter(
        Notification.user_id == admin.id, Notification.kind == NotificationKind.account,
        Notification.period == period, Notification.message == message).first()
    if exists is not None:
        return 0
    session.add(Notification(agency_id=agency_id, user_id=admin.id,
                             kind=NotificationKind.account, period=period, message=message,
                             created_at=now))
    return 1


# --- Running it -------------------------------------------------------------------------------


def run_sync(app) -> SyncReport | None:
    """One run, on one host at a time (PostgreSQL advisory lock); None when another
    host is running it right now."""
    from app import db
    from app.scheduler import exclusive

    with app.app_context(), exclusive(db.engine, DIRECTORY_SYNC_LOCK) as mine:
        if not mine:
            log.info("directory sync skipped: another host holds the lock")
            return None
        return sync_directory(db.session)


def add_sync_job(scheduler, app, timezone) -> None:
    """The daily sync at EOFFICE_DIRECTORY_SYNC_AT (local times, comma-separated)."""
    from app.scheduler import reminder_trigger

    scheduler.add_job(
        run_sync, reminder_trigger(app.config["EOFFICE_DIRECTORY_SYNC_AT"], timezone),
        args=[app], id=JOB_ID, name="Đồng bộ thư mục thư công vụ (QĐ 778 Đ16)",
        coalesce=True, max_instances=1, misfire_grace_time=3600, replace_existing=True,
    )
