"""Nhật ký hệ thống: the append-only, hash-chained audit log (QĐ 778 Đ19.2c: users
answer for what their account does).

Every entry stores the hash of the entry before it (``prev_hash``) and its own hash over
its content and ``prev_hash`` (``entry_hash``). Changing, inserting or removing any row
breaks the chain at that row, which :func:`verify_chain` reports. The database refuses
UPDATE and DELETE on the table as well (migration c613d9075913).

``record_audit`` adds an entry to the caller's session; the caller commits, so an action
and its entry land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select, text

from app.i18n import utcnow
from app.models import AuditEntry

log = logging.getLogger("eoffice.audit")

GENESIS = "0" * 64
AUDIT_LOCK = 778040  # pg advisory lock key: one writer appends at a time (roles 778002)


class AuditEvent:
    """The events the log knows (``AuditEntry.event``)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_PROVISIONED = "account_provisioned"  # first directory login
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_MOVED = "account_moved"
    ROLES_CHANGED = "roles_changed"
    PASSWORD_CHANGED = "password_changed"
    HANDOVER = "handover"
    DATA_EXPORT_REQUESTED = "data_export_requested"
    DATA_EXPORT_DECIDED = "data_export_decided"
    DATA_EXPORT_DOWNLOADED = "data_export_downloaded"
    DIRECTORY_SYNC = "directory_sync"


def entry_hash(prev_hash: str, at: dt.datetime, event: str, actor_id: int | None,
               actor_name: str | None, agency_id: int | None, target: str | None,
               ip: str | None, detail: str | None) -> str:
    """sha256 over the entry's content and the previous entry's hash."""
    content = json.dumps(
        [prev_hash, at.replace(tzinfo=None).isoformat(timespec="microseconds"), event,
         actor_id, actor_name, agency_id, target, ip, detail],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def hash_of(entry: AuditEntry, prev_hash: str | None = None) -> str:
    return entry_hash(entry.prev_hash if prev_hash is None else prev_hash, entry.at,
                      entry.event, entry.actor_id, entry.actor_name, entry.agency_id,
                      entry.target, entry.ip, entry.detail)


def client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def _current_actor():
    from app.security.scope import current_user

    return current_user()


def _lock_chain(session) -> None:
    """Serialise appends across processes on PostgreSQL (released at commit). SQLite
    has one writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})


def record_audit(event: str, *, actor: Any = None, actor_name: str | None = None,
                 agency_id: int | None = None, target: str | None = None,
                 detail: dict | None = None, session=None) -> AuditEntry:
    """Append one entry to ``session`` (default: the app's); the caller commits.

    ``actor`` defaults to the signed-in user; ``actor_name`` names someone without an
    account (a failed login's user name); ``agency_id`` defaults to the actor's."""
    from app import db

    session = session if session is not None else db.session
    actor = actor if actor is not None else _current_actor()
    if actor is not None:
        actor_name = actor_name or getattr(actor, "username", None)
        if agency_id is None:
            agency_id = getattr(actor, "agency_id", None)
    _lock_chain(session)
    session.flush()
    last = session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        at=utcnow(), event=event, actor_id=getattr(actor, "id", None), actor_name=actor_name,
        agency_id=agency_id, target=target, ip=client_address(),
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        if detail is not None else None,
        prev_hash=last or GENESIS,
    )
    entry.entry_hash = hash_of(entry)
    session.add(entry)
    session.flush()
    log.info("audit %s actor=%s target=%s ip=%s", event, actor_name, target, entry.ip)
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def _entries(session, batch: int = 1000) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                               .order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def verify_chain(session) -> ChainReport:
    """Walk the log in order; report the first entry whose content or link is wrong."""
    previous = GENESIS
    checked = 0
    for entry in _entries(session):
        if entry.prev_hash != previous:
            return ChainReport(checked, entry.id,
                               "the link to the previous entry is broken "
                               "(an entry before it was removed or inserted)")
        if hash_of(entry) != entry.entry_hash:
            return ChainReport(checked, entry.id, "the entry's content was changed")
        previous = entry.entry_hash
        checked += 1
    return ChainReport(checked)
