"""One-off notifications of the account screens (handover, data export requests).

``app.routing.notifications.notify`` writes at most one notification per person, part
of the work, kind and day — right for reminders, wrong here: a head may get two data
export requests on one day. These are not tied to a part of the work (no assignment),
so the database's once-per-period key does not apply and each one is written."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from app.i18n import to_local, utcnow
from app.models import IncomingDocument, NotificationKind, UserAccount
from app.routing.notifications import MESSAGE_LENGTH, insert_once


def in_default_locale():
    """Notifications are stored text, read later by someone else: write them in the
    install's language, whatever the language of the person acting."""
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def tell(session, user: UserAccount, kind: NotificationKind, message: str,
         incoming: IncomingDocument | None = None) -> bool:
    """Write one notification to ``user`` (inactive accounts get nothing). The caller
    commits."""
    if user is None or not user.active:
        return False
    agency_id = getattr(incoming, "agency_id", None) or user.agency_id
    if agency_id is None:
        return False
    now = utcnow()
    return insert_once(session, {
        "user_id": user.id, "assignment_id": None, "kind": NotificationKind(kind),
        "period": to_local(now).date().isoformat(), "agency_id": agency_id,
        "incoming_id": incoming.id if incoming is not None else None,
        "message": message[:MESSAGE_LENGTH], "created_at": now,
    })
