"""The directory sync job (QĐ 778 Đ16, Đ19.1c) against the throw-away slapd: revoked and
disabled mailboxes deactivate their accounts for good, new and moved mailboxes are
reported to the admins of the agencies concerned (and only to them, once a day), a
directory that does not answer changes nothing; the CLI command and the scheduler job."""

from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import func, select

from tests.ldap_directory import (
    BINH_SON,
    SO_TTTT,
    api_login,
    form_login,
    signed_in,
)


def sync(flask_app, **config):
    from app import db
    from app.security.directory_sync import sync_directory

    with flask_app.app_context():
        return sync_directory(db.session, config={**flask_app.config, **config})


def provisioned(flask_app, directory, mailbox_password, name: str, agency: str = SO_TTTT) -> str:
    """A mailbox that has logged in once (so it has its account)."""
    mailbox = directory.add(name, agency=agency)
    response = api_login(flask_app, mailbox, mailbox_password)
    assert response.status_code == 200, response.text
    return mailbox


def run_cli(flask_app, *args: str):
    """``flask eoffice ...`` on ``flask_app`` (not the session app the test runs in)."""
    with flask_app.app_context():
        return flask_app.test_cli_runner().invoke(args=["eoffice", *args])


def account(flask_app, mailbox: str) -> dict:
    from app import db
    from app.models import UserAccount

    with flask_app.app_context():
        user = db.session.scalar(select(UserAccount).where(UserAccount.username == mailbox))
        return {"id": user.id, "active": user.active, "reason": user.inactive_reason,
                "seen": user.directory_seen_at, "agency": user.agency.code}


def notifications(flask_app, text: str) -> dict[str, list[str]]:
    """Account notifications mentioning ``text``, by recipient user name."""
    from app import db
    from app.models import Notification, NotificationKind, UserAccount

    with flask_app.app_context():
        rows = db.session.execute(
            select(UserAccount.username, Notification.message, Notification.agency_id)
            .join(UserAccount, UserAccount.id == Notification.user_id)
            .where(Notification.kind == NotificationKind.account,
                   Notification.message.contains(text))).all()
    found: dict[str, list[str]] = {}
    for username, message, _agency in rows:
        found.setdefault(username, []).append(message)
    return found


def audit(flask_app, event: str, target: str | None = None) -> list[dict]:
    from app import db
    from app.models import AuditEntry

    with flask_app.app_context():
        query = select(AuditEntry).where(AuditEntry.event == event)
        if target:
            query = query.where(AuditEntry.target == target)
        return [{"actor": e.actor_name, "detail": json.loads(e.detail or "{}")}
                for e in db.session.scalars(query.order_by(AuditEntry.id))]


def test_revoked_mailbox_deactivates_the_account(ldap_app, directory, mailbox_password):
    mailbox = provisioned(ldap_app, directory, mailbox_password, "thuhoi")
    before = account(ldap_app, mailbox)
    assert before["active"]

    report = sync(ldap_app)
    assert report.ok and mailbox not in report.deactivated
    seen = account(ldap_app, mailbox)
    assert seen["active"] and seen["seen"] is not None

    directory.delete(mailbox)
    report = sync(ldap_app)

    assert report.ok and mailbox in report.deactivated
    after = account(ldap_app, mailbox)
    assert not after["active"]
    assert after["reason"] == "Hộp thư công vụ đã bị thu hồi (không còn trong thư mục)"
    entries = audit(ldap_app, "account_deactivated", f"user:{after['id']}")
    assert [e["detail"]["reason"] for e in entries] == ["revoked"]
    assert entries[0]["actor"] == "directory-sync"
    # Its agency's admin hears of it; the other agency's does not.
    told = notifications(ldap_app, mailbox)
    assert set(told) == {"qtcq.stttt"}
    assert not signed_in(form_login(ldap_app, mailbox, mailbox_password))
    # A second run changes nothing more.
    again = sync(ldap_app)
    assert mailbox not in again.deactivated
    assert len(audit(ldap_app, "account_deactivated", f"user:{after['id']}")) == 1


def test_disabled_mailbox_deactivates_the_account_for_good(ldap_app, directory, mailbox_password):
    mailbox = provisioned(ldap_app, directory, mailbox_password, "bikhoa", agency=BINH_SON)
    directory.disable(mailbox)

    report = sync(ldap_app)

    assert mailbox in report.deactivated
    user = account(ldap_app, mailbox)
    assert not user["active"] and user["reason"] == "Hộp thư công vụ đã bị khóa trong thư mục"
    assert set(notifications(ldap_app, mailbox)) == {"qtcq.binhson"}
    # Enabled again in the directory: the eOffice account stays deactivated until an
    # admin reactivates it.
    directory.modify(mailbox, employeeType=None)
    assert api_login(ldap_app, mailbox, mailbox_password).status_code == 401
    assert not signed_in(form_login(ldap_app, mailbox, mailbox_password))
    sync(ldap_app)
    assert not account(ldap_app, mailbox)["active"]


def test_new_and_moved_mailboxes_are_reported_to_their_agency_admins(ldap_app, directory,
                                                                      mailbox_password, monkeypatch):
    from app.security import directory_sync

    # No allowance for clock differences here: slapd runs on this machine.
    monkeypatch.setattr(directory_sync, "CLOCK_MARGIN", dt.timedelta(0))
    mover = provisioned(ldap_app, directory, mailbox_password, "chuyencq", agency=SO_TTTT)
    old = directory.add("cu", agency=BINH_SON)
    sync(ldap_app)  # what exists now is not new any more
    time.sleep(1.1)  # createTimestamp counts whole seconds
    new_binh_son = directory.add("moi", agency=BINH_SON)
    new_so = directory.add("moi", agency=SO_TTTT)
    directory.modify(mover, departmentNumber=BINH_SON)

    report = sync(ldap_app)

    assert report.ok
    assert {new_binh_son, new_so} <= set(report.new)
    assert old not in report.new and not notifications(ldap_app, old)
    assert report.moved == [mover]
    assert set(notifications(ldap_app, new_binh_son)) == {"qtcq.binhson"}
    assert set(notifications(ldap_app, new_so)) == {"qtcq.stttt"}
    assert set(notifications(ldap_app, mover)) == {"qtcq.stttt", "qtcq.binhson"}
    # Reported, never moved by the job.
    assert account(ldap_app, mover)["agency"] == SO_TTTT and account(ldap_app, mover)["active"]
    # The summary is in the audit log.
    last = audit(ldap_app, "directory_sync")[-1]
    assert last["actor"] == "directory-sync" and last["detail"]["ok"] is True
    assert last["detail"]["moved"] == 1 and last["detail"]["new"] >= 2
    # The same run again the same day (the new ones found again within the clock
    # allowance, the move still there) writes nothing twice.
    monkeypatch.setattr(directory_sync, "CLOCK_MARGIN", dt.timedelta(minutes=5))
    counts = {m: sum(map(len, notifications(ldap_app, m).values()))
              for m in (new_binh_son, new_so, mover)}
    again = sync(ldap_app)
    assert {new_binh_son, new_so} <= set(again.new) and again.moved == [mover]
    assert counts == {m: sum(map(len, notifications(ldap_app, m).values()))
                      for m in (new_binh_son, new_so, mover)}


def test_many_items_make_one_summary(ldap_app, directory, monkeypatch):
    """The first sync of a whole province would write a notification per mailbox: above
    MAX_ITEMS_NOTIFIED per agency and kind, the admins get one summary instead."""
    from app.security import directory_sync

    sync(ldap_app)
    monkeypatch.setattr(directory_sync, "MAX_ITEMS_NOTIFIED", 1)
    first = directory.add("0tonghop", agency=BINH_SON)
    second = directory.add("0tonghop", agency=BINH_SON)

    report = sync(ldap_app)

    assert {first, second} <= set(report.new)
    summaries = notifications(ldap_app, first)
    assert set(summaries) == {"qtcq.binhson"} and len(summaries["qtcq.binhson"]) == 1
    assert second in summaries["qtcq.binhson"][0]


def test_directory_down_changes_nothing(ldap_app, directory, mailbox_password, caplog):
    mailbox = provisioned(ldap_app, directory, mailbox_password, "matmang")
    directory.delete(mailbox)

    report = sync(ldap_app, AUTH_LDAP_SERVER="ldap://127.0.0.1:1")

    assert not report.ok and "did not answer" in report.error
    assert report.deactivated == []
    assert account(ldap_app, mailbox)["active"]
    assert any("directory sync failed" in r.getMessage() for r in caplog.records)
    assert audit(ldap_app, "directory_sync")[-1]["detail"]["ok"] is False
    # A wrong search base (no mailbox at all) is a failure too, not "everyone revoked".
    empty = sync(ldap_app, AUTH_LDAP_SEARCH="ou=nobody,dc=quangngai,dc=gov,dc=vn")
    assert not empty.ok and account(ldap_app, mailbox)["active"]
    # Once the directory answers again, the revoked mailbox is dealt with.
    assert mailbox in sync(ldap_app).deactivated


def test_local_accounts_are_left_alone(ldap_app):
    from app import db
    from app.models import UserAccount

    sync(ldap_app)
    with ldap_app.app_context():
        local_inactive = db.session.scalar(select(func.count(UserAccount.id)).where(
            UserAccount.auth_source == "local", UserAccount.active.is_(False)))
    assert local_inactive == 0
    assert api_login(ldap_app, "quantri", "Demo@2026", provider="ldap").status_code == 200


def test_paged_read_finds_every_mailbox(ldap_app, directory, slapd):
    """Pages of two entries: all mailboxes, the seed ones and a new one, are read."""
    from app.security.directory_sync import read_directory

    mailbox = directory.add("trang")
    with ldap_app.app_context():
        entries = read_directory({**ldap_app.config, "EOFFICE_DIRECTORY_PAGE_SIZE": 2})
    assert mailbox in entries
    assert {"nguyenvana@quangngai.gov.vn", "tranthib@quangngai.gov.vn",
            "levanc@quangngai.gov.vn", "phamvand@quangngai.gov.vn",
            "hoangthie@quangngai.gov.vn"} <= set(entries)
    assert entries["hoangthie@quangngai.gov.vn"].disabled
    assert entries[mailbox].agency_values == (SO_TTTT,)


def test_cli_runs_the_sync(ldap_app, directory, mailbox_password):
    mailbox = provisioned(ldap_app, directory, mailbox_password, "dongbo")
    directory.delete(mailbox)

    result = run_cli(ldap_app, "directory-sync")

    assert result.exit_code == 0, result.output
    assert mailbox in result.output and "Deactivated:" in result.output
    assert not account(ldap_app, mailbox)["active"]


def test_cli_says_when_the_directory_is_down(ldap_app, monkeypatch):
    monkeypatch.setitem(ldap_app.config, "AUTH_LDAP_SERVER", "ldap://127.0.0.1:1")
    result = run_cli(ldap_app, "directory-sync")
    assert result.exit_code != 0 and "nothing changed" in result.output


def test_scheduler_runs_the_sync_only_with_a_directory(ldap_app, app):
    from app.scheduler import build_scheduler
    from app.security.directory_sync import JOB_ID

    with_directory = build_scheduler(ldap_app)
    without = build_scheduler(app)  # the session app: AUTH_DB, no AUTH_LDAP_SERVER
    assert with_directory.get_job(JOB_ID) is not None
    assert without.get_job(JOB_ID) is None
