"""Account changes written to the audit log, whatever the way in (QĐ 778 Đ19.2c).

The users screen, the REST API, the directory sync job and any script change accounts
through the ORM; these session hooks see every such flush and append, in the same
transaction, one entry per change: account created or deleted, roles changed (before
and after), deactivated or reactivated, moved to another agency or department, password
changed (never the hash). They also keep the ORM from changing or deleting an entry.

Before a flush, the state of each account about to change is read from the database;
after it, read again: comparing the two does not depend on how the change was made
(a form, a schema, a relation or its key, an expired object). The entries are appended
when the transaction commits, unless the code logged the same event for the same
account itself in that transaction.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.models import Agency, AuditEntry, Department
from app.security.audit import (
    RECORDED_KEY,
    AuditEvent,
    already_recorded,
    append,
    client_address,
    current_actor,
    detail_json,
)

# Attributes of an account whose change is logged (relations and their keys alike).
WATCHED = ("roles", "active", "agency", "agency_id", "department", "department_id",
           "password")
BEFORE_KEY = "eoffice_audit_accounts_before"
PENDING_KEY = "eoffice_audit_accounts_pending"
USERS = User.__table__


class AuditLogImmutableError(RuntimeError):
    """Raised when code tries to change or delete an audit log entry."""


def _immutable() -> AuditLogImmutableError:
    from flask_babel import lazy_gettext as _l

    return AuditLogImmutableError(str(_l("The audit log cannot be changed.")))


def _touched(user: Any) -> bool:
    attrs = inspect(user).attrs
    return any(name in attrs and attrs[name].history.has_changes() for name in WATCHED)


def _snapshot(connection, user_id: int) -> dict[str, Any] | None:
    """The account as the database holds it now (inside the flush's transaction)."""
    columns = [USERS.c.username, USERS.c.active, USERS.c.password]
    columns += [USERS.c[name] for name in ("agency_id", "department_id") if name in USERS.c]
    row = connection.execute(select(*columns).where(USERS.c.id == user_id)).mappings().first()
    if row is None:
        return None
    roles = connection.scalars(
        select(Role.__table__.c.name)
        .join(assoc_user_role, assoc_user_role.c.role_id == Role.__table__.c.id)
        .where(assoc_user_role.c.user_id == user_id)
        .order_by(Role.__table__.c.name)).all()
    return {**row, "roles": list(roles)}


def _agency_name(connection, agency_id: int | None) -> str | None:
    if agency_id is None:
        return None
    row = connection.execute(select(Agency.name, Agency.code).where(Agency.id == agency_id)).first()
    return f"{row.name} ({row.code})" if row else f"#{agency_id}"


def _department_name(connection, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    name = connection.scalar(select(Department.name).where(Department.id == department_id))
    return name or f"#{department_id}"


class _Entries:
    """Entries gathered during one flush, all by the same actor."""

    def __init__(self, session) -> None:
        self.session = session
        self.rows: list[dict[str, Any]] = []
        actor = current_actor()
        self.actor_id = getattr(actor, "id", None)
        self.actor_name = getattr(actor, "username", None)
        self.ip = client_address()

    def add(self, event: str, user_id: int, agency_id: int | None, **detail: Any) -> None:
        target = f"user:{user_id}"
        self.rows.append({"event": event, "actor_id": self.actor_id,
                          "actor_name": self.actor_name, "agency_id": agency_id,
                          "target": target, "ip": self.ip, "detail": detail_json(detail)})


def _created(entries: _Entries, connection, user: Any) -> None:
    agency_id = getattr(user, "agency_id", None)
    entries.add(AuditEvent.ACCOUNT_CREATED, user.id, agency_id, username=user.username,
                agency=_agency_name(connection, agency_id),
                roles=sorted(role.name for role in user.roles or []),
                active=bool(user.active), auth_source=getattr(user, "auth_source", None))


def _changed(entries: _Entries, connection, user: Any, before: dict, after: dict) -> None:
    user_id, username = user.id, after["username"]
    agency_id = after.get("agency_id")
    if before["roles"] != after["roles"]:
        entries.add(AuditEvent.ROLES_CHANGED, user_id, agency_id, username=username,
                    before=before["roles"], after=after["roles"])
    if bool(before["active"]) != bool(after["active"]):
        if after["active"]:
            entries.add(AuditEvent.ACCOUNT_REACTIVATED, user_id, agency_id, username=username)
        else:
            entries.add(AuditEvent.ACCOUNT_DEACTIVATED, user_id, agency_id, username=username,
                        reason=getattr(user, "inactive_reason", None))
    moved = {}
    if before.get("agency_id") != agency_id:
        moved.update(from_agency=_agency_name(connection, before.get("agency_id")),
                     to_agency=_agency_name(connection, agency_id))
    if before.get("department_id") != after.get("department_id"):
        moved.update(from_department=_department_name(connection, before.get("department_id")),
                     to_department=_department_name(connection, after.get("department_id")))
    if moved:
        entries.add(AuditEvent.ACCOUNT_MOVED, user_id, agency_id, username=username, **moved)
    if before["password"] != after["password"]:
        entries.add(AuditEvent.PASSWORD_CHANGED, user_id, agency_id, username=username,
                    by_self=entries.actor_id == user_id)


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise _immutable()
    if any(isinstance(obj, AuditEntry) for obj in session.deleted):
        raise _immutable()
    users = [obj for obj in session.dirty
             if isinstance(obj, User) and inspect(obj).has_identity and _touched(obj)]
    if users:
        connection = session.connection()
        session.info[BEFORE_KEY] = {user.id: _snapshot(connection, user.id) for user in users}
    else:
        session.info.pop(BEFORE_KEY, None)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    before = session.info.pop(BEFORE_KEY, {})
    new = [obj for obj in session.new if isinstance(obj, User)]
    deleted = [obj for obj in session.deleted if isinstance(obj, User)]
    if not (before or new or deleted):
        return
    connection = session.connection()
    entries = _Entries(session)
    for user in new:
        _created(entries, connection, user)
    for user in session.dirty:
        if isinstance(user, User) and before.get(user.id):
            after = _snapshot(connection, user.id)
            if after is not None:
                _changed(entries, connection, user, before[user.id], after)
    for user in deleted:
        entries.add(AuditEvent.ACCOUNT_DELETED, user.id, getattr(user, "agency_id", None),
                    username=user.username)
    session.info.setdefault(PENDING_KEY, []).extend(entries.rows)


@event.listens_for(Session, "before_commit")
def _write_pending(session) -> None:
    """Append the entries gathered by this transaction's flushes, just before it
    commits: the chain lock is held only for the commit, and what the code logged
    itself meanwhile (a handover's deactivation, with its reason) is not logged twice."""
    session.flush()
    rows = [row for row in session.info.pop(PENDING_KEY, [])
            if not already_recorded(session, row["event"], row["target"])]
    if rows:
        append(session.connection(), rows)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """``session.execute(update(AuditEntry)...)`` and the like never reach the table."""
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is AuditEntry for mapper in state.all_mappers):
        raise _immutable()


@event.listens_for(Session, "after_transaction_end")
def _forget_recorded(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(RECORDED_KEY, None)
        session.info.pop(PENDING_KEY, None)
