"""Time limits of NĐ 30/2020 for the văn thư and the leaders.

Đ4.2.c, Đ23.1: văn bản đến are registered and presented the same day, at the latest the
next working day; Khẩn, Thượng khẩn and Hỏa tốc immediately (the same day). Leaders'
deadlines for units and people (Đ24) are checked against the one above them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.i18n import format_date, local_today, to_local
from app.models import Urgency
from app.routing.calendar import WorkingCalendar, load_calendar

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


def working_days_late(calendar: WorkingCalendar, deadline: dt.date | None,
                      today: dt.date) -> int:
    """Working days since a missed deadline (0 when not missed)."""
    if not is_late(None, deadline, today):
        return 0
    return calendar.working_days_between(deadline, today)


def check_sub_deadline(parent: dt.date | None, child: dt.date | None) -> str | None:
    """A department head's deadline for an officer is never later than the one the
    department received (NĐ 30 Đ24)."""
    if parent is None or child is None or child <= parent:
        return None
    return _l("The deadline cannot be later than %(parent)s, the deadline received.",
              parent=parent.strftime("%d/%m/%Y"))


# --- Where a văn bản đến stands against its time limits, for the lists -----------------------


@dataclass(frozen=True)
class TimeLimit:
    """What the lists show beside a document: the next limit and whether it is missed."""

    label: str
    late: bool
    today: bool = False  # the limit is today

    def __str__(self) -> str:
        return self.label


def request_calendar() -> WorkingCalendar:
    """The working-day calendar, loaded once per request."""
    from flask import g, has_request_context

    from app import db

    if not has_request_context():
        return load_calendar(db.session)
    if "working_calendar" not in g:
        g.working_calendar = load_calendar(db.session)
    return g.working_calendar


def _step_limit(calendar, started_at: dt.datetime, done_at: dt.datetime | None, urgency,
                today: dt.date, messages) -> TimeLimit:
    """``messages``: (pending, late, done), each a function of the day shown."""
    pending, late, done = messages
    due = same_day_rule_deadline(calendar, to_local(started_at).date(), urgency)
    if done_at is not None:
        finished = to_local(done_at).date()
        return TimeLimit(str(done(format_date(finished))), finished > due)
    if today > due:
        return TimeLimit(str(late(format_date(due))), True)
    return TimeLimit(str(pending(format_date(due))), False, today == due)


REGISTRATION = (lambda day: _l("Register by %(day)s", day=day),
                lambda day: _l("Registration late since %(day)s", day=day),
                lambda day: _l("Registered %(day)s", day=day))
PRESENTATION = (lambda day: _l("Present by %(day)s", day=day),
                lambda day: _l("Presentation late since %(day)s", day=day),
                lambda day: _l("Presented %(day)s", day=day))


def incoming_time_limit(document, calendar: WorkingCalendar | None = None,
                        today: dt.date | None = None) -> TimeLimit | None:
    """NĐ 30 Đ22–24: vào sổ and trình the same day (urgent) or the next working day;
    then the deadline for handling it."""
    from app.models import IncomingStatus

    calendar = calendar or request_calendar()
    today = today or local_today()
    if document.status == IncomingStatus.arrived:
        return _step_limit(calendar, document.arrived_at, None, document.urgency, today,
                           REGISTRATION)
    if document.status == IncomingStatus.registered and document.registered_at:
        return _step_limit(calendar, document.registered_at, document.presented_at,
                           document.urgency, today, PRESENTATION)
    if document.status in (IncomingStatus.assigned, IncomingStatus.processing) and document.due_date:
        days = working_days_late(calendar, document.due_date, today)
        if days:
            return TimeLimit(str(_l("Overdue by %(n)s working days", n=days)), True)
        return TimeLimit(str(_l("Due %(day)s", day=format_date(document.due_date))), False,
                         today == document.due_date)
    return None
