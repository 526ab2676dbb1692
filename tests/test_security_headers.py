"""Security headers with a Content-Security-Policy allowing only the app's own origin,
secure session cookies, session expiry and the REST token lifetime."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest

from app.security.sessions import LOGIN_AT, is_loopback
from tests.directory_data import account
from tests.support import ApiClient

SCRIPT_TAG_RE = re.compile(r"<script\b[^>]*>", re.I)
NONCE_RE = re.compile(r"'nonce-([^']+)'")


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_login_page_carries_every_security_header(web):
    response = web.get("/login/")
    assert response.status_code == 200
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert set(csp["img-src"]) <= {"'self'", "data:"}
    # Only the app's own origin: no host, no scheme wildcard, no inline or eval script.
    for name, values in csp.items():
        for value in values:
            assert value.startswith("'") or value == "data:", f"{name} allows {value}"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_every_script_carries_the_nonce_of_its_response(web, db_session):
    web.login("quantri")
    pages = ["/", "/users/list/", "/users/add", f"/users/show/{account('vanthu.binhson').id}",
             "/swagger/v1"]
    nonces = set()
    for url in pages:
        response = web.get(url)
        assert response.status_code == 200, url
        [nonce] = NONCE_RE.findall(" ".join(directives(response)["script-src"]))
        nonces.add(nonce)
        tags = SCRIPT_TAG_RE.findall(response.text)
        assert tags, url
        missing = [tag for tag in tags if f'nonce="{nonce}"' not in tag]
        assert not missing, f"{url}: scripts the policy blocks: {missing}"
        assert not re.search(r"\son[a-z]+=\"", response.text), f"{url}: inline event handler"
    assert len(nonces) == len(pages), "a nonce is used once only"


def test_json_and_static_responses_are_covered_too(api, web):
    response = api.login("vanthu.binhson").get("/api/v1/user/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert directives(response)["default-src"] == ["'self'"]
    static = web.get("/static/appbuilder/js/ab.js")
    assert static.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https(web):
    response = web.get("/login/", base_url="https://eoffice.quangngai.gov.vn")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(response.headers["Strict-Transport-Security"].split("=")[1]) >= 180 * 86400


# --- Cookies --------------------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_is_secure_except_plain_http_on_this_machine(web):
    local = session_cookie(web.get("/login/"))  # http://localhost, as `make run` and the tests
    assert "HttpOnly" in local and "SameSite=Lax" in local
    assert "Secure" not in local
    served = session_cookie(web.get("/login/", base_url="https://eoffice.quangngai.gov.vn"))
    assert "Secure" in served and "HttpOnly" in served
    plain = session_cookie(web.get("/login/", base_url="http://eoffice.quangngai.gov.vn"))
    assert "Secure" in plain, "on a real host the cookie never travels over plain http"


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1:5000", True), ("localhost", True), ("[::1]:5000", True), ("127.8.0.1", True),
    ("eoffice.quangngai.gov.vn", False), ("10.0.0.5:5000", False), ("localhost.evil.vn", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_signed_in_session_expires_when_idle_and_after_the_working_day(app, web):
    web.login("vanthu.binhson")
    cookie = session_cookie(web.get("/"))
    match = re.search(r"Expires=([^;]+)", cookie)
    assert match, "a signed-in session is permanent: its cookie expires when idle"
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    assert 30 * 60 <= idle <= 8 * 3600
    from email.utils import parsedate_to_datetime

    left = parsedate_to_datetime(match.group(1)).timestamp() - time.time()
    assert idle - 120 <= left <= idle + 5

    hours = app.config["EOFFICE_SESSION_MAX_HOURS"]
    assert web.get("/").status_code == 200
    with app.app_context(), web.client._client.session_transaction() as session:
        session[LOGIN_AT] = int(time.time()) - hours * 3600 - 60
    response = web.get("/")
    assert response.status_code == 302 and "/login/" in response.location
    page = web.get(response.location)
    assert str(hours) in page.text  # "Your session has ended (10 hours after logging in)"
    assert web.get("/users/list/").status_code == 302, "signed out"


def test_rest_access_token_lifetime(app):
    api = ApiClient(app).login("vanthu.binhson")
    token = api.headers["Authorization"].split()[1]
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    lifetime = payload["exp"] - payload["iat"]
    assert lifetime == app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()
    assert 5 * 60 <= lifetime <= 2 * 3600
