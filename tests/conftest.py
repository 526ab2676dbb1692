"""Test harness: every module runs against SQLite and against PostgreSQL.

``pytest --db=sqlite`` (default) or ``pytest --db=postgresql``; ``make test`` runs both.
Each run gets a throw-away database, migrated with Alembic from empty and filled with
the demo data (agencies of Quảng Ngãi, one account per role in two agencies).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.support import ApiClient, WebClient

PG_ADMIN_URL = os.environ.get(
    "EOFFICE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("EOFFICE_TEST_DB", "sqlite"),
        help="database engine the suite runs against",
    )


def pytest_report_header(config):
    return f"eOffice database engine: {config.getoption('--db')}"


def _create_pg_database() -> tuple[str, str]:
    import psycopg

    name = f"eoffice_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    except psycopg.OperationalError as error:
        pytest.exit(
            f"PostgreSQL is needed for --db=postgresql and did not answer at {PG_ADMIN_URL}: "
            f"{error}\nStart it with: scripts/ensure-postgres "
            "(or pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)",
            returncode=3,
        )
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def db_engine_name(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def database_url(db_engine_name, tmp_path_factory):
    if db_engine_name == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'eoffice-test.db'}"
        return
    name, url = _create_pg_database()
    yield url
    _drop_pg_database(name)


@pytest.fixture(scope="session")
def pki():
    """The test PKI (root → intermediate → person / agency signers, and the bad ones)."""
    from tests.pki import build_pki

    return build_pki()


@pytest.fixture(scope="session")
def soft_token(pki, tmp_path_factory):
    """A SoftHSM2 token (PKCS#11) holding pki.person's key and certificate."""
    from tests.softhsm import INSTALL_HINT, create_token, missing_tools

    if missing := missing_tools():
        pytest.fail(f"PKCS#11 tests need {', '.join(missing)}; install with: {INSTALL_HINT}")
    return create_token(tmp_path_factory.mktemp("softhsm"), pki.person)


@pytest.fixture(scope="session")
def clamd_socket():
    """A running clamd with the test signatures (started if needed)."""
    from tests.services import ensure_clamd

    return ensure_clamd()


@pytest.fixture(scope="session")
def slapd():
    """The test mail directory (scripts/slapd-local, started if needed): its URL, base,
    admin and search accounts (tests.services.Slapd)."""
    from tests.services import ensure_slapd

    return ensure_slapd()


@pytest.fixture
def directory(slapd):
    """Adds, changes and removes mail directory entries for one test (unique mailboxes,
    removed afterwards): tests.ldap_directory.DirectoryEditor."""
    from tests.ldap_directory import DirectoryEditor

    editor = DirectoryEditor(slapd)
    yield editor
    editor.close()


@pytest.fixture(scope="module")
def ldap_app(db_engine_name, tmp_path_factory, pki, clamd_socket, slapd):
    """An eOffice logging in against the test mail directory (AUTH_LDAP), on a database
    of its own: one per test module, since a directory sync deactivates accounts."""
    from tests.ldap_directory import ldap_demo_app

    with ldap_demo_app(db_engine_name, tmp_path_factory.mktemp("ldap"), pki,
                       clamd_socket, slapd) as flask_app:
        yield flask_app


@pytest.fixture
def mailbox_password(slapd):
    """The password of the test mailboxes."""
    return slapd.user_password


def demo_app(database_url: str, instance: Path, pki, clamd_socket: str, **config):
    """An eOffice on ``database_url`` with its own folders under ``instance``, migrated,
    with the roles, catalogues and demo data loaded; ``config`` adds or overrides
    settings. Close it with ``dispose_app``."""
    from flask_migrate import upgrade

    from app import create_app, db
    from app.demo import load_demo
    from app.registry.catalogues import sync_document_types
    from app.security.roles import sync_roles

    flask_app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "EOFFICE_SYNC_ROLES_ON_START": False,
        "TESTING": True,
        "STORAGE_DIR": str(instance / "storage"),
        "BACKUP_DIR": str(instance / "backups"),
        "TRUST_ROOTS_DIR": str(pki.write_trust_roots(instance / "trust-roots")),
        "EOFFICE_CLAMD_SOCKET": clamd_socket,
        **config,
    })
    with flask_app.app_context():
        upgrade()
        sync_roles()
        sync_document_types(db.session)
        load_demo()
    return flask_app


def dispose_app(flask_app) -> None:
    from app import db

    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory, pki, clamd_socket):
    engine_options = {"pool_pre_ping": True, "pool_size": 20, "max_overflow": 20}
    if database_url.startswith("postgresql"):
        # A throw-away database need not wait for the disk at every commit; what the
        # tests check (numbers, rows, answers) does not depend on it.
        engine_options["connect_args"] = {"options": "-c synchronous_commit=off"}
    flask_app = demo_app(database_url, tmp_path_factory.mktemp("instance"), pki, clamd_socket,
                         SQLALCHEMY_ENGINE_OPTIONS=engine_options)
    yield flask_app
    dispose_app(flask_app)


@pytest.fixture(autouse=True)
def app_context(app):
    """Every test runs inside an application context, so it can query the database
    directly to check what a request really stored."""
    from app import db

    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def db_session(app_context):
    from app import db

    return db.session


@pytest.fixture
def web(app):
    """A browser-like client (cookies, CSRF tokens) — log in with ``web.login(name)``."""
    return WebClient(app)


@pytest.fixture
def api(app):
    """A REST client with a JWT — log in with ``api.login(name)``."""
    return ApiClient(app)
