"""Schemathesis fuzzes the REST API from the OpenAPI spec the app serves: no answer is a
server error (5xx), whatever a caller sends.

The spec is read from ``GET /api/v1/_openapi`` at run time, so REST endpoints added later
are fuzzed too; none is left out (uploads included: the clamd of the ``clamd_socket``
fixture scans them). Every operation is called in-process (WSGI) with the JWT of each of
four users: Clerk, Agency head and Agency admin of UBND huyện Bình Sơn, and the System
admin. The app is a throw-away copy (own database and folders) with the demo data, so the
requests create, change and delete whatever they like without disturbing other tests. It
also holds documents of Bình Sơn at each step, and every id in the spec is drawn half the
time among the ids of existing rows: the fuzz reaches the steps' own checks, not only
"not found". The steps document their JSON bodies in the spec (``app.api_spec``).

Bounded for ``make test``: a fixed seed (the same requests on every run), a few random
examples per operation and role, no shrinking; schemathesis' coverage phase (boundary and
wrong-type values of every field and parameter) once, as the System admin, who reaches
every operation. ``EOFFICE_FUZZ_EXAMPLES=100 make fuzz`` digs deeper. A failure prints the
request as a ``curl`` command to replay it, and the server's traceback.

FAB reads the ``q`` argument of the list endpoints as Rison although its spec declares
JSON, so the generated value is re-encoded as Rison: the fuzz then reaches the filters,
ordering and paging behind it (bad Rison is covered by tests/test_api_bad_input.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import traceback
import uuid
from collections import Counter, defaultdict

import prison
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import func

import app as app_package
from app import api_spec, db
from app.demo import DEMO_PASSWORD
from app.i18n import local_today
from app.models import (
    Assignment,
    AssignmentRole,
    IncomingDocument,
    OutgoingDocument,
    Register,
)
from app.registry import incoming, outgoing
from app.routing import assignments
from app.routing.assignments import Target
from tests.directory_data import BINH_SON, STTTT, account, agency
from tests.registry_data import approved_outgoing, doc_type, paper_incoming

# The weaker roles first: the stronger ones may deactivate or delete accounts.
ROLES = ["vanthu.binhson", "lanhdao.binhson", "qtcq.binhson", "quantri"]
# Reaches every operation (no 403), so the coverage phase runs once, as this user.
COVERAGE_ROLE = "quantri"
EXAMPLES = int(os.environ.get("EOFFICE_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("EOFFICE_FUZZ_SEED", "20260601"))
APP_DIR = os.path.dirname(app_package.__file__) + os.sep
# Statuses answered, per user: to check the fuzz really ran logged in.
ANSWERS: dict[str, Counter] = defaultdict(Counter)


@pytest.fixture(scope="module")
def fuzz_app(db_engine_name, tmp_path_factory, pki, clamd_socket):
    """The real app on a throw-away database and folders, with the demo data; errors
    answer 500 as in production (instead of raising into the test)."""
    from tests.conftest import _create_pg_database, _drop_pg_database, demo_app, dispose_app

    instance = tmp_path_factory.mktemp("fuzz-instance")
    pg_name = None
    if db_engine_name == "postgresql":
        pg_name, url = _create_pg_database()
    else:
        url = f"sqlite:///{instance / 'eoffice-fuzz.db'}"
    flask_app = demo_app(
        url, instance, pki, clamd_socket,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        TESTING=False, PROPAGATE_EXCEPTIONS=False,
        # The tokens are taken once, before the login itself is fuzzed (and throttled).
        JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(hours=4),
        # Its own login counters: the fuzzed failed logins lock no one else out.
        EOFFICE_LOGIN_KEY_PREFIX=f"eoffice-fuzz-{uuid.uuid4().hex[:8]}:",
    )
    with flask_app.app_context():
        flask_app.config["FUZZ_MAX_ID"] = seed_rows()
    yield flask_app
    dispose_app(flask_app)
    if pg_name:
        _drop_pg_database(pg_name)


def seed_rows() -> int:
    """Rows of Bình Sơn at each step, so that fuzzed ids reach the checks of the steps
    and not only "not found": văn bản đến arrived, registered and presented, registered
    and assigned (a part held by the clerk in person); văn bản đi as a draft, submitted,
    approved. Returns the largest id of these rows (the demo's agencies, departments and
    accounts have ids in that range too)."""
    incoming.receive(db.session, paper_incoming(BINH_SON, "Văn bản đến chờ vào sổ để thử"))
    for submit in (False, True):
        draft = OutgoingDocument(agency_id=agency(BINH_SON).id, subject="Dự thảo để thử",
                                 document_type=doc_type("Công văn"))
        outgoing.save_draft(db.session, draft)
        if submit:
            outgoing.transition(db.session, draft, "submit")
    approved_outgoing(BINH_SON, "Công văn đã duyệt để thử", "Công văn")
    received = []
    for number in (1, 2):
        sent = approved_outgoing(STTTT, f"Công văn {number} gửi Bình Sơn để thử", "Công văn")
        outgoing.issue(db.session, sent)
        (recipient,) = outgoing.send(db.session, sent, [agency(BINH_SON)])
        incoming.register(db.session, recipient.incoming)
        db.session.commit()  # the look-ups below expire what is not
        received.append(recipient.incoming)
    clerk, head = account("vanthu.binhson"), account("lanhdao.binhson")
    assignments.present(db.session, received[0], head)
    assignments.assign(db.session, received[1], None, [Target(
        AssignmentRole.lead, user=clerk, deadline=local_today() + dt.timedelta(days=30))])
    db.session.commit()
    return max(db.session.query(func.max(model.id)).scalar() or 0
               for model in (IncomingDocument, OutgoingDocument, Assignment, Register))


def bias_ids(node, max_id: int):
    """Every id of the spec (integer path parameters, the ``*_id`` of the step bodies)
    drawn half the time among the ids of existing rows, half from all integers."""
    known = {"type": "integer", "minimum": 1, "maximum": max_id}
    if isinstance(node, list):
        return [bias_ids(item, max_id) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("in") == "path" and node.get("schema") == {"type": "integer"}:
        return {**node, "schema": {"anyOf": [known, node["schema"]]}}
    if node == api_spec.ID:
        return {"anyOf": [known, node]}
    return {key: bias_ids(value, max_id) for key, value in node.items()}


@pytest.fixture(scope="module")
def tokens(fuzz_app) -> dict[str, str]:
    client = fuzz_app.test_client()
    found = {}
    for username in ROLES:
        answer = client.post("/api/v1/security/login", json={
            "username": username, "password": DEMO_PASSWORD, "provider": "db"})
        assert answer.status_code == 200, f"login of {username}: {answer.text}"
        found[username] = answer.json["access_token"]
    return found


@pytest.fixture(scope="module", params=ROLES)
def username(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app, tokens, username):
    """The served spec (read as the System admin: it is an admin's page), set up to fuzz
    as ``username``."""
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "no-shrink": True, "database": "none"},
        "phases": {"coverage": {"enabled": username == COVERAGE_ROLE}},
        # "auth" would hide the documents' "author" in the printed requests.
        "output": {"sanitization": {"sensitive-markers": [
            "token", "key", "secret", "password", "session", "passwd", "credential"]}},
    })
    served = fuzz_app.test_client().get(
        "/api/v1/_openapi", headers={"Authorization": f"Bearer {tokens['quantri']}"})
    assert served.status_code == 200, served.text
    loaded = schemathesis.openapi.from_dict(
        bias_ids(served.json, fuzz_app.config["FUZZ_MAX_ID"]), config=config)
    loaded.app, loaded.location = fuzz_app, "/api/v1/_openapi"  # called in-process (WSGI)
    return loaded


schema = schemathesis.pytest.from_fixture("fuzz_schema")


class ServerLog(logging.Handler):
    """The exceptions the app logs while answering one request, each with the frames of
    the app's own code and the frame that raised it."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.tracebacks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.exc_info or record.exc_info[1] is None:
            return
        kind, error, trace = record.exc_info
        frames = traceback.extract_tb(trace)
        shown = [f for f in frames if f.filename.startswith(APP_DIR)]
        if frames and frames[-1] not in shown:
            shown.append(frames[-1])
        self.tracebacks.append("".join(traceback.format_list(shown)) + f"{kind.__name__}: {error}")


def with_server_log(log: ServerLog):
    def server_traceback(ctx, response, case):
        """On a 5xx, what the server logged: the exception to fix."""
        if response.status_code >= 500:
            raise AssertionError("Server traceback:\n" + ("\n".join(log.tracebacks)
                                                          or "(nothing logged)"))
    return server_traceback


def rison_query(case) -> None:
    raw = (case.query or {}).get("q")
    if isinstance(raw, str):
        try:
            case.query["q"] = prison.dumps(json.loads(raw))
        except (ValueError, TypeError):
            pass  # not JSON: sent as generated


@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_server_error(case, username, tokens):
    rison_query(case)
    log = ServerLog()
    logging.getLogger().addHandler(log)
    try:
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {tokens[username]}"},
            checks=[not_a_server_error, with_server_log(log)])
    finally:
        logging.getLogger().removeHandler(log)
    ANSWERS[username][response.status_code] += 1


def test_the_fuzz_ran_logged_in():
    """Every user's requests were answered as that user: some succeeded, and few were
    refused for want of a valid token (those of the login and refresh endpoints)."""
    if not ANSWERS:
        pytest.skip("test_no_server_error did not run in this session")
    for username in ROLES:
        answers, total = ANSWERS[username], ANSWERS[username].total()
        succeeded = sum(n for status, n in answers.items() if 200 <= status < 300)
        assert succeeded > 0, f"{username}: no request succeeded {dict(answers)}"
        assert answers[401] < total / 10, f"{username}: mostly not logged in {dict(answers)}"
