"""Time limits of NĐ 30/2020 for the văn thư and the leaders.

Đ4.2.c, Đ23.1: văn bản đến are registered and presented the same day, at the latest the
next working day; Khẩn, Thượng khẩn and Hỏa tốc immediately (the same day). Leaders'
deadlines for units and people (Đ24) are checked against the one above them."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.models import Urgency
from app.routing.calendar import WorkingCalendar

URGENT = frozenset({Urgency.urgent, Urgency.very_urgent, Urgency.flash})


def same_day_rule_deadline(calendar: WorkingCalendar, started: dt.date,
                           urgency: Urgency) -> dt.date:
    """The last day for the next step (registration after arrival, presentation after
    registration): the same day for urgent documents, else the next working day."""
    if urgency in URGENT:
        return started
    return calendar.next_working_day(started)


def is_late(done: dt.date | None, deadline: dt.date | None, today: dt.date) -> bool:
    """Late when done after the deadline, or not done and the deadline has passed."""
    if deadline is None:
        return False
    return (done or today) > deadline


def check_sub_deadline(parent: dt.date | None, child: dt.date | None) -> str | None:
    """A department head's deadline for an officer is never later than the one the
    department received (NĐ 30 Đ24)."""
    if parent is None or child is None or child <= parent:
        return None
    return _l("The deadline cannot be later than %(parent)s, the deadline received.",
              parent=parent.strftime("%d/%m/%Y"))
