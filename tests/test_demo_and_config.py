"""`flask eoffice demo` and the configuration an operator sets from the environment."""

from __future__ import annotations

import csv
import importlib
import sys

from app.demo import AGENCIES_CSV, DEMO_USERS, load_demo
from app.models import Agency, UserAccount
from app.security.roles import ROLE_DEFINITIONS
from tests.directory_data import BINH_SON, STTTT, agency, count


def test_demo_loads_every_agency_of_the_csv_with_hierarchy(app):
    with AGENCIES_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        loaded = agency(row["code"])
        assert loaded.name == row["name"]
        assert loaded.abbreviation == row["abbreviation"]
        assert loaded.kind.value == row["kind"]
        assert (loaded.parent.code if loaded.parent else "") == row["parent_code"]
    assert agency("000.01.53.H48").parent.code == BINH_SON  # xã Bình Thạnh under Bình Sơn


def test_demo_has_one_account_per_role_in_two_agencies(app):
    roles_by_agency: dict[str, set[str]] = {}
    for spec in DEMO_USERS:
        roles_by_agency.setdefault(spec.agency_code, set()).add(spec.role)
    assert set(roles_by_agency) == {STTTT, BINH_SON}
    assert roles_by_agency[STTTT] == {d.name for d in ROLE_DEFINITIONS}
    assert len(roles_by_agency[BINH_SON]) == 5


def test_demo_is_idempotent(app):
    agencies, users = count(Agency), count(UserAccount)
    load_demo()
    assert (count(Agency), count(UserAccount)) == (agencies, users)


def test_demo_command_prints_the_logins(app):
    result = app.test_cli_runner().invoke(args=["eoffice", "demo"])
    assert result.exit_code == 0, result.output
    assert "vanthu.binhson" in result.output and "Demo@2026" in result.output
    assert "Văn thư" in result.output


def test_every_setting_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://eoffice@db.internal/eoffice")
    monkeypatch.setenv("EOFFICE_STORAGE_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("EOFFICE_BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setenv("EOFFICE_TRUST_ROOTS_DIR", str(tmp_path / "roots"))
    monkeypatch.setenv("EOFFICE_CLAMD_HOST", "clamav.internal")
    monkeypatch.setenv("EOFFICE_TIMEZONE", "Asia/Ho_Chi_Minh")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    sys.modules.pop("config", None)
    config = importlib.import_module("config")
    try:
        assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://eoffice@db.internal/eoffice"
        assert config.STORAGE_DIR == str(tmp_path / "files")
        assert config.BACKUP_DIR == str(tmp_path / "backups")
        assert config.TRUST_ROOTS_DIR == str(tmp_path / "roots")
        assert config.EOFFICE_CLAMD_HOST == "clamav.internal"
        assert config.SECRET_KEY == "from-the-environment"
        assert config.BABEL_DEFAULT_LOCALE == "vi"
    finally:
        sys.modules.pop("config", None)


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("EOFFICE_INSTANCE_DIR", raising=False)
    sys.modules.pop("config", None)
    config = importlib.import_module("config")
    try:
        assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
        assert config.SQLALCHEMY_DATABASE_URI.endswith("/instance/eoffice.db")
    finally:
        sys.modules.pop("config", None)
