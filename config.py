"""Configuration of the eOffice.

Every setting can be overridden from the environment (12-factor), so one image serves
a developer laptop (SQLite in ``instance/``) and a provincial cluster (PostgreSQL behind
nginx) alike. Only names listed here are read; anything else in the environment is ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("EOFFICE_INSTANCE_DIR", BASE_DIR / "instance"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# --- Database --------------------------------------------------------------------
# PostgreSQL in production (postgresql+psycopg://user@host/db); SQLite by default.
SQLALCHEMY_DATABASE_URI = env_str("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'eoffice.db'}")
SQLALCHEMY_TRACK_MODIFICATIONS = False
# Connections per web process: threads of one process share this pool.
SQLALCHEMY_ENGINE_OPTIONS = {
    "pool_pre_ping": True,
    "pool_size": env_int("EOFFICE_DB_POOL_SIZE", 10),
    "max_overflow": env_int("EOFFICE_DB_POOL_OVERFLOW", 20),
}
if SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
    # Never reuse one generic plan for full-text searches whose selectivity varies a
    # thousandfold between words (bench/README.md, problem 5).
    SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"prepare_threshold": None}

# --- Secrets and cookies ---------------------------------------------------------
# The default key is only good for `make run`; production must set SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-change-me-in-production")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
WTF_CSRF_ENABLED = env_bool("WTF_CSRF_ENABLED", True)

# --- Public address (QĐ 778 Đ8.1: one domain for the whole province) --------------
PREFERRED_URL_SCHEME = env_str("PREFERRED_URL_SCHEME", "http")
# Number of reverse proxies (nginx) in front of the app whose X-Forwarded-* we trust.
PROXY_FIX_HOPS = env_int("PROXY_FIX_HOPS", 0)

# --- Files -------------------------------------------------------------------------
STORAGE_DIR = env_str("EOFFICE_STORAGE_DIR", str(INSTANCE_DIR / "storage"))
BACKUP_DIR = env_str("EOFFICE_BACKUP_DIR", str(INSTANCE_DIR / "backups"))
TRUST_ROOTS_DIR = env_str("EOFFICE_TRUST_ROOTS_DIR", str(INSTANCE_DIR / "trust-roots"))

# --- Uploads (QĐ 778 Đ13.2; app/files/pipeline.py) --------------------------------------
# Every upload (screen, REST API, edXML import) goes through one pipeline that applies these.
# Largest accepted file, in MB (1 MB = 1024 * 1024 bytes); checked while the file streams in.
EOFFICE_MAX_UPLOAD_MB = env_int("EOFFICE_MAX_UPLOAD_MB", 50)
# Accepted file extensions, comma-separated. The content must also match the extension
# for the types whose leading bytes are known (a renamed .exe is refused).
EOFFICE_ALLOWED_UPLOAD_TYPES = tuple(
    t.strip().lower().lstrip(".")
    for t in env_str(
        "EOFFICE_ALLOWED_UPLOAD_TYPES",
        "pdf,doc,docx,xls,xlsx,odt,ods,jpg,jpeg,png,tif,tiff,zip,xml",
    ).split(",")
    if t.strip()
)

# --- Services ------------------------------------------------------------------------
# ClamAV daemon that scans every upload before it is stored (QĐ 778 Đ13.2;
# app/files/clamav.py). No answer, no upload: the pipeline fails closed.
# Unix socket of clamd; the default is the one `make run` / scripts/clamd-local starts.
# Debian's own clamav-daemon service listens on /run/clamav/clamd.ctl.
EOFFICE_CLAMD_SOCKET = env_str("EOFFICE_CLAMD_SOCKET", "/tmp/eoffice-clamd/clamd.sock")
# clamd over TCP instead (TCPSocket in clamd.conf): used whenever a host is given.
EOFFICE_CLAMD_HOST = env_str("EOFFICE_CLAMD_HOST", "")
EOFFICE_CLAMD_PORT = env_int("EOFFICE_CLAMD_PORT", 3310)
# Seconds to wait for any answer of clamd (connecting, each chunk, the verdict).
EOFFICE_CLAMD_TIMEOUT = env_int("EOFFICE_CLAMD_TIMEOUT", 60)
REDIS_URL = env_str("REDIS_URL", "")

# --- Reminders (đôn đốc, NĐ 30 Đ24) and e-mail (app/routing/reminders.py, app/scheduler.py)
# Public address of the eOffice, for the links in e-mails.
EOFFICE_BASE_URL = env_str("EOFFICE_BASE_URL", "http://127.0.0.1:5000")
# A part is "due soon" this many working days before its deadline.
EOFFICE_REMIND_DAYS_BEFORE = env_int("EOFFICE_REMIND_DAYS_BEFORE", 2)
# Local times (Asia/Ho_Chi_Minh) of the daily runs of `flask eoffice scheduler`.
EOFFICE_REMIND_AT = env_str("EOFFICE_REMIND_AT", "07:30,13:30")
# Mail server; an empty host turns e-mail off (notifications stay in the app).
EOFFICE_SMTP_HOST = env_str("EOFFICE_SMTP_HOST", "")
EOFFICE_SMTP_PORT = env_int("EOFFICE_SMTP_PORT", 587)
EOFFICE_SMTP_USER = env_str("EOFFICE_SMTP_USER", "")
EOFFICE_SMTP_PASSWORD = env_str("EOFFICE_SMTP_PASSWORD", "")
EOFFICE_SMTP_STARTTLS = env_bool("EOFFICE_SMTP_STARTTLS", True)
EOFFICE_SMTP_SENDER = env_str("EOFFICE_SMTP_SENDER", "eOffice <noreply@localhost>")
EOFFICE_SMTP_TIMEOUT = env_int("EOFFICE_SMTP_TIMEOUT", 30)

# --- Signing keys (app/signatures/keys.py) ---------------------------------------------
# Key that encrypts the PKCS#12 files kept in signing profiles (their passwords are never
# stored; they are asked at every signing). Any long random string, e.g. the output of
# `python -c "import secrets; print(secrets.token_urlsafe(32))"`; several separated by
# commas while rotating (the first encrypts, all decrypt). When empty it is derived from
# SECRET_KEY, which is only good for `make run`: production must set its own and keep it
# out of the database backups (a backup then holds no usable key file).
EOFFICE_KEY_ENCRYPTION_KEY = env_str("EOFFICE_KEY_ENCRYPTION_KEY", "")
# PKCS#11 module of the USB tokens / HSM that hold signing keys: the vendor's library
# (e.g. the Ban Cơ yếu token driver) in production; SoftHSM2 for development and tests.
EOFFICE_PKCS11_MODULE = env_str("EOFFICE_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")

# --- Time and language ---------------------------------------------------------------
# Stored in UTC, shown in Vietnam time as dd/mm/yyyy.
EOFFICE_TIMEZONE = env_str("EOFFICE_TIMEZONE", "Asia/Ho_Chi_Minh")
BABEL_DEFAULT_LOCALE = env_str("BABEL_DEFAULT_LOCALE", "vi")
BABEL_DEFAULT_TIMEZONE = EOFFICE_TIMEZONE
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
LANGUAGES = {
    "vi": {"flag": "vn", "name": "Tiếng Việt"},
    "en": {"flag": "gb", "name": "English"},
}

# --- Flask-AppBuilder ------------------------------------------------------------------
APP_NAME = env_str("APP_NAME", "eOffice Quảng Ngãi")
APP_THEME = ""
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "System admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
FAB_SECURITY_MANAGER_CLASS = "app.security.manager.EofficeSecurityManager"
# Migrations own the schema, and permissions are synced by `flask eoffice sync-roles`
# (also run at start-up), never by create_all() behind Alembic's back.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = True
FAB_API_MAX_PAGE_SIZE = 100
FAB_PASSWORD_COMPLEXITY_ENABLED = False
# Apply role definitions from code on every start (idempotent; safe with many workers).
EOFFICE_SYNC_ROLES_ON_START = env_bool("EOFFICE_SYNC_ROLES_ON_START", True)

# --- Logging -------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# Whole-request cap, a little above the file limit, so oversized bodies are cut off by
# Flask before any form or API code reads them.
MAX_CONTENT_LENGTH = (EOFFICE_MAX_UPLOAD_MB + 5) * 1024 * 1024
