"""Login protection (QĐ 778 Đ19.2c) against the real Redis: failed logins counted per
account and per address, shared by every worker process (two app instances on one
Redis stand for two workers), lock-out after repeated wrong passwords, unlock by an
admin of the account's agency, and every attempt in the audit log.

Each app gets its own Redis key prefix, so test runs sharing one Redis never meet;
names and addresses are unique per test, so tests sharing an app never meet either.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from app import db
from app.models import AuditEntry, UserAccount
from app.security import login_guard
from app.security.audit import AuditEvent
from app.security.roles import CLERK, SYSTEM_ADMIN
from tests.conftest import demo_app, dispose_app
from tests.directory_data import BINH_SON, STTTT, account, new_account
from tests.support import FreshContextClient, WebClient, csrf_token

REDIS_URL = "redis://127.0.0.1:6379/0"
ENSURE_REDIS = Path(__file__).resolve().parent.parent / "scripts" / "ensure-redis"
PASSWORD = "Khoa-Tai-Khoan-2026!"
WRONG = "Sai-Mat-Khau-2026!"
LIMITS = {
    "EOFFICE_LOGIN_WINDOW_SECONDS": 600,
    "EOFFICE_LOGIN_MAX_FAILURES_PER_ACCOUNT": 6,
    "EOFFICE_LOGIN_MAX_FAILURES_PER_ADDRESS": 8,
    "EOFFICE_LOGIN_LOCK_AFTER": 3,
}
ALERT_RE = re.compile(r'<div class="alert alert-(\w+)">\s*<button[^>]*>&times;</button>\s*(.*?)\s*</div>',
                      re.S)


def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        subprocess.run([str(ENSURE_REDIS)], check=False, capture_output=True, timeout=120)
        try:
            client.ping()
        except redis.RedisError as error:
            pytest.fail(f"Redis does not answer at {REDIS_URL} ({error}): the login limits "
                        f"are tested against the real one. Start it with: scripts/ensure-redis "
                        f"(or make test-deps)", pytrace=False)
    return client


ANY_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def page_token(page: str) -> str:
    """The CSRF token of a page's forms (WTForms fields and FAB's action forms alike)."""
    match = ANY_CSRF_RE.search(page)
    assert match, "page has no CSRF token"
    return match.group(1)


def unique(stem: str) -> str:
    return f"{stem}.{uuid.uuid4().hex[:8]}"


def new_address() -> str:
    value = uuid.uuid4().int
    return f"10.{value % 250}.{value // 250 % 250}.{value // 62500 % 250 + 1}"


@pytest.fixture(scope="module")
def workers(app, database_url, tmp_path_factory, pki, clamd_socket):
    """Two app instances (two worker processes) sharing one Redis and one key prefix,
    on the session's database, with tight limits."""
    client = redis_client()
    prefix = f"eoffice-test:{uuid.uuid4().hex[:10]}:"
    config = {**LIMITS, "REDIS_URL": REDIS_URL, "EOFFICE_LOGIN_KEY_PREFIX": prefix}
    first = demo_app(database_url, tmp_path_factory.mktemp("worker-1"), pki, clamd_socket, **config)
    second = demo_app(database_url, tmp_path_factory.mktemp("worker-2"), pki, clamd_socket, **config)
    yield first, second
    dispose_app(first)
    dispose_app(second)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


SLUGS = {BINH_SON: "binhson", STTTT: "stttt"}


def make_account(agency_code: str, role: str = CLERK) -> UserAccount:
    """A fresh account of the agency, named like its demo accounts ("....binhson") and
    sorted after them."""
    return new_account(role, agency_code, prefix="zkhoa", suffix=f".{SLUGS[agency_code]}",
                       first_name="Văn Khóa", password=PASSWORD)


def client_of(flask_app) -> FreshContextClient:
    return FreshContextClient(flask_app.test_client(), flask_app)


def web_login(flask_app, username: str, password: str, address: str):
    """One attempt on the login form from ``address``, with a fresh browser."""
    client = client_of(flask_app)
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login/", environ_base=environ)
    return client.post("/login/", environ_base=environ, data={
        "username": username, "password": password, "csrf_token": csrf_token(page.text)})


def api_login(flask_app, username: str, password: str, address: str):
    return client_of(flask_app).post("/api/v1/security/login", environ_base={"REMOTE_ADDR": address},
                                     json={"username": username, "password": password,
                                           "provider": "db"})


def refused_message(flask_app, username: str, password: str, address: str):
    """A web login attempt: its response and the messages then shown on the login form
    (on the answer itself, or on the form it redirects to)."""
    client = client_of(flask_app)
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login/", environ_base=environ)
    response = client.post("/login/", environ_base=environ, data={
        "username": username, "password": password, "csrf_token": csrf_token(page.text)})
    shown = response if response.status_code != 302 else client.get("/login/", environ_base=environ)
    return response, [html.unescape(t) for _, t in ALERT_RE.findall(shown.text)]


def throttled_text(flask_app, wait: int) -> str:
    with flask_app.test_request_context("/login/"):
        return login_guard.throttled_message(wait)


def generic_refusal(flask_app) -> str:
    with flask_app.test_request_context("/login/"):
        return str(flask_app.appbuilder.sm.auth_view.invalid_login_message)


def entries(event: str, **where) -> list[AuditEntry]:
    db.session.expire_all()
    query = db.session.query(AuditEntry).filter(AuditEntry.event == event)
    for column, value in where.items():
        query = query.filter(getattr(AuditEntry, column) == value)
    return query.order_by(AuditEntry.id).all()


def detail(entry: AuditEntry) -> dict:
    return json.loads(entry.detail or "{}")


# --- Rate limits -------------------------------------------------------------------------------


def test_account_limit_on_the_form_is_shared_by_two_workers(workers):
    first, second = workers
    name = unique("khongco")  # no such account: counted all the same, never locked
    for worker in (first, second, first, second, first, second):  # 6 = the account limit
        response = web_login(worker, name, WRONG, new_address())
        assert response.status_code == 302, "a wrong password is answered by the login form"

    response, shown = refused_message(second, name, WRONG, new_address())
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= LIMITS["EOFFICE_LOGIN_WINDOW_SECONDS"]
    assert shown == [throttled_text(second, wait)]
    assert f"{math.ceil(wait / 60)}" in shown[0]
    assert 'name="username"' in response.text, "the login form is shown again"

    failed = entries(AuditEvent.LOGIN_FAILED, actor_name=name)
    assert len(failed) == 6
    assert {detail(e)["reason"] for e in failed} == {"unknown_account"}
    assert all(e.ip and e.ip.startswith("10.") for e in failed)
    throttled = entries(AuditEvent.LOGIN_THROTTLED, actor_name=name)
    assert len(throttled) == 1 and detail(throttled[0])["limit"] == "account"


def test_account_limit_on_the_rest_api_answers_429_json(workers):
    first, second = workers
    name = unique("khongco")
    for worker in (first, second) * 3:
        assert api_login(worker, name, WRONG, new_address()).status_code == 401
    for worker in (first, second):
        response = api_login(worker, name, WRONG, new_address())
        assert response.status_code == 429
        assert response.is_json
        body = response.json
        assert 0 < body["retry_after"] <= LIMITS["EOFFICE_LOGIN_WINDOW_SECONDS"]
        assert body["message"] == throttled_text(worker, body["retry_after"])
        assert response.headers["Retry-After"] == str(body["retry_after"])
    # A flood makes one LOGIN_THROTTLED entry per window, not one per attempt.
    assert len(entries(AuditEvent.LOGIN_THROTTLED, actor_name=name)) == 1
    assert len(entries(AuditEvent.LOGIN_FAILED, actor_name=name)) == 6


def test_address_limit_refuses_even_the_right_password_without_trying_it(workers, db_session):
    first, second = workers
    user = make_account(BINH_SON)
    busy, other = new_address(), new_address()
    for index in range(LIMITS["EOFFICE_LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        worker = first if index % 2 else second
        assert api_login(worker, unique("doan"), WRONG, busy).status_code == 401

    logins_before = account(user.username).login_count or 0
    assert web_login(first, user.username, PASSWORD, busy).status_code == 429
    assert api_login(second, user.username, PASSWORD, busy).status_code == 429
    assert (account(user.username).login_count or 0) == logins_before, \
        "the password was tried although the address is over its limit"
    assert account(user.username).fail_login_count in (0, None)

    # Others are not held back by that address, and successes are not limited.
    assert web_login(second, user.username, PASSWORD, other).status_code == 302
    assert api_login(first, user.username, PASSWORD, other).status_code == 200
    throttled = [e for e in entries(AuditEvent.LOGIN_THROTTLED) if e.ip == busy]
    assert throttled and {detail(e)["limit"] for e in throttled} == {"address"}


def test_successful_logins_are_never_limited_and_clear_the_account_failures(workers, db_session):
    first, second = workers
    user = make_account(STTTT)
    address = new_address()
    for _ in range(2):
        assert web_login(first, user.username, WRONG, address).status_code == 302
    assert api_login(second, user.username, PASSWORD, address).status_code == 200
    for _ in range(2):  # 4 failures in the window, but a success came between
        assert api_login(first, user.username, WRONG, address).status_code == 401
    for index in range(2 * LIMITS["EOFFICE_LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        worker = first if index % 2 else second
        assert web_login(worker, user.username, PASSWORD, address).status_code == 302
    assert account(user.username).locked_at is None
    logins = entries(AuditEvent.LOGIN, actor_name=user.username)
    assert len(logins) == 1 + 2 * LIMITS["EOFFICE_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    assert {detail(e)["via"] for e in logins} == {"web", "api"}
    assert all(e.actor_id == user.id and e.agency_id == user.agency_id for e in logins)


# --- Lock-out ------------------------------------------------------------------------------------


def lock(flask_app, user: UserAccount) -> None:
    for _ in range(LIMITS["EOFFICE_LOGIN_LOCK_AFTER"]):
        assert web_login(flask_app, user.username, WRONG, new_address()).status_code == 302


def test_repeated_wrong_passwords_lock_the_account(workers, db_session):
    first, second = workers
    user = make_account(BINH_SON)
    lock(first, user)
    locked = account(user.username)
    assert locked.locked_at is not None
    assert locked.fail_login_count == LIMITS["EOFFICE_LOGIN_LOCK_AFTER"]
    [entry] = entries(AuditEvent.ACCOUNT_LOCKED, target=f"user:{user.id}")
    assert entry.agency_id == user.agency_id
    assert detail(entry)["failed_logins"] == LIMITS["EOFFICE_LOGIN_LOCK_AFTER"]
    reasons = [detail(e)["reason"] for e in entries(AuditEvent.LOGIN_FAILED, actor_name=user.username)]
    assert reasons == ["wrong_password"] * LIMITS["EOFFICE_LOGIN_LOCK_AFTER"]

    # The right password no longer opens it, and the answer is the one a stranger gets.
    response, shown = refused_message(second, user.username, PASSWORD, new_address())
    assert response.status_code == 302 and shown == [generic_refusal(second)]
    _, stranger = refused_message(second, unique("khongco"), PASSWORD, new_address())
    assert stranger == shown
    locked_api = api_login(first, user.username, PASSWORD, new_address())
    unknown_api = api_login(first, unique("khongco"), PASSWORD, new_address())
    assert locked_api.status_code == unknown_api.status_code == 401
    assert locked_api.json == unknown_api.json
    assert [detail(e)["reason"] for e in entries(AuditEvent.LOGIN_FAILED,
                                                 actor_name=user.username)][-2:] == \
        ["account_locked", "account_locked"]
    assert not entries(AuditEvent.LOGIN, actor_name=user.username)


def list_row(page: str, username: str) -> str:
    rows = [row for row in re.findall(r"<tr.*?</tr>", page, re.S) if username in row]
    assert rows, f"{username} is not on the list"
    return rows[0]


def test_agency_admin_unlocks_own_agency_account_only(workers, db_session):
    first, second = workers
    own, foreign = make_account(BINH_SON), make_account(STTTT)
    lock(first, own)
    lock(second, foreign)
    with second.test_request_context("/"):
        from app.security.views import format_locked

        locked_label = format_locked(account(own.username).locked_at)

    admin = WebClient(first).login("qtcq.binhson")
    listing = admin.get("/users/list/?psize_UserAccountView=100").text
    assert locked_label in list_row(listing, own.username)
    show = admin.get(f"/users/show/{own.id}")
    assert locked_label in show.text

    assert f"/users/action/unlock/{own.id}" in show.text, "no Unlock button on a locked account"
    token = page_token(show.text)
    refused = admin.client.post(f"/users/action/unlock/{foreign.id}", data={"csrf_token": token})
    assert refused.status_code == 404
    refused = admin.client.post("/users/action_post", data={
        "csrf_token": token, "action": "unlock", "rowid": [str(foreign.id)]})
    assert account(foreign.username).locked_at is not None

    done = admin.client.post(f"/users/action/unlock/{own.id}", data={"csrf_token": token})
    assert done.status_code == 302
    unlocked = account(own.username)
    assert unlocked.locked_at is None and unlocked.fail_login_count == 0
    [entry] = entries(AuditEvent.ACCOUNT_UNLOCKED, target=f"user:{own.id}")
    assert entry.actor_name == "qtcq.binhson" and detail(entry) == {"how": "admin"}
    assert not entries(AuditEvent.ACCOUNT_UNLOCKED, target=f"user:{foreign.id}")
    assert locked_label not in list_row(admin.get("/users/list/?psize_UserAccountView=100").text,
                                        own.username)
    # Unlocked, the account logs in again, on any worker.
    assert web_login(second, own.username, PASSWORD, new_address()).status_code == 302
    assert api_login(first, own.username, PASSWORD, new_address()).status_code == 200


def test_clerk_sees_no_unlock_and_cannot_post_it(workers, db_session):
    first, _ = workers
    target = make_account(BINH_SON)
    lock(first, target)
    clerk = WebClient(first).login("vanthu.binhson")
    page = clerk.get("/users/list/?psize_UserAccountView=100")
    assert page.status_code == 200
    assert "/users/action/unlock" not in page.text and 'unlock' not in re.findall(
        r'class="(\w+)_menu_item"', page.text)
    clerk.client.post(f"/users/action/unlock/{target.id}", data={"csrf_token": page_token(page.text)})
    assert account(target.username).locked_at is not None


def test_admin_password_reset_unlocks_the_account(workers, db_session):
    first, second = workers
    target = make_account(STTTT)
    lock(second, target)
    admin = WebClient(first).login("quantri")
    new_password = "Mat-Khau-Moi-2026!"
    response = admin.submit(f"/resetpassword/form?pk={target.id}",
                            {"password": new_password, "conf_password": new_password})
    assert response.status_code == 302
    assert account(target.username).locked_at is None
    [entry] = entries(AuditEvent.ACCOUNT_UNLOCKED, target=f"user:{target.id}")
    assert entry.actor_name == "quantri" and detail(entry) == {"how": "password_reset"}
    assert api_login(second, target.username, new_password, new_address()).status_code == 200


def test_a_system_admin_account_locks_too_and_only_a_province_wide_admin_unlocks(workers, db_session):
    first, _ = workers
    target = make_account(BINH_SON, SYSTEM_ADMIN)
    lock(first, target)
    agency_admin = WebClient(first).login("qtcq.binhson")
    page = agency_admin.get("/users/list/")
    agency_admin.client.post(f"/users/action/unlock/{target.id}", data={"csrf_token": page_token(page.text)})
    assert account(target.username).locked_at is not None
    sysadmin = WebClient(first).login("quantri")
    page = sysadmin.get(f"/users/show/{target.id}")
    assert sysadmin.client.post(f"/users/action/unlock/{target.id}",
                                data={"csrf_token": page_token(page.text)}).status_code == 302
    assert account(target.username).locked_at is None


# --- Without Redis, and with Redis down ---------------------------------------------------------


def test_without_redis_url_counts_in_the_process_and_warns_once(app, database_url, tmp_path,
                                                                 pki, clamd_socket, caplog):
    login_guard._warned_memory_store = False
    local = demo_app(database_url, tmp_path / "local", pki, clamd_socket, **LIMITS, REDIS_URL="")
    # Alembic's logging set-up (migrations/env.py) replaced the root handlers, pytest's too.
    logging.getLogger().addHandler(caplog.handler)
    try:
        name = unique("khongco")
        with caplog.at_level("WARNING", logger="eoffice.login"):
            for _ in range(LIMITS["EOFFICE_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
                assert api_login(local, name, WRONG, new_address()).status_code == 401
        warnings = [r for r in caplog.records if "REDIS_URL is not set" in r.getMessage()]
        assert len(warnings) == 1
        assert api_login(local, name, WRONG, new_address()).status_code == 429
        with local.app_context():
            assert isinstance(login_guard.store(), login_guard.MemoryStore)
    finally:
        dispose_app(local)


def test_redis_configured_but_down_refuses_logins(app, database_url, tmp_path, pki, clamd_socket):
    down = demo_app(database_url, tmp_path / "down", pki, clamd_socket,
                    REDIS_URL="redis://127.0.0.1:9/0")
    try:
        response = api_login(down, "quantri", "Demo@2026", new_address())
        assert response.status_code == 503 and response.json["message"]
        response, shown = refused_message(down, "quantri", "Demo@2026", new_address())
        assert response.status_code == 503 and len(shown) == 1
    finally:
        dispose_app(down)
