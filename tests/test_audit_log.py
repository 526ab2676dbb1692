"""Nhật ký hệ thống (QĐ 778 Đ19.2c): append-only, hash-chained, proven by
``flask eoffice audit verify``; account changes logged whatever the way in; read,
filtered and exported by operators and auditors, by an agency admin for their agency.

Tampering happens on a throw-away eOffice of its own, so the shared test database
keeps an intact chain for every other test."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import threading
import uuid

import pytest
from flask_appbuilder.security.sqla.models import Role
from openpyxl import load_workbook
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import db
from app.models import AuditEntry, UserAccount
from app.security.audit import GENESIS, AuditEvent, append, hash_of, record_audit, verify_chain
from app.security.audit_export import event_label
from app.security.audit_hooks import AuditLogImmutableError
from app.security.roles import CLERK, OFFICER
from tests.directory_data import BINH_SON, STTTT, account, agency, role_id

VN = dt.timezone(dt.timedelta(hours=7))


def marker(prefix: str = "AUD") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def entries(target: str) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.query(AuditEntry).filter_by(target=target).order_by(AuditEntry.id).all()


def detail(entry: AuditEntry) -> dict:
    return json.loads(entry.detail) if entry.detail else {}


def new_account(session, role: str = OFFICER, agency_code: str = BINH_SON) -> UserAccount:
    slug = {BINH_SON: "binhson", STTTT: "stttt"}[agency_code]
    name = f"{marker('kiemtra').lower()}.{slug}"  # agency suffix, like the demo accounts
    user = UserAccount(
        username=name, first_name="Văn Kiểm", last_name="Trần",
        email=f"{name}@quangngai.gov.vn", agency=agency(agency_code), active=True,
        roles=[db.session.get(Role, role_id(role))],
        password=generate_password_hash("Quang-Ngai-2026!"))
    session.add(user)
    session.commit()
    return user


def add_entry(session, target: str, agency_code: str = BINH_SON, **values) -> dict:
    """One entry with chosen values (a past time, an address), appended the way the
    app appends, committed."""
    [row] = append(session.connection(), [{
        "event": AuditEvent.LOGIN, "actor_name": "nguoi.thu", "agency_id": agency(agency_code).id,
        "target": target, "ip": "10.1.2.3", "detail": None, **values}])
    session.commit()
    return row


# --- The chain ---------------------------------------------------------------------------


def test_entries_are_chained_and_their_hash_survives_the_database(db_session):
    target = marker()
    first = record_audit(AuditEvent.LOGIN, actor_name="nguoi.a", target=target,
                         detail={"ghi chú": "Đăng nhập từ Quảng Ngãi"})
    second = record_audit(AuditEvent.LOGIN_FAILED, actor_name="nguoi.b", target=target)
    db_session.commit()
    assert second.prev_hash == first.entry_hash
    stored = entries(target)
    assert [e.id for e in stored] == [first.id, second.id]
    for entry in stored:  # read back from SQLite / PostgreSQL: same time, same hash
        assert hash_of(entry) == entry.entry_hash
    assert stored[0].at == first.at and stored[0].at.microsecond == first.at.microsecond
    assert detail(stored[0]) == {"ghi chú": "Đăng nhập từ Quảng Ngãi"}
    assert verify_chain(db_session).ok


def test_long_values_are_cut_to_what_the_database_keeps(db_session):
    target = marker()
    entry = record_audit(AuditEvent.LOGIN_FAILED, actor_name="x" * 400, target=target)
    db_session.commit()
    [stored] = entries(target)
    assert stored.actor_name == "x" * 255 == entry.actor_name
    assert hash_of(stored) == stored.entry_hash


def test_concurrent_writers_keep_one_chain(app, db_session):
    """Writers in their own sessions (own connections) append at once: the chain lock
    makes them queue, none chains to an entry another one also chained to."""
    target, writers, each = marker(), 6, 4
    start = threading.Barrier(writers)
    engine = db.engine
    failures = []

    def write(number: int) -> None:
        try:
            start.wait()
            for step in range(each):
                with Session(engine) as session:
                    record_audit(AuditEvent.LOGIN, actor_name=f"luong{number}.{step}",
                                 target=target, session=session)
                    session.commit()
        except Exception as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    assert len(entries(target)) == writers * each
    links = [prev for (prev,) in db_session.query(AuditEntry.prev_hash)]
    assert len(links) == len(set(links))
    assert verify_chain(db_session).ok


def test_verify_leaves_the_callers_objects_alone(db_session):
    officer = account("chuyenvien.binhson")
    record_audit(AuditEvent.LOGIN, actor=officer, target=marker())  # not committed yet
    report = verify_chain(db_session)
    assert report.ok and report.checked >= 1
    assert officer in db_session and officer.username == "chuyenvien.binhson"
    db_session.rollback()


def test_cli_verify_passes_on_an_intact_log(app, db_session):
    record_audit(AuditEvent.LOGIN, actor_name="nguoi.cli", target=marker())
    db_session.commit()
    count = db_session.query(AuditEntry).count()
    result = app.test_cli_runner().invoke(args=["eoffice", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Audit log intact: {count} entries checked." in result.output


# --- Append-only ------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET actor_name = 'ke.gian' WHERE id = :id",
    "DELETE FROM audit_entry WHERE id = :id",
])
def test_the_database_refuses_updates_and_deletes(db_session, statement):
    row = add_entry(db_session, marker())
    with db.engine.connect() as connection:
        with pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text(statement), {"id": row["id"]})
        connection.rollback()
    [stored] = entries(row["target"])
    assert stored.actor_name == "nguoi.thu"


def test_the_orm_refuses_updates_and_deletes(db_session):
    target = add_entry(db_session, marker())["target"]
    [entry] = entries(target)
    entry.actor_name = "ke.gian"
    with pytest.raises(AuditLogImmutableError):
        db_session.flush()
    db_session.rollback()
    db_session.delete(entries(target)[0])
    with pytest.raises(AuditLogImmutableError):
        db_session.flush()
    db_session.rollback()
    with pytest.raises(AuditLogImmutableError):
        db_session.execute(update(AuditEntry).where(AuditEntry.target == target)
                           .values(actor_name="ke.gian"))
    with pytest.raises(AuditLogImmutableError):
        db_session.execute(delete(AuditEntry).where(AuditEntry.target == target))
    db_session.rollback()
    assert entries(target)[0].actor_name == "nguoi.thu"


# --- Tampering, on an eOffice of its own ----------------------------------------------


@pytest.fixture(scope="module")
def tamper_app(db_engine_name, tmp_path_factory, pki, clamd_socket):
    from tests.conftest import _create_pg_database, _drop_pg_database, demo_app, dispose_app

    folder = tmp_path_factory.mktemp("audit-tamper")
    name = None
    if db_engine_name == "sqlite":
        url = f"sqlite:///{folder / 'tamper.db'}"
    else:
        name, url = _create_pg_database()
    flask_app = demo_app(url, folder, pki, clamd_socket)
    with flask_app.app_context():
        for number in range(5):
            record_audit(AuditEvent.LOGIN, actor_name=f"nguoi{number}", target="user:0")
        db.session.commit()
    yield flask_app
    dispose_app(flask_app)
    if name:
        _drop_pg_database(name)


@contextlib.contextmanager
def append_only_off(connection, verb: str):
    """What an attacker with the database owner's rights does first: disable the
    trigger refusing ``verb`` (UPDATE or DELETE). Restored afterwards."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        try:
            yield
        finally:
            connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
        return
    name = f"audit_entry_no_{verb.lower()}"
    sql = connection.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND name = :name"), {"name": name})
    assert sql, f"trigger {name} is missing"
    connection.execute(text(f"DROP TRIGGER {name}"))
    try:
        yield
    finally:
        connection.execute(text(sql))


def verify_cli(flask_app):
    """``flask eoffice audit verify`` on ``flask_app`` (its context on top, or the
    command would run in the shared app the test's own context holds)."""
    with flask_app.app_context():
        return flask_app.test_cli_runner().invoke(args=["eoffice", "audit", "verify"])


def pick(flask_app, position: int = 3) -> dict:
    with flask_app.app_context(), db.engine.connect() as connection:
        table = AuditEntry.__table__
        rows = connection.execute(select(table).order_by(table.c.id)).mappings().all()
        return {"row": dict(rows[position]), "next": dict(rows[position + 1])}


def test_editing_a_row_in_the_database_makes_verify_fail_at_that_row(tamper_app):
    from app.security.audit_export import format_at

    chosen = pick(tamper_app)["row"]
    assert verify_cli(tamper_app).exit_code == 0
    with tamper_app.app_context(), db.engine.begin() as connection:
        with append_only_off(connection, "UPDATE"):
            connection.execute(text("UPDATE audit_entry SET actor_name = 'ke.gian' "
                                    "WHERE id = :id"), {"id": chosen["id"]})
    try:
        result = verify_cli(tamper_app)
        assert result.exit_code != 0
        assert f"ALTERED at entry {chosen['id']} " in result.output
        assert format_at(chosen["at"]) in result.output and chosen["event"] in result.output
        assert "content was changed" in result.output
        assert f"Entries intact before it: {chosen['id'] - 1}" in result.output
    finally:
        with tamper_app.app_context(), db.engine.begin() as connection:
            with append_only_off(connection, "UPDATE"):
                connection.execute(text("UPDATE audit_entry SET actor_name = :name "
                                        "WHERE id = :id"),
                                   {"name": chosen["actor_name"], "id": chosen["id"]})
    assert verify_cli(tamper_app).exit_code == 0


def test_rewriting_a_row_with_its_hash_makes_verify_fail_at_the_next_row(tamper_app):
    picked = pick(tamper_app)
    chosen, following = picked["row"], picked["next"]
    forged = {**chosen, "actor_name": "ke.gian"}
    with tamper_app.app_context(), db.engine.begin() as connection:
        with append_only_off(connection, "UPDATE"):
            connection.execute(text("UPDATE audit_entry SET actor_name = 'ke.gian', "
                                    "entry_hash = :hash WHERE id = :id"),
                               {"hash": hash_of(forged), "id": chosen["id"]})
    try:
        result = verify_cli(tamper_app)
        assert result.exit_code != 0
        assert f"ALTERED at entry {following['id']} " in result.output
        assert "link to the previous entry is broken" in result.output
    finally:
        with tamper_app.app_context(), db.engine.begin() as connection:
            with append_only_off(connection, "UPDATE"):
                connection.execute(text("UPDATE audit_entry SET actor_name = :name, "
                                        "entry_hash = :hash WHERE id = :id"),
                                   {"name": chosen["actor_name"], "hash": chosen["entry_hash"],
                                    "id": chosen["id"]})
    assert verify_cli(tamper_app).exit_code == 0


def test_deleting_a_row_makes_verify_fail_at_the_next_row(tamper_app):
    picked = pick(tamper_app)
    chosen, following = picked["row"], picked["next"]
    with tamper_app.app_context(), db.engine.begin() as connection:
        with append_only_off(connection, "DELETE"):
            connection.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": chosen["id"]})
    try:
        result = verify_cli(tamper_app)
        assert result.exit_code != 0
        assert f"ALTERED at entry {following['id']} " in result.output
        assert following["event"] in result.output
        assert "link to the previous entry is broken" in result.output
    finally:
        with tamper_app.app_context(), db.engine.begin() as connection:
            connection.execute(AuditEntry.__table__.insert().values(**chosen))
    assert verify_cli(tamper_app).exit_code == 0


def test_the_verify_page_shows_the_altered_entry_to_operators(tamper_app):
    from tests.support import WebClient

    chosen = pick(tamper_app, 2)["row"]
    web = WebClient(tamper_app).login("vanhanh")
    assert "audit-chain-ok" in web.get("/auditlog/verify").text
    with tamper_app.app_context(), db.engine.begin() as connection:
        with append_only_off(connection, "UPDATE"):
            connection.execute(text("UPDATE audit_entry SET ip = '6.6.6.6' WHERE id = :id"),
                               {"id": chosen["id"]})
    try:
        page = web.get("/auditlog/verify")
        assert page.status_code == 200
        assert "audit-chain-altered" in page.text and f"{chosen['id']}" in page.text
    finally:
        with tamper_app.app_context(), db.engine.begin() as connection:
            with append_only_off(connection, "UPDATE"):
                connection.execute(text("UPDATE audit_entry SET ip = :ip WHERE id = :id"),
                                   {"ip": chosen["ip"], "id": chosen["id"]})
    assert "audit-chain-ok" in web.get("/auditlog/verify").text


# --- Account changes, whatever the way in ---------------------------------------------


def edit_form(user: UserAccount, role_ids: list[int]) -> dict:
    return {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email,
            "agency": str(user.agency_id), "roles": [str(r) for r in role_ids], "active": "y"}


def test_creating_an_account_is_logged(db_session):
    user = new_account(db_session)
    [created] = entries(f"user:{user.id}")
    assert created.event == AuditEvent.ACCOUNT_CREATED
    assert created.agency_id == agency(BINH_SON).id
    assert detail(created)["roles"] == [OFFICER] and detail(created)["username"] == user.username


def test_role_change_on_the_users_screen_is_logged(web, db_session):
    user = new_account(db_session)
    web.login("qtcq.binhson")
    response = web.submit(f"/users/edit/{user.id}", edit_form(user, [role_id(CLERK)]))
    assert response.status_code == 302
    changed = [e for e in entries(f"user:{user.id}") if e.event == AuditEvent.ROLES_CHANGED]
    assert len(changed) == 1
    assert detail(changed[0])["before"] == [OFFICER] and detail(changed[0])["after"] == [CLERK]
    assert changed[0].actor_name == "qtcq.binhson"
    assert changed[0].actor_id == account("qtcq.binhson").id
    assert changed[0].agency_id == agency(BINH_SON).id
    assert changed[0].ip == "127.0.0.1"
    assert verify_chain(db_session).ok


def test_role_change_through_the_rest_api_is_logged(api, db_session):
    user = new_account(db_session, agency_code=STTTT)
    response = api.login("quantri").put(f"/api/v1/user/{user.id}",
                                        {"roles": [role_id(CLERK), role_id(OFFICER)]})
    assert response.status_code == 200, response.text
    [changed] = [e for e in entries(f"user:{user.id}") if e.event == AuditEvent.ROLES_CHANGED]
    assert detail(changed) == {"username": user.username, "before": [OFFICER],
                               "after": sorted([CLERK, OFFICER])}
    assert changed.actor_name == "quantri"
    assert changed.agency_id == agency(STTTT).id


def test_saving_an_account_without_changes_logs_nothing(web, db_session):
    user = new_account(db_session)
    web.login("qtcq.binhson")
    before = len(entries(f"user:{user.id}"))
    response = web.submit(f"/users/edit/{user.id}", edit_form(user, [role_id(OFFICER)]))
    assert response.status_code == 302
    assert len(entries(f"user:{user.id}")) == before


def test_deactivation_move_and_password_change_are_logged(db_session):
    """Changed by code (a job, a script): logged all the same, without an actor."""
    from tests.directory_data import department

    user = new_account(db_session)
    target = f"user:{user.id}"
    it_unit = department(STTTT, "Phòng Công nghệ thông tin")
    user.active = False
    user.inactive_reason = "Hộp thư công vụ đã bị thu hồi"
    db_session.commit()
    user.agency_id = agency(STTTT).id
    user.department = it_unit
    db_session.commit()
    user.password = generate_password_hash("Mat-khau-moi-2026!")
    db_session.commit()
    user.active = True
    db_session.commit()
    logged = {e.event: e for e in entries(target)}
    assert set(logged) == {AuditEvent.ACCOUNT_CREATED, AuditEvent.ACCOUNT_DEACTIVATED,
                           AuditEvent.ACCOUNT_MOVED, AuditEvent.PASSWORD_CHANGED,
                           AuditEvent.ACCOUNT_REACTIVATED}
    assert detail(logged[AuditEvent.ACCOUNT_DEACTIVATED])["reason"] == user.inactive_reason
    moved = detail(logged[AuditEvent.ACCOUNT_MOVED])
    assert BINH_SON in moved["from_agency"] and STTTT in moved["to_agency"]
    assert moved["to_department"] == "Phòng Công nghệ thông tin"
    assert logged[AuditEvent.ACCOUNT_MOVED].agency_id == agency(STTTT).id
    password = logged[AuditEvent.PASSWORD_CHANGED]
    assert user.password not in password.detail and "scrypt" not in password.detail
    assert all(e.actor_id is None for e in logged.values())


def test_an_explicit_entry_is_not_logged_twice(db_session):
    """A handover logs the deactivation itself, with its reason; the hook adds none."""
    user = new_account(db_session)
    user.active = False
    record_audit(AuditEvent.ACCOUNT_DEACTIVATED, target=f"user:{user.id}",
                 agency_id=user.agency_id, detail={"reason": "bàn giao"})
    db_session.commit()
    deactivated = [e for e in entries(f"user:{user.id}")
                   if e.event == AuditEvent.ACCOUNT_DEACTIVATED]
    assert [detail(e) for e in deactivated] == [{"reason": "bàn giao"}]


# --- Screens and API: who sees what -------------------------------------------------------


@pytest.fixture
def two_agencies(db_session):
    """One entry in Bình Sơn, one in Sở TT&TT, with a shared marker in the target."""
    tag = marker()
    rows = {code: add_entry(db_session, f"{tag}:{code}", code) for code in (BINH_SON, STTTT)}
    return tag, rows


def row_of(page: str, text_in_row: str) -> str:
    match = re.search(rf"<tr>((?:(?!</tr>).)*{re.escape(text_in_row)}(?:(?!</tr>).)*)</tr>",
                      page, re.S)
    assert match, f"no row with {text_in_row}"
    return match.group(1)


def listed(web, query: str) -> str:
    page = web.get(f"/auditlog/list/?{query}")
    assert page.status_code == 200
    return page.text


@pytest.mark.parametrize("username", ["vanhanh", "giamsat", "quantri"])
def test_operator_auditor_and_system_admin_see_every_agency(web, two_agencies, username):
    tag, rows = two_agencies
    page = listed(web.login(username), f"_flt_1_target={tag}")
    assert f"{tag}:{BINH_SON}" in page and f"{tag}:{STTTT}" in page
    assert web.get(f"/auditlog/show/{rows[STTTT]['id']}").status_code == 200


def test_an_agency_admin_sees_only_their_agency(web, api, two_agencies):
    tag, rows = two_agencies
    page = listed(web.login("qtcq.binhson"), f"_flt_1_target={tag}")
    assert f"{tag}:{BINH_SON}" in page and f"{tag}:{STTTT}" not in page
    assert web.get(f"/auditlog/show/{rows[STTTT]['id']}").status_code == 404
    assert web.get(f"/auditlog/show/{rows[BINH_SON]['id']}").status_code == 200
    assert web.get("/auditlog/verify").status_code == 403
    assert 'id="audit-verify"' not in page
    api.login("qtcq.binhson")
    found = api.get(f"/api/v1/auditlog/?q=(filters:!((col:target,opr:target_starts,"
                    f"value:'{tag}')))")
    assert found.status_code == 200
    assert [r["target"] for r in found.json["result"]] == [f"{tag}:{BINH_SON}"]
    assert api.get(f"/api/v1/auditlog/{rows[STTTT]['id']}").status_code == 404
    exported = web.get(f"/auditlog/export/csv?_flt_1_target={tag}").data.decode("utf-8-sig")
    assert f"{tag}:{BINH_SON}" in exported and f"{tag}:{STTTT}" not in exported


@pytest.mark.parametrize("username", ["chuyenvien.binhson", "vanthu.binhson", "lanhdao.stttt"])
def test_other_roles_get_no_access(web, api, two_agencies, username):
    tag, rows = two_agencies
    web.login(username)
    for url in ("/auditlog/list/", f"/auditlog/show/{rows[BINH_SON]['id']}",
                "/auditlog/export/csv", "/auditlog/verify"):
        response = web.get(url)
        assert response.status_code in (302, 403), url
        assert tag not in response.text
    response = api.login(username).get("/api/v1/auditlog/")
    assert response.status_code in (401, 403) and tag not in response.text


def test_the_log_cannot_be_written_through_screens_or_api(web, api, two_agencies):
    _, rows = two_agencies
    pk = rows[BINH_SON]["id"]
    web.login("quantri")
    for url in ("/auditlog/add", f"/auditlog/edit/{pk}", f"/auditlog/delete/{pk}",
                "/auditlog/download/x", f"/auditlog/action/x/{pk}"):
        assert web.get(url).status_code == 404, url
    page = listed(web, f"_flt_0_event={AuditEvent.LOGIN}")
    assert "/auditlog/edit/" not in page and "/auditlog/delete/" not in page
    api.login("quantri")
    assert api.post("/api/v1/auditlog/", {"event": "login"}).status_code in (404, 405)
    assert api.put(f"/api/v1/auditlog/{pk}", {"event": "x"}).status_code in (404, 405)
    assert api.delete(f"/api/v1/auditlog/{pk}").status_code in (404, 405)
    assert entries(rows[BINH_SON]["target"])[0].event == AuditEvent.LOGIN


# --- Filters and what the list shows ------------------------------------------------------


def test_filters_and_display(web, db_session):
    tag = marker()
    late_evening = dt.datetime(2001, 3, 4, 23, 30, 15, tzinfo=VN)  # 16:30 UTC on the 4th
    after_midnight = dt.datetime(2001, 3, 5, 0, 30, tzinfo=VN)  # still the 4th in UTC
    utc = [t.astimezone(dt.UTC).replace(tzinfo=None) for t in (late_evening, after_midnight)]
    add_entry(db_session, f"{tag}:a", at=utc[0], event=AuditEvent.ROLES_CHANGED,
              actor_name="qtcq.binhson", ip="10.9.8.7",
              detail=json.dumps({"username": "x", "before": [OFFICER], "after": [CLERK]}))
    add_entry(db_session, f"{tag}:b", STTTT, at=utc[1], actor_name="nguoi.khac",
              ip="192.168.1.5")
    web.login("vanhanh")
    everything = listed(web, f"_flt_1_target={tag}")
    assert f"{tag}:a" in everything and f"{tag}:b" in everything
    assert everything.index(f"{tag}:b") < everything.index(f"{tag}:a")  # newest first
    assert "04/03/2001 23:30:15" in everything  # Vietnam time, to the second
    assert "Văn thư" in everything and "Chuyên viên" in everything  # roles in words
    row = row_of(everything, f"{tag}:a")
    assert event_label(AuditEvent.ROLES_CHANGED) in row and "roles_changed" not in row
    assert "qtcq.binhson" in row and agency(BINH_SON).name in row and "10.9.8.7" in row

    def only(query: str) -> set[str]:
        page = listed(web, f"_flt_1_target={tag}&{query}")
        return {name for name in ("a", "b") if f"{tag}:{name}" in page}

    assert only("_flt_0_at=04/03/2001&_flt_1_at=04/03/2001") == {"a"}
    assert only("_flt_0_at=05/03/2001") == {"b"}
    assert only(f"_flt_0_event={AuditEvent.ROLES_CHANGED}") == {"a"}
    assert only("_flt_0_actor_name=khac") == {"b"}
    assert only(f"_flt_0_agency_id={agency(STTTT).id}") == {"b"}
    assert only("_flt_0_ip=10.9.") == {"a"}
    assert only("_flt_0_detail=before") == {"a"}
    wrong = listed(web, f"_flt_1_target={tag}&_flt_0_at=31/02/2001")
    assert f"{tag}:a" not in wrong and "dd/mm/yyyy" in wrong


def test_the_api_answers_a_bad_filter_with_400(api):
    api.login("giamsat")
    response = api.get("/api/v1/auditlog/?q=(filters:!((col:at,opr:from_day,value:'32/13/2026')))")
    assert response.status_code == 400
    assert "filters" in response.json["errors"]
    for bad in ("(col:event,opr:event_is,value:(a:1))", "(col:at,opr:to_day,value:'31/12/9999')",
                "(col:agency_id,opr:agency_is,value:99999999999999999999)",
                "(col:at,opr:from_day,value:'01/01/0001')"):
        response = api.get(f"/api/v1/auditlog/?q=(filters:!({bad}))")
        assert response.status_code == 400, bad
    response = api.get("/api/v1/auditlog/?q=(filters:!((col:at,opr:from_day,value:'2026-01-01')))")
    assert response.status_code == 200


# --- Export -------------------------------------------------------------------------------


def test_export_csv_and_xlsx_of_the_filtered_list(web, db_session):
    tag = marker()
    for number in range(3):
        add_entry(db_session, f"{tag}:{number}", actor_name=f"=HYPERLINK(\"x\")-{number}")
    add_entry(db_session, f"{marker()}:other")
    web.login("giamsat")
    response = web.get(f"/auditlog/export/csv?_flt_1_target={tag}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert "Thời gian" in rows[0] and "Cơ quan" in rows[0] and len(rows[0]) == 9
    assert [r[5] for r in rows[1:]] == [f"{tag}:2", f"{tag}:1", f"{tag}:0"]  # newest first
    assert all(r[3].startswith("'=") for r in rows[1:])  # never a formula in Excel
    assert {r[4] for r in rows[1:]} == {agency(BINH_SON).name}

    response = web.get(f"/auditlog/export/xlsx?_flt_1_target={tag}")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    header = values[3]
    assert "Thời gian" in header and "Cơ quan" in header
    body = values[4:]
    assert [r[5] for r in body] == [f"{tag}:2", f"{tag}:1", f"{tag}:0"]
    assert isinstance(body[0][1], dt.datetime)
    assert body[0][3] == '=HYPERLINK("x")-2'  # kept as text
    assert sheet.freeze_panes == "A5"

    exported = db_session.query(AuditEntry).filter_by(event=AuditEvent.AUDIT_EXPORTED,
                                                      actor_name="giamsat")
    formats = [detail(e)["format"] for e in exported.order_by(AuditEntry.id.desc()).limit(2)]
    assert formats == ["xlsx", "csv"]


def test_xlsx_export_is_bounded(app, web, db_session):
    tag = marker()
    for number in range(3):
        add_entry(db_session, f"{tag}:{number}")
    app.config["EOFFICE_AUDIT_XLSX_MAX_ROWS"] = 2
    try:
        web.login("vanhanh")
        response = web.get(f"/auditlog/export/xlsx?_flt_1_target={tag}")
        assert response.status_code == 302 and "/auditlog/list/" in response.location
        assert web.get(f"/auditlog/export/xlsx?_flt_0_target={tag}:1").status_code == 200
    finally:
        del app.config["EOFFICE_AUDIT_XLSX_MAX_ROWS"]


def test_export_reads_in_batches_newest_first(db_session):
    from app.security.audit_export import newest_first

    tag = marker()
    ids = [add_entry(db_session, f"{tag}:{n}")["id"] for n in range(5)]
    query = db_session.query(AuditEntry).filter(AuditEntry.target.like(f"{tag}:%"))
    assert [row.id for row in newest_first(query, batch=2)] == ids[::-1]


def test_cli_export(app, db_session, tmp_path):
    tag = marker()
    add_entry(db_session, f"{tag}:cli", event=AuditEvent.ROLES_CHANGED)
    output = tmp_path / "nhat-ky.csv"
    result = app.test_cli_runner().invoke(args=[
        "eoffice", "audit", "export", "--from", "01/01/2000", "--format", "csv",
        "--output", str(output), "--target", f"{tag}:cli", "--agency", BINH_SON])
    assert result.exit_code == 0, result.output
    assert "1 audit log entries written" in result.output
    rows = list(csv.reader(io.StringIO(output.read_text("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][5] == f"{tag}:cli"
    xlsx = tmp_path / "nhat-ky.xlsx"
    result = app.test_cli_runner().invoke(args=[
        "eoffice", "audit", "export", "--format", "xlsx", "--output", str(xlsx),
        "--event", AuditEvent.ROLES_CHANGED, "--target", f"{tag}:cli"])
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx).active.cell(row=5, column=6).value == f"{tag}:cli"
    result = app.test_cli_runner().invoke(args=[
        "eoffice", "audit", "export", "--from", "2026-13-45", "--output", str(output)])
    assert result.exit_code != 0 and "dd/mm/yyyy" in result.output


def test_genesis_starts_the_chain(db_session):
    first = db_session.query(AuditEntry).order_by(AuditEntry.id).first()
    assert first is not None and first.prev_hash == GENESIS
