"""Nhật ký hệ thống: the append-only, hash-chained audit log (QĐ 778 Đ19.2c: users
answer for what their account does).

Every entry stores the hash of the entry before it (``prev_hash``) and its own hash over
its content and ``prev_hash`` (``entry_hash``). Changing, inserting or removing any row
breaks the chain at that row, which :func:`verify_chain` reports. The database refuses
UPDATE and DELETE on the table as well (migration c613d9075913), and the ORM refuses
them too (``app.security.audit_hooks``).

``record_audit`` writes the entry on the caller's session connection, inside the
caller's transaction: the caller commits, so an action and its entry land together or
not at all. Appending takes the chain lock (a PostgreSQL advisory lock, SQLite's write
lock) until that commit, so one chain stays valid with many writers: commit soon.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert, select, text
from sqlalchemy.orm import make_transient_to_detached

from app.i18n import utcnow
from app.models import AuditEntry

log = logging.getLogger("eoffice.audit")

GENESIS = "0" * 64
AUDIT_LOCK = 778040  # pg advisory lock key: one writer appends at a time (roles 778002)
TABLE = AuditEntry.__table__
# Column lengths (app/models.py): longer values are cut, so that what is hashed is
# exactly what the database keeps, on SQLite (which would keep more) as on PostgreSQL.
LIMITS = {"event": 40, "actor_name": 255, "target": 255, "ip": 45}
# Transaction-local record of (event, target) pairs already written, so the session
# hooks do not log again what the code logged explicitly (a handover's deactivation).
RECORDED_KEY = "eoffice_audit_recorded"


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
    ACCOUNT_REACTIVATED = "account_reactivated"
    ACCOUNT_DELETED = "account_deleted"
    ACCOUNT_MOVED = "account_moved"
    ROLES_CHANGED = "roles_changed"
    PASSWORD_CHANGED = "password_changed"
    HANDOVER = "handover"
    DATA_EXPORT_REQUESTED = "data_export_requested"
    DATA_EXPORT_DECIDED = "data_export_decided"
    DATA_EXPORT_DOWNLOADED = "data_export_downloaded"
    DIRECTORY_SYNC = "directory_sync"
    AUDIT_EXPORTED = "audit_exported"  # someone took a copy of this log


def entry_hash(prev_hash: str, at: dt.datetime, event: str, actor_id: int | None,
               actor_name: str | None, agency_id: int | None, target: str | None,
               ip: str | None, detail: str | None) -> str:
    """sha256 over the entry's content and the previous entry's hash.

    ``at`` is naive UTC; it is hashed to the microsecond, which both SQLite and
    PostgreSQL (``timestamp without time zone``) give back unchanged."""
    content = json.dumps(
        [prev_hash, at.replace(tzinfo=None).isoformat(timespec="microseconds"), event,
         actor_id, actor_name, agency_id, target, ip, detail],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def hash_of(entry: AuditEntry | Mapping[str, Any], prev_hash: str | None = None) -> str:
    """The hash an entry (ORM object or row mapping) must carry."""
    get = entry.get if isinstance(entry, Mapping) else entry.__getattribute__
    return entry_hash(get("prev_hash") if prev_hash is None else prev_hash, get("at"),
                      get("event"), get("actor_id"), get("actor_name"), get("agency_id"),
                      get("target"), get("ip"), get("detail"))


def client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def current_actor():
    from app.security.scope import current_user

    return current_user()


def _lock_chain(connection) -> None:
    """Take the chain's write lock for the rest of the transaction, before reading
    its last hash, so two writers never chain to the same entry.

    PostgreSQL: an advisory lock released at commit or rollback. SQLite: a write that
    touches no row (so no trigger fires) starts the write transaction, and SQLite has
    one writer at a time until it commits."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
    else:
        connection.execute(text("UPDATE audit_entry SET id = id WHERE 0 = 1"))


def _cut(name: str, value: str | None) -> str | None:
    return value[: LIMITS[name]] if isinstance(value, str) else value


def detail_json(detail: Any) -> str | None:
    if detail is None:
        return None
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)


def append(connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append ``rows`` (event, actor_id, actor_name, agency_id, target, ip, detail as
    JSON text) to the chain on ``connection``, in order; returns them completed with
    ``id``, ``at``, ``prev_hash`` and ``entry_hash``. Runs in the connection's
    transaction and may be called inside a session flush."""
    if not rows:
        return []
    _lock_chain(connection)
    previous = connection.scalar(
        select(TABLE.c.entry_hash).order_by(TABLE.c.id.desc()).limit(1)) or GENESIS
    written = []
    for row in rows:
        values = {name: _cut(name, row.get(name)) if name in LIMITS else row.get(name)
                  for name in ("event", "actor_id", "actor_name", "agency_id", "target", "ip",
                               "detail")}
        values.update(at=row.get("at") or utcnow(), prev_hash=previous)
        values["entry_hash"] = previous = hash_of(values)
        result = connection.execute(insert(TABLE).values(**values))
        values["id"] = result.inserted_primary_key[0]
        written.append(values)
    return written


def note_recorded(session, event: str, target: str | None) -> None:
    session.info.setdefault(RECORDED_KEY, set()).add((event, target))


def already_recorded(session, event: str, target: str | None) -> bool:
    return (event, target) in session.info.get(RECORDED_KEY, ())


def record_audit(event: str, *, actor: Any = None, actor_name: str | None = None,
                 agency_id: int | None = None, target: str | None = None,
                 detail: dict | None = None, session=None) -> AuditEntry:
    """Append one entry in ``session``'s transaction (default: the app's session); the
    caller commits. Returns the entry, detached (its values stay readable after the
    commit).

    ``actor`` defaults to the signed-in user; ``actor_name`` names someone without an
    account (a failed login's user name); ``agency_id`` defaults to the actor's."""
    from app import db

    session = session if session is not None else db.session
    actor = actor if actor is not None else current_actor()
    if actor is not None:
        actor_name = actor_name or getattr(actor, "username", None)
        if agency_id is None:
            agency_id = getattr(actor, "agency_id", None)
    [values] = append(session.connection(), [{
        "event": event, "actor_id": getattr(actor, "id", None), "actor_name": actor_name,
        "agency_id": agency_id, "target": target, "ip": client_address(),
        "detail": detail_json(detail),
    }])
    note_recorded(session, event, target)
    log.info("audit %s actor=%s target=%s ip=%s", event, actor_name, target, values["ip"])
    entry = AuditEntry(**values)
    make_transient_to_detached(entry)
    return entry


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found. ``checked`` counts the intact entries before the
    first bad one (all of them when ``ok``)."""

    checked: int
    first_bad_id: int | None = None
    reason: str | None = None
    first_bad_at: dt.datetime | None = None
    first_bad_event: str | None = None
    reason_code: str | None = None  # "link" or "content"
    last_id: int | None = None  # the newest intact entry: note it down to spot truncation
    last_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


REASONS = {
    "link": "the link to the previous entry is broken (an entry before it was removed "
            "or inserted, or changed together with its hash)",
    "content": "the entry's content was changed",
}


def _rows(connection, batch: int) -> Iterator[Mapping[str, Any]]:
    last_id = None
    while True:
        query = select(TABLE).order_by(TABLE.c.id).limit(batch)
        if last_id is not None:
            query = query.where(TABLE.c.id > last_id)
        rows = connection.execute(query).mappings().all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1]["id"]


def _reading_connection(session):
    """A connection of its own (only committed entries, nothing of the caller's session
    touched); an in-memory SQLite database exists on the session's connection only."""
    engine = session.get_bind()
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    if engine.dialect.name == "postgresql":
        # One snapshot for the whole walk, however many batches it takes.
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    return engine.connect()


def verify_chain(session, batch: int = 2000) -> ChainReport:
    """Walk the log in order; report the first entry whose content or link is wrong.

    Reads on a connection of its own: the caller's session and objects are left as
    they were."""
    own = _reading_connection(session)
    connection = own if own is not None else session.connection()
    try:
        previous, checked, last_id = GENESIS, 0, None
        for row in _rows(connection, batch):
            code = ("link" if row["prev_hash"] != previous
                    else "content" if hash_of(row) != row["entry_hash"] else None)
            if code:
                return ChainReport(checked, row["id"], REASONS[code], row["at"], row["event"],
                                   code, last_id, previous if last_id else None)
            previous, last_id = row["entry_hash"], row["id"]
            checked += 1
        return ChainReport(checked, last_id=last_id, last_hash=previous if last_id else None)
    finally:
        if own is not None:
            own.close()
