"""CSRF on every form, and on REST writes authenticated by the browser's cookie.

Every registered route taking POST/PUT/PATCH/DELETE outside /api/ refuses a request
without the form's token (400) for a signed-in System admin, and nothing in the
database changes. The REST APIs accept the session cookie (``allow_browser_login``): a
cookie-authenticated write passes only as JSON or with an X-CSRFToken header, so a
form on another site cannot upload files or run a step; JWT calls are unaffected.
"""

from __future__ import annotations

import hashlib
import io
import re

from flask import url_for
from sqlalchemy import inspect, text
from werkzeug.routing import IntegerConverter

from app import db
from app.models import Attachment, Department, IncomingDocument
from app.registry import incoming
from tests.directory_data import BINH_SON, agency, count
from tests.registry_data import PDF, paper_incoming
from tests.support import ApiClient, WebClient, csrf_token

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ARGUMENT_RE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def form_routes(app) -> list[tuple[str, str]]:
    """(method, url) of every non-API route that changes something, its arguments filled."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        values = {name: 1 if isinstance(converter, IntegerConverter) else "1"
                  for name, converter in rule._converters.items()}
        url = ARGUMENT_RE.sub(lambda m, v=values: str(v[m.group(1)]), rule.rule)
        found += [(method, url) for method in sorted(rule.methods & UNSAFE)]
    return sorted(set(found))


def fingerprint() -> dict[str, str]:
    """A digest of every table's rows, read on a connection of its own."""
    digests = {}
    with db.engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            digests[name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return digests


def test_every_form_route_refuses_a_post_without_token(app, db_session):
    routes = form_routes(app)
    urls = {url for _, url in routes}
    assert len(routes) > 30 and {"/login/", "/users/add", "/users/delete/1", "/users/action_post"} <= urls
    web = WebClient(app).login("quantri")
    before = fingerprint()
    answered = {}
    for method, url in routes:
        for body in ({"name": "Phòng giả mạo", "delete": "1", "action": "unlock", "rowid": "1"},
                     {"csrf_token": "forged-token", "name": "Phòng giả mạo"}):
            response = web.client.open(url, method=method, data=body)
            answered[(method, url, "csrf_token" in body)] = response.status_code
    wrong = {key: status for key, status in answered.items() if status != 400}
    assert not wrong, f"routes not refusing a request without a valid CSRF token: {wrong}"
    after = fingerprint()
    changed = [name for name in before if before[name] != after.get(name)]
    assert not changed, f"tables changed by refused requests: {changed}"
    assert web.get("/").status_code == 200, "still signed in"


def test_refusal_is_a_clear_page_in_the_users_language(app):
    web = WebClient(app).login("vanthu.binhson")
    response = web.client.post("/notifications/read-all", data={})
    assert response.status_code == 400
    with app.test_request_context("/"):
        from app.security.csrf import _message

        expected = _message()
    assert expected in response.text.replace("&#39;", "'")


def test_delete_by_get_is_refused(app, db_session):
    department = Department(agency=agency(BINH_SON), name="Phòng thử xóa bằng GET", abbreviation="TXG")
    db.session.add(department)
    db.session.commit()
    web = WebClient(app).login("quantri")
    with app.test_request_context("/"):
        url = url_for("DepartmentView.delete", pk=department.id)
    response = web.get(url)
    assert response.status_code == 302  # back to the list, with "Access is Denied"
    db.session.expire_all()
    assert db.session.get(Department, department.id) is not None


# --- REST API with the session cookie -------------------------------------------------------------


def arrived_document(subject: str) -> IncomingDocument:
    document = paper_incoming(BINH_SON, subject)
    incoming.receive(db.session, document)
    db.session.commit()
    return document


def files() -> dict:
    return {"files": [(io.BytesIO(PDF), "Công văn kèm theo.pdf")]}


def test_cookie_authenticated_upload_needs_the_token(app, db_session):
    document = arrived_document("Công văn thử tải tệp bằng cookie")
    url = f"/api/v1/incoming/{document.id}/attachments"
    browser = WebClient(app).login("vanthu.binhson")
    before = count(Attachment)

    # What a form on another site would send along with the clerk's cookie.
    forged = browser.client.post(url, data=files(), content_type="multipart/form-data")
    assert forged.status_code == 400 and forged.is_json
    assert "csrf" in forged.json["errors"]
    bad = browser.client.post(url, data=files(), content_type="multipart/form-data",
                              headers={"X-CSRFToken": "forged"})
    assert bad.status_code == 400
    assert count(Attachment) == before

    # The app's own page may send its token in the header.
    token = csrf_token(browser.get("/resetmypassword/form").text)
    own = browser.client.post(url, data=files(), content_type="multipart/form-data",
                              headers={"X-CSRFToken": token})
    assert own.status_code == 201, own.text
    assert count(Attachment) == before + 1


def test_cookie_authenticated_step_needs_json_or_the_token(app, db_session):
    document = arrived_document("Công văn thử vào sổ bằng cookie")
    browser = WebClient(app).login("vanthu.binhson")
    forged = browser.client.post(f"/api/v1/incoming/{document.id}/register",
                                 data="arrival_date=2026-11-24", content_type="text/plain")
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.get(IncomingDocument, document.id).arrival_number is None
    as_json = browser.client.post(f"/api/v1/incoming/{document.id}/register",
                                  json={"arrival_date": "2026-11-24"})
    assert as_json.status_code == 200, as_json.text


def test_jwt_calls_are_unaffected(app, db_session):
    document = arrived_document("Công văn thử tải tệp bằng JWT")
    api = ApiClient(app).login("vanthu.binhson")
    before = count(Attachment)
    response = api.client.post(f"/api/v1/incoming/{document.id}/attachments", headers=api.headers,
                               data=files(), content_type="multipart/form-data")
    assert response.status_code == 201, response.text
    assert count(Attachment) == before + 1


def test_no_cookie_no_token_is_still_a_401(app):
    response = ApiClient(app).client.post("/api/v1/incoming/1/attachments", data=files(),
                                          content_type="multipart/form-data")
    assert response.status_code == 401
