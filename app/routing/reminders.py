"""Đôn đốc (NĐ 30 Đ24: theo dõi, đôn đốc việc giải quyết văn bản đến).

Each run finds the open parts of the work (not 06 Hoàn thành) whose deadline is near —
within ``EOFFICE_REMIND_DAYS_BEFORE`` working days — or past, and notifies the people
concerned once per local day: the officer of a person's part, the heads of a
department's part and, once a part is overdue, the leader who assigned it, so leaders
learn of the overdue work of their units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, gettext

from app.directory import role_holders
from app.i18n import format_date, to_local, utcnow
from app.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    IncomingDocument,
    IncomingStatus,
    NotificationKind,
    UserAccount,
)
from app.registry.numbering import format_number
from app.routing.calendar import WorkingCalendar, load_calendar
from app.routing.notifications import notify
from app.security.roles import DEPARTMENT_HEAD

# Documents whose handling is over: their remaining parts need no reminder.
CLOSED_DOCUMENTS = (IncomingStatus.completed, IncomingStatus.cancelled)
SUBJECT_LENGTH = 300


@dataclass
class ReminderReport:
    day: dt.date
    working_day: bool = True
    due_soon: int = 0  # parts near their deadline
    overdue: int = 0  # parts past their deadline
    created: int = 0  # notifications written by this run


def due_soon_until(calendar: WorkingCalendar, today: dt.date, days: int) -> dt.date:
    """Last deadline that is at most ``days`` working days after ``today``: the day
    before the next working day after the window (a deadline on the Saturday after a
    Friday window end is just as near)."""
    window_end = calendar.add_working_days(today, days)
    return calendar.next_working_day(window_end) - dt.timedelta(days=1)


def open_parts(session, until: dt.date) -> list[Assignment]:
    """Parts still to be done with a deadline on or before ``until`` (để biết has no
    deliverable, so it gets no reminder)."""
    return (session.query(Assignment).join(IncomingDocument)
            .filter(Assignment.status != AssignmentStatus.completed,
                    Assignment.role != AssignmentRole.inform,
                    Assignment.deadline.isnot(None), Assignment.deadline <= until,
                    IncomingDocument.status.notin_(CLOSED_DOCUMENTS))
            .order_by(Assignment.deadline, Assignment.id).all())


def run_reminders(session, today: dt.date | None = None,
                  now: dt.datetime | None = None) -> ReminderReport:
    """One reminder run for ``today`` (local date; default: today in Vietnam). Commits."""
    now = now or utcnow()
    today = today or to_local(now).date()
    calendar = load_calendar(session, years=[today.year - 1, today.year, today.year + 1])
    report = ReminderReport(day=today, working_day=calendar.is_working_day(today))
    if not report.working_day:  # đôn đốc on working days only
        return report
    until = due_soon_until(calendar, today, current_app.config["EOFFICE_REMIND_DAYS_BEFORE"])
    heads = _DepartmentHeads(session)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for part in open_parts(session, until):
            kind = NotificationKind.overdue if part.deadline < today else NotificationKind.due_soon
            if kind == NotificationKind.overdue:
                report.overdue += 1
            else:
                report.due_soon += 1
            for user, message in recipients(session, part, kind, heads).items():
                report.created += notify(session, user, kind, today.isoformat(), message,
                                         assignment=part, now=now)
    session.commit()
    return report


def notify_assigned(session, part: Assignment) -> int:
    """Phân công: those who answer for a new part hear of it at once, in the app (and by
    e-mail with the next reminder run). Returns how many were notified."""
    session.flush()
    today = to_local(utcnow()).date().isoformat()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        people = recipients(session, part, NotificationKind.assigned, _DepartmentHeads(session))
        return sum(notify(session, user, NotificationKind.assigned, today, message,
                          assignment=part) for user, message in people.items())


def recipients(session, part: Assignment, kind: NotificationKind,
               heads: _DepartmentHeads) -> dict[UserAccount, str]:
    """Who is reminded of a part, each with their message (the assignee first)."""
    people = [part.user] if part.user_id else heads.of(part.department_id)
    found = {user: _message(part, kind) for user in people if user.active}
    if kind == NotificationKind.overdue and part.assigned_by_id:
        leader = session.get(UserAccount, part.assigned_by_id)
        if leader is not None and leader.active and leader not in found:
            found[leader] = _message(part, kind, for_leader=True)
    return found


class _DepartmentHeads:
    """Lãnh đạo phòng of each department, looked up once per run."""

    def __init__(self, session):
        self.session = session
        self._cache: dict[int, list[UserAccount]] = {}

    def of(self, department_id: int) -> list[UserAccount]:
        if department_id not in self._cache:
            self._cache[department_id] = role_holders(self.session, DEPARTMENT_HEAD,
                                                      department_id=department_id)
        return self._cache[department_id]


def _message(part: Assignment, kind: NotificationKind, for_leader: bool = False) -> str:
    document = part.incoming
    subject = document.subject
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[:SUBJECT_LENGTH - 1] + "…"
    values = {
        "subject": subject, "deadline": format_date(part.deadline),
        "number": format_number(document.arrival_number) if document.arrival_number else "",
    }
    if kind == NotificationKind.assigned:
        return gettext("New work: “%(subject)s” (arrival no. %(number)s), deadline "
                       "%(deadline)s.", **values) if part.deadline else gettext(
            "New work: “%(subject)s” (arrival no. %(number)s).", **values)
    if kind == NotificationKind.due_soon:
        return gettext("Due soon: “%(subject)s” (arrival no. %(number)s), "
                       "deadline %(deadline)s.", **values)
    if for_leader:
        return gettext("Overdue at %(assignee)s: “%(subject)s” (arrival no. %(number)s), "
                       "deadline %(deadline)s.", assignee=part.assignee_name, **values)
    return gettext("Overdue: “%(subject)s” (arrival no. %(number)s), deadline %(deadline)s.",
                   **values)
