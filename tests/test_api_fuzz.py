"""Schemathesis fuzzes the REST API from the OpenAPI spec the app serves: no answer is a
server error (5xx), whatever a caller sends.

The spec is read from ``GET /api/v1/_openapi`` at run time, so REST endpoints added later
are fuzzed too; none is left out (uploads included: the clamd of the ``clamd_socket``
fixture scans them). Every operation is called in-process (WSGI) with the JWT of each of
four users: Clerk, Agency head and Agency admin of UBND huyện Bình Sơn, and the System
admin. The app is a throw-away copy (own database and folders) with the demo data, so the
requests create, change and delete whatever they like without disturbing other tests.

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
import uuid
from collections import Counter, defaultdict

import prison
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from app.demo import DEMO_PASSWORD

# The weaker roles first: the stronger ones may deactivate or delete accounts.
ROLES = ["vanthu.binhson", "lanhdao.binhson", "qtcq.binhson", "quantri"]
# Reaches every operation (no 403), so the coverage phase runs once, as this user.
COVERAGE_ROLE = "quantri"
EXAMPLES = int(os.environ.get("EOFFICE_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("EOFFICE_FUZZ_SEED", "20260601"))
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
    yield flask_app
    dispose_app(flask_app)
    if pg_name:
        _drop_pg_database(pg_name)


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
    return schemathesis.openapi.from_wsgi(
        "/api/v1/_openapi", fuzz_app, config=config,
        headers={"Authorization": f"Bearer {tokens['quantri']}"},
    )


schema = schemathesis.pytest.from_fixture("fuzz_schema")


class ServerLog(logging.Handler):
    """The tracebacks the app logs while answering one request."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.tracebacks: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.tracebacks.append(self.format(record))


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
