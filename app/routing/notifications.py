"""In-app notifications (thông báo): one row per person, part of the work, kind and day.

``notify`` is the single way rows are written, by the reminder job (đôn đốc, NĐ 30 Đ24)
and by the screens that hand out work. It is idempotent: the table is unique on
(user, assignment, kind, period), checked first and enforced by the database with
``ON CONFLICT DO NOTHING``, so two runners at once never write a row twice."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func

from app.i18n import utcnow
from app.models import Assignment, IncomingDocument, Notification, NotificationKind, UserAccount

log = logging.getLogger(__name__)

ONCE_PER_PERIOD = "uq_notification_once_per_period"
MESSAGE_LENGTH = 500


def notify(session, user: UserAccount, kind: NotificationKind, period: str, message: str,
           incoming: IncomingDocument | None = None, assignment: Assignment | None = None,
           now: dt.datetime | None = None) -> bool:
    """Write one notification unless the same one exists for this period; True when a
    row was written. Inactive accounts get nothing. The caller commits."""
    if user is None or not user.active:
        return False
    if incoming is None and assignment is not None:
        incoming = assignment.incoming
    agency_id = next((owner.agency_id for owner in (assignment, incoming, user)
                      if owner is not None and owner.agency_id), None)
    if agency_id is None:
        log.warning("no agency for a notification to user %s; not written", user.id)
        return False
    key = {"user_id": user.id, "assignment_id": assignment.id if assignment else None,
           "kind": NotificationKind(kind), "period": period}
    if session.query(Notification.id).filter_by(**key).first() is not None:
        return False
    return insert_once(session, {
        **key, "agency_id": agency_id, "incoming_id": incoming.id if incoming else None,
        "message": message[:MESSAGE_LENGTH], "created_at": now or utcnow(),
    })


def insert_once(session, values: dict) -> bool:
    """INSERT that quietly does nothing when a concurrent runner already wrote the row
    (PostgreSQL and SQLite both support ON CONFLICT DO NOTHING)."""
    table = Notification.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        statement = insert(table).values(values).on_conflict_do_nothing(constraint=ONCE_PER_PERIOD)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        statement = insert(table).values(values).on_conflict_do_nothing()
    else:  # other engines: the existence check of ``notify`` is the guard
        statement = table.insert().values(values)
    # RETURNING gives no row when the conflict skipped the insert (rowcount is not
    # reliable for INSERT on every driver).
    return session.execute(statement.returning(table.c.id)).first() is not None


def unread_count(user_id: int | None) -> int:
    """For the navbar badge: one count over the (user_id, read_at, id) index."""
    from app import db

    if user_id is None:
        return 0
    return db.session.query(func.count(Notification.id)).filter(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar() or 0


def notifications_of(session, user_id: int, before_id: int | None = None,
                     limit: int = 50) -> list[Notification]:
    """A person's own notifications, newest first, a page at a time (keyset on id)."""
    query = session.query(Notification).filter(Notification.user_id == user_id)
    if before_id:
        query = query.filter(Notification.id < before_id)
    return query.order_by(Notification.id.desc()).limit(limit).all()


def own_notification(session, user_id: int, notification_id: int) -> Notification | None:
    """Only ever the person's own row: someone else's id answers None."""
    return (session.query(Notification)
            .filter_by(id=notification_id, user_id=user_id).one_or_none())


def mark_read(session, user_id: int, notification_id: int | None = None,
              now: dt.datetime | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the person as read."""
    query = session.query(Notification).filter(
        Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.filter(Notification.id == notification_id)
    return query.update({Notification.read_at: now or utcnow()}, synchronize_session=False)
