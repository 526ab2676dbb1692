"""The working-day calendar: Monday to Friday, minus the public holidays the operator
keeps in ``public_holiday``. Deadlines of NĐ 30 ("same day, at the latest the next
working day") and the ones leaders set are counted on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from app.models import PublicHoliday

SATURDAY = 5


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < SATURDAY and day not in self.holidays

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def same_or_next_working_day(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """``count`` working days after ``day`` (0: ``day`` itself if it is one)."""
        day = self.same_or_next_working_day(day)
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def load_calendar(session, years: Iterable[int] | None = None) -> WorkingCalendar:
    query = session.query(PublicHoliday.day)
    if years is not None:
        years = list(years)
        query = query.filter(PublicHoliday.day >= dt.date(min(years), 1, 1),
                             PublicHoliday.day <= dt.date(max(years), 12, 31))
    return WorkingCalendar(frozenset(day for (day,) in query))
