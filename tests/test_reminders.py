"""Đôn đốc (NĐ 30 Đ24): parts near or past their deadline remind the people concerned,
in the app and by e-mail through a real SMTP server, once per day, never twice.

Every run is given a fixed day (``today``); assertions look only at this module's own
parts of the work, since the test database is shared with the rest of the suite."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from flask import current_app, g
from sqlalchemy import text

from app import db
from app.models import AssignmentRole, Notification, NotificationKind, PublicHoliday
from app.routing import assignments
from app.routing.assignments import Target
from app.routing.calendar import WorkingCalendar
from app.routing.notifications import insert_once, notify, unread_count
from app.routing.reminder_mail import send_pending_emails
from app.routing.reminders import due_soon_until, run_reminders
from app.scheduler import JOB_ID, build_scheduler, exclusive, run_once
from app.security.roles import OFFICER
from tests.directory_data import BINH_SON, account, department
from tests.support import csrf_token
from tests.test_routing_assignments import received_in_binh_son

BASE_URL = "https://eoffice.quangngai.gov.vn"
HEAD = "truongphong.binhson"  # Lương Thị Hoa, head of Phòng Nội vụ
OFFICER_NAME = "chuyenvien.binhson"  # Trương Văn Long, Phòng Nội vụ
LEADER = "lanhdao.binhson"  # Ngô Minh Hải, chairman of UBND huyện Bình Sơn
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def address(username: str) -> str:
    return f"{username}@quangngai.gov.vn"


# --- A real SMTP server -------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, username: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"].addresses[0].addr_spec == address(username)]


def free_port() -> int:
    """A port nothing listens on (taken from the OS, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    for key, value in {"EOFFICE_SMTP_HOST": "127.0.0.1", "EOFFICE_SMTP_PORT": controller.port,
                       "EOFFICE_SMTP_STARTTLS": False, "EOFFICE_SMTP_USER": "",
                       "EOFFICE_SMTP_SENDER": "eOffice Bình Sơn <eoffice@binhson.quangngai.gov.vn>",
                       "EOFFICE_BASE_URL": BASE_URL}.items():
        monkeypatch.setitem(app.config, key, value)
    inbox.port = controller.port
    yield inbox
    controller.stop()


# --- Work handed out the way the screens do it --------------------------------------------


@contextmanager
def acting_as(username: str):
    """The services record who acts from the signed-in user of the request."""
    with current_app.test_request_context():
        g.user = account(username)
        yield


def department_part(subject: str, deadline: dt.date, **more_targets):
    """A document whose lead is Phòng Nội vụ, assigned by the chairman."""
    _, document = received_in_binh_son(subject, due=None)
    with acting_as(LEADER):
        parts = assignments.assign(db.session, document, None, [
            Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Nội vụ"),
                   deadline=deadline), *more_targets.values()])
    db.session.commit()
    return parts[0] if len(parts) == 1 else parts


def officer_part(parent, deadline: dt.date, officer: str = OFFICER_NAME):
    with acting_as(HEAD):
        part = assignments.sub_assign(db.session, parent, account(officer), deadline)
    db.session.commit()
    return part


def person_part(subject: str, deadline: dt.date, username: str):
    _, document = received_in_binh_son(subject, due=None)
    with acting_as(LEADER):
        (part,) = assignments.assign(db.session, document, None, [
            Target(AssignmentRole.lead, user=account(username), deadline=deadline)])
    db.session.commit()
    return part


def reminders_of(*parts) -> set[tuple[str, int, str, str]]:
    """(who, part, kind, day) of every reminder about these parts (the notices of
    new work, written when the parts were given, are not reminders)."""
    db.session.expire_all()
    rows = db.session.query(Notification).filter(
        Notification.assignment_id.in_([p.id for p in parts]),
        Notification.kind != NotificationKind.assigned)
    return {(r.user.username, r.assignment_id, r.kind.value, r.period) for r in rows}


def rows_of(*parts) -> list[Notification]:
    db.session.expire_all()
    return (db.session.query(Notification)
            .filter(Notification.assignment_id.in_([p.id for p in parts]),
                    Notification.kind != NotificationKind.assigned)
            .order_by(Notification.id).all())


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def mailed_about(inbox: Inbox, username: str, subject: str) -> list:
    return [m for m in inbox.to(username) if subject in body(m)]


# --- The tests ------------------------------------------------------------------------------

THURSDAY = dt.date(2027, 3, 11)
FRIDAY = dt.date(2027, 3, 12)


def test_due_soon_and_overdue_parts_remind_the_right_people_in_the_app_and_by_email(smtp):
    soon = department_part("Về việc góp ý dự thảo quy chế làm việc", dt.date(2027, 3, 15))
    late = department_part("Về việc báo cáo kết quả thực hiện dự án đường ven biển",
                           dt.date(2027, 3, 9))
    late_officer = officer_part(late, dt.date(2027, 3, 9))

    report = run_reminders(db.session, today=THURSDAY)

    day = "2027-03-11"
    assert reminders_of(soon, late, late_officer) == {
        (HEAD, soon.id, "due_soon", day),  # Mon 15/03 is 2 working days away
        (HEAD, late.id, "overdue", day),  # the department's part: its head …
        (LEADER, late.id, "overdue", day),  # … and the chairman who assigned it
        (OFFICER_NAME, late_officer.id, "overdue", day),  # the officer …
        (HEAD, late_officer.id, "overdue", day),  # … and the head who passed it on
    }
    assert report.due_soon >= 1 and report.overdue >= 2 and report.created >= 5
    message = {(r.user.username, r.assignment_id): r.message
               for r in rows_of(soon, late, late_officer)}
    assert message[HEAD, soon.id] == (
        "Sắp đến hạn: “Về việc góp ý dự thảo quy chế làm việc” "
        f"(số đến {soon.incoming.arrival_number:02d}), hạn xử lý 15/03/2027.")
    assert message[OFFICER_NAME, late_officer.id].startswith("Quá hạn: “Về việc báo cáo kết quả")
    assert message[LEADER, late.id].startswith("Quá hạn tại Phòng Nội vụ: “Về việc báo cáo")
    assert message[HEAD, late_officer.id].startswith("Quá hạn tại Trương Văn Long: “Về việc")

    sent_at = dt.datetime(2027, 3, 11, 0, 30)
    emails = send_pending_emails(db.session, now=sent_at)
    assert emails.enabled and emails.failures == 0 and emails.sent >= 3

    (to_officer,) = mailed_about(smtp, OFFICER_NAME, "đường ven biển")
    assert to_officer["To"].addresses[0].display_name == "Trương Văn Long"
    assert re.fullmatch(r"\[eOffice\] Nhắc việc: \d+ văn bản", to_officer["Subject"])
    assert to_officer.get_body().get_content_charset() == "utf-8"
    text_of_officer = body(to_officer)
    assert "Kính gửi Trương Văn Long," in text_of_officer
    assert "hạn xử lý 09/03/2027" in text_of_officer
    assert f"{BASE_URL}/incoming/registered/show/{late.incoming_id}" in text_of_officer
    (to_head,) = mailed_about(smtp, HEAD, "quy chế làm việc")
    assert "đường ven biển" in body(to_head) and "15/03/2027" in body(to_head)
    head_documents = {r.incoming_id for r in db.session.query(Notification).filter_by(
        user_id=account(HEAD).id, emailed_at=sent_at)}
    assert to_head["Subject"] == f"[eOffice] Nhắc việc: {len(head_documents)} văn bản"
    assert len(mailed_about(smtp, LEADER, "đường ven biển")) == 1
    assert all(r.emailed_at == sent_at and r.email_error is None
               for r in rows_of(soon, late, late_officer))

    # The same day again (the afternoon run): no new row, nothing mailed again.
    count = len(smtp.messages)
    run_reminders(db.session, today=THURSDAY)
    assert len(rows_of(soon, late, late_officer)) == 5
    assert send_pending_emails(db.session).sent == 0
    assert len(smtp.messages) == count

    # The next day reminds again.
    run_reminders(db.session, today=FRIDAY)
    assert {(who, part, kind) for who, part, kind, day in reminders_of(soon, late, late_officer)
            if day == "2027-03-12"} == {
        (HEAD, soon.id, "due_soon"), (HEAD, late.id, "overdue"), (LEADER, late.id, "overdue"),
        (OFFICER_NAME, late_officer.id, "overdue"), (HEAD, late_officer.id, "overdue")}
    send_pending_emails(db.session)
    assert len(mailed_about(smtp, OFFICER_NAME, "đường ven biển")) == 2


def test_completed_distant_and_for_information_parts_and_inactive_people_get_nothing(app):
    today = dt.date(2027, 3, 18)  # Thursday
    far, done, informed = department_part(
        "Về việc chuẩn bị tổng kết công tác năm", dt.date(2027, 3, 31),  # 9 working days away
        done=Target(AssignmentRole.cooperate,
                    department=department(BINH_SON, "Phòng Tài chính - Kế hoạch"),
                    deadline=dt.date(2027, 3, 16)),
        informed=Target(AssignmentRole.inform, user=account(OFFICER_NAME),
                        deadline=dt.date(2027, 3, 16)))
    assignments.complete(db.session, done, "Đã góp ý")
    gone = inactive_officer()
    left = person_part("Về việc rà soát hồ sơ cán bộ nghỉ việc", dt.date(2027, 3, 17), gone.username)
    db.session.commit()

    run_reminders(db.session, today=today)

    assert reminders_of(far, done, informed) == set()
    # The officer has left: only the chairman who assigned the overdue part hears of it.
    assert reminders_of(left) == {(LEADER, left.id, "overdue", "2027-03-18")}
    assert notify(db.session, gone, NotificationKind.assigned, "2027-03-18", "Việc mới",
                  assignment=left) is False


def inactive_officer():
    sm = current_app.appbuilder.sm
    user = sm.find_user(username="danghi.binhson")
    if user is None:
        user = sm.add_user(username="danghi.binhson", first_name="Văn Nghỉ", last_name="Hồ",
                           email=address("danghi.binhson"), role=sm.find_role(OFFICER),
                           password="Demo@2026")
        user.agency_id = department(BINH_SON, "Phòng Nội vụ").agency_id
        user.department = department(BINH_SON, "Phòng Nội vụ")
    user.active = False
    db.session.commit()
    return user


def test_the_due_soon_window_counts_working_days_only():
    calendar = WorkingCalendar()
    assert due_soon_until(calendar, THURSDAY, 2) == dt.date(2027, 3, 15)  # Fri, Mon
    assert due_soon_until(calendar, dt.date(2027, 3, 10), 2) == dt.date(2027, 3, 14)  # Thu, Fri (+ weekend)
    holiday = WorkingCalendar(frozenset({FRIDAY}))
    assert due_soon_until(holiday, THURSDAY, 2) == dt.date(2027, 3, 16)  # Mon, Tue


@pytest.fixture
def holiday_on_friday():
    """Makes Friday 26/03/2027 a day off when called (removed afterwards: the calendar
    is shared by the suite)."""
    day = dt.date(2027, 3, 26)

    def add() -> None:
        db.session.add(PublicHoliday(day=day, name="Ngày nghỉ bù"))
        db.session.commit()

    yield add
    db.session.rollback()
    db.session.query(PublicHoliday).filter_by(day=day).delete()
    db.session.commit()


def test_weekends_and_public_holidays_are_skipped_when_counting_the_window(holiday_on_friday):
    thursday = dt.date(2027, 3, 25)
    monday = department_part("Về việc kiểm tra an toàn thông tin", dt.date(2027, 3, 29))
    tuesday = department_part("Về việc thống kê tài sản công", dt.date(2027, 3, 30))

    run_reminders(db.session, today=thursday)
    assert reminders_of(monday, tuesday) == {(HEAD, monday.id, "due_soon", "2027-03-25")}

    holiday_on_friday()  # Friday off: Tuesday is now 2 working days away (Mon, Tue)
    run_reminders(db.session, today=thursday)
    assert (HEAD, tuesday.id, "due_soon", "2027-03-25") in reminders_of(tuesday)

    # No reminders on a Saturday or a public holiday.
    assert run_reminders(db.session, today=dt.date(2027, 3, 27)).created == 0
    report = run_reminders(db.session, today=dt.date(2027, 3, 26))
    assert not report.working_day and report.created == 0
    assert {day for *_, day in reminders_of(monday, tuesday)} == {"2027-03-25"}


def test_mail_server_down_keeps_the_notifications_and_the_next_run_sends_them(smtp, monkeypatch):
    part = person_part("Về việc cập nhật cơ sở dữ liệu cán bộ", dt.date(2027, 4, 6), OFFICER_NAME)
    run_reminders(db.session, today=dt.date(2027, 4, 8))
    monkeypatch.setitem(current_app.config, "EOFFICE_SMTP_PORT", free_port())  # nobody there

    down = send_pending_emails(db.session)

    assert down.failures >= 2 and down.sent == 0  # the officer and the chairman
    rows = rows_of(part)
    assert {r.user.username for r in rows} == {OFFICER_NAME, LEADER}
    assert all(r.emailed_at is None and r.email_error for r in rows)
    assert smtp.messages == []

    monkeypatch.setitem(current_app.config, "EOFFICE_SMTP_PORT", smtp.port)
    up = send_pending_emails(db.session)
    assert up.failures == 0 and up.sent >= 2
    assert all(r.emailed_at is not None and r.email_error is None for r in rows_of(part))
    assert len(mailed_about(smtp, OFFICER_NAME, "cơ sở dữ liệu cán bộ")) == 1
    assert send_pending_emails(db.session).sent == 0


def test_a_second_runner_skips_the_rows_the_first_one_is_mailing(smtp, db_engine_name):
    """PostgreSQL: rows locked by one runner (FOR UPDATE) are skipped by the other."""
    if db_engine_name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite runs one writer)")
    part = person_part("Về việc báo cáo tình hình giải ngân", dt.date(2027, 4, 13), OFFICER_NAME)
    run_reminders(db.session, today=dt.date(2027, 4, 15))
    officer_id = account(OFFICER_NAME).id
    db.session.commit()
    with db.engine.connect() as other_runner:
        other_runner.execute(text("SELECT id FROM notification WHERE user_id = :u "
                                  "AND emailed_at IS NULL FOR UPDATE"), {"u": officer_id})
        send_pending_emails(db.session)
        assert mailed_about(smtp, OFFICER_NAME, "giải ngân") == []
        assert mailed_about(smtp, LEADER, "giải ngân")  # other people are not held up
        other_runner.rollback()
    send_pending_emails(db.session)
    assert len(mailed_about(smtp, OFFICER_NAME, "giải ngân")) == 1
    assert all(r.emailed_at is not None for r in rows_of(part))


def test_notify_is_idempotent_even_against_a_concurrent_insert(app):
    part = person_part("Về việc phân công trực cơ quan", dt.date(2027, 5, 20), OFFICER_NAME)
    officer = account(OFFICER_NAME)
    assert notify(db.session, officer, NotificationKind.due_soon, "2027-05-12",
                  "Sắp đến hạn: trực cơ quan", assignment=part) is True
    assert notify(db.session, officer, NotificationKind.due_soon, "2027-05-12",
                  "Sắp đến hạn: trực cơ quan", assignment=part) is False
    # A runner that passed the existence check at the same moment: the database says no.
    assert insert_once(db.session, {
        "user_id": officer.id, "assignment_id": part.id, "kind": NotificationKind.due_soon,
        "period": "2027-05-12", "agency_id": part.agency_id, "incoming_id": part.incoming_id,
        "message": "Sắp đến hạn: trực cơ quan"}) is False
    db.session.commit()
    assert len(rows_of(part)) == 1
    assert rows_of(part)[0].incoming_id == part.incoming_id


def test_no_mail_server_configured_keeps_notifications_in_the_app_only(app):
    part = person_part("Về việc tập huấn phần mềm", dt.date(2027, 5, 4), OFFICER_NAME)
    run_reminders(db.session, today=dt.date(2027, 5, 6))
    assert current_app.config["EOFFICE_SMTP_HOST"] == ""
    assert send_pending_emails(db.session).enabled is False
    assert all(r.emailed_at is None and r.email_error is None for r in rows_of(part))


def test_my_notifications_page_shows_only_my_own_and_marks_them_read(web, app):
    mine = person_part("Về việc lập kế hoạch chuyển đổi số", dt.date(2027, 4, 20), OFFICER_NAME)
    theirs = department_part("Về việc kiện toàn tổ công tác", dt.date(2027, 4, 20))
    run_reminders(db.session, today=dt.date(2027, 4, 22), now=dt.datetime(2027, 4, 22, 0, 30))
    (my_row,) = [r for r in rows_of(mine) if r.user.username == OFFICER_NAME]
    (their_row,) = [r for r in rows_of(theirs) if r.user.username == HEAD]
    officer_id = account(OFFICER_NAME).id
    unread = unread_count(officer_id)
    assert unread >= 1

    web.login(OFFICER_NAME)
    page = web.get("/notifications/")
    assert page.status_code == 200
    assert "Thông báo của tôi" in page.text
    assert f"<strong>{my_row.message}</strong>" in page.text
    assert "22/04/2027 07:30" in page.text  # 00:30 UTC is 07:30 in Vietnam
    assert "kiện toàn tổ công tác" not in page.text  # the head's reminder is not here

    # Someone else's notification can be neither opened nor marked.
    assert web.get(f"/notifications/open/{their_row.id}").status_code == 404
    opened = web.get(f"/notifications/open/{my_row.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/incoming/registered/show/{mine.incoming_id}")
    assert unread_count(officer_id) == unread - 1

    assert web.client.post("/notifications/read-all", data={}).status_code == 400  # no CSRF
    token = csrf_token(web.get("/notifications/").text)
    done = web.client.post("/notifications/read-all", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Đã đánh dấu tất cả thông báo là đã đọc." in done.text
    assert unread_count(officer_id) == 0
    assert f"<strong>{my_row.message}</strong>" not in done.text
    assert db.session.get(Notification, their_row.id).read_at is None
    assert unread_count(account(HEAD).id) >= 1


def test_the_scheduler_runs_at_the_configured_times_in_vietnam(app):
    scheduler = build_scheduler(app)
    job = scheduler.get_job(JOB_ID)
    assert not scheduler.running  # web processes never start it; `flask eoffice scheduler` does
    morning = dt.datetime(2027, 3, 11, 8, 0, tzinfo=VIETNAM)
    assert job.trigger.get_next_fire_time(None, morning) == dt.datetime(
        2027, 3, 11, 13, 30, tzinfo=VIETNAM)
    evening = dt.datetime(2027, 3, 11, 18, 0, tzinfo=VIETNAM)
    assert job.trigger.get_next_fire_time(None, evening) == dt.datetime(
        2027, 3, 12, 7, 30, tzinfo=VIETNAM)


def test_only_one_host_runs_the_job_at_a_time(app, db_engine_name):
    part = person_part("Về việc thu thập số liệu thống kê", dt.date(2027, 4, 27), OFFICER_NAME)
    day = dt.date(2027, 4, 29)
    if db_engine_name == "postgresql":
        with exclusive(db.engine) as first_host:
            assert first_host
            assert run_once(app, today=day) is None  # the second host skips this run
        assert reminders_of(part) == set()
    result = run_once(app, today=day)
    assert result is not None and result.reminders.created >= 2
    assert result.emails.enabled is False
    assert {who for who, *_ in reminders_of(part)} == {OFFICER_NAME, LEADER}


def test_remind_command_prints_the_counts(app):
    part = person_part("Về việc đăng ký thi đua năm 2027", dt.date(2027, 5, 11), OFFICER_NAME)
    result = app.test_cli_runner().invoke(args=["eoffice", "remind", "--today", "2027-05-13"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Notifications created: \d+", result.output)
    assert "E-mails sent: 0 (EOFFICE_SMTP_HOST is not set)" in result.output
    assert {who for who, *_ in reminders_of(part)} == {OFFICER_NAME, LEADER}
    weekend = app.test_cli_runner().invoke(args=["eoffice", "remind", "--today", "2027-05-15"])
    assert "15/05/2027 is not a working day: no reminders." in weekend.output
