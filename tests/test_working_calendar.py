"""The working-day calendar and the time limits of NĐ 30 counted on it."""

from __future__ import annotations

import datetime as dt

from app import db
from app.models import PublicHoliday, Urgency
from app.routing.calendar import WorkingCalendar, load_calendar
from app.routing.time_limits import check_sub_deadline, is_late, same_day_rule_deadline

D = dt.date
# Quốc khánh 2026: Wednesday 2/9 with Tuesday 1/9 as the extra day (example data).
NATIONAL_DAY = WorkingCalendar(frozenset({D(2026, 9, 1), D(2026, 9, 2)}))


def test_weekends_are_not_working_days():
    calendar = WorkingCalendar()
    assert calendar.is_working_day(D(2026, 11, 27))  # Friday
    assert not calendar.is_working_day(D(2026, 11, 28))  # Saturday
    assert calendar.next_working_day(D(2026, 11, 27)) == D(2026, 11, 30)  # → Monday


def test_public_holidays_are_skipped():
    assert NATIONAL_DAY.next_working_day(D(2026, 8, 31)) == D(2026, 9, 3)
    assert NATIONAL_DAY.add_working_days(D(2026, 8, 28), 2) == D(2026, 9, 3)
    assert NATIONAL_DAY.working_days_between(D(2026, 8, 28), D(2026, 9, 4)) == 3


def test_add_zero_working_days_from_a_holiday_moves_to_the_next_working_day():
    assert NATIONAL_DAY.add_working_days(D(2026, 9, 1), 0) == D(2026, 9, 3)


def test_registration_is_due_the_next_working_day_urgent_the_same_day():
    friday = D(2026, 11, 27)
    calendar = WorkingCalendar()
    assert same_day_rule_deadline(calendar, friday, Urgency.normal) == D(2026, 11, 30)
    for urgency in (Urgency.urgent, Urgency.very_urgent, Urgency.flash):
        assert same_day_rule_deadline(calendar, friday, urgency) == friday


def test_lateness():
    deadline = D(2026, 12, 5)
    assert not is_late(D(2026, 12, 5), deadline, today=D(2026, 12, 10))
    assert is_late(D(2026, 12, 6), deadline, today=D(2026, 12, 10))
    assert is_late(None, deadline, today=D(2026, 12, 6))  # still open, deadline passed
    assert not is_late(None, None, today=D(2026, 12, 6))


def test_sub_deadline_is_never_after_the_parent_deadline():
    assert check_sub_deadline(D(2026, 12, 5), D(2026, 12, 4)) is None
    assert check_sub_deadline(D(2026, 12, 5), D(2026, 12, 5)) is None
    assert "05/12/2026" in str(check_sub_deadline(D(2026, 12, 5), D(2026, 12, 8)))


def test_calendar_reads_the_holidays_the_operator_keeps(app):
    db.session.add(PublicHoliday(day=D(2030, 4, 30), name="Ngày Giải phóng miền Nam"))
    db.session.add(PublicHoliday(day=D(2030, 5, 1), name="Ngày Quốc tế Lao động"))
    db.session.commit()
    calendar = load_calendar(db.session, [2030])
    assert calendar.next_working_day(D(2030, 4, 29)) == D(2030, 5, 2)


def test_operator_keeps_holidays_on_screen_clerks_only_read(web, app):
    from tests.support import WebClient

    operator = web.login("vanhanh")
    response = operator.submit("/publicholidayview/add", {"day": "17/02/2031",
                                                          "name": "Tết Nguyên đán (mùng 1)"})
    assert response.status_code == 302
    assert db.session.query(PublicHoliday).filter_by(day=D(2031, 2, 17)).one()
    again = operator.submit("/publicholidayview/add", {"day": "17/02/2031", "name": "Trùng"})
    assert "Đã tồn tại" in again.text
    clerk = WebClient(app).login("vanthu.binhson")
    assert "Tết Nguyên đán (mùng 1)" in clerk.get("/publicholidayview/list/").text
    assert clerk.get("/publicholidayview/add").status_code in (302, 403)
