"""Configuration of the eOffice.

Every setting can be overridden from the environment (12-factor), so one image serves
a developer laptop (SQLite in ``instance/``) and a provincial cluster (PostgreSQL behind
nginx) alike. Only names listed here are read; anything else in the environment is ignored.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask_appbuilder.const import AUTH_DB, AUTH_LDAP

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
# Session cookie sent over HTTPS only: "auto" (default) on every request except plain
# http to the machine itself (http://127.0.0.1 for `make run`); 1 or 0 force it on or off.
# Behind nginx set PROXY_FIX_HOPS so the app knows the browser uses https.
SESSION_COOKIE_SECURE = (
    "auto" if env_str("SESSION_COOKIE_SECURE", "auto").strip().lower() == "auto"
    else env_bool("SESSION_COOKIE_SECURE", True)
)
WTF_CSRF_ENABLED = env_bool("WTF_CSRF_ENABLED", True)

# --- Sessions and login protection (QĐ 778 Đ19.2c; app/security/sessions.py, login_guard.py)
# A signed-in session ends after this many minutes without a request (idle) ...
EOFFICE_SESSION_IDLE_MINUTES = env_int("EOFFICE_SESSION_IDLE_MINUTES", 60)
PERMANENT_SESSION_LIFETIME = dt.timedelta(minutes=EOFFICE_SESSION_IDLE_MINUTES)
SESSION_REFRESH_EACH_REQUEST = True
# ... and this many hours after logging in, whatever the activity (a working day).
EOFFICE_SESSION_MAX_HOURS = env_int("EOFFICE_SESSION_MAX_HOURS", 10)
# A form stays valid as long as the session may last (the default hour loses the input of
# a clerk who kept a form open over lunch in another tab).
WTF_CSRF_TIME_LIMIT = EOFFICE_SESSION_MAX_HOURS * 3600
# "Remember me" is not offered; should it ever be, its cookie is HTTPS-only.
REMEMBER_COOKIE_SECURE = True
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# REST API tokens (POST /api/v1/security/login): access token lifetime in minutes; the
# refresh token lives as long as a session.
JWT_ACCESS_TOKEN_EXPIRES = dt.timedelta(minutes=env_int("EOFFICE_JWT_ACCESS_MINUTES", 30))
JWT_REFRESH_TOKEN_EXPIRES = dt.timedelta(hours=EOFFICE_SESSION_MAX_HOURS)
# Failed logins counted per account and per client address in a sliding window (seconds);
# above a limit every attempt is refused ("too many attempts", HTTP 429) without trying
# the password. Successful logins are never counted. Counters live in Redis (REDIS_URL,
# shared by all workers) under this key prefix; without REDIS_URL, in the process.
EOFFICE_LOGIN_WINDOW_SECONDS = env_int("EOFFICE_LOGIN_WINDOW_SECONDS", 900)
EOFFICE_LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("EOFFICE_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
# An office behind one NAT address shares this one: keep it well above the account's.
EOFFICE_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("EOFFICE_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
EOFFICE_LOGIN_KEY_PREFIX = env_str("EOFFICE_LOGIN_KEY_PREFIX", "eoffice:login:")
# Consecutive wrong passwords that lock an account until an admin unlocks it (0: never).
EOFFICE_LOGIN_LOCK_AFTER = env_int("EOFFICE_LOGIN_LOCK_AFTER", 10)
# Password policy of local accounts (app/security/passwords.py): minimum length (at least
# 8), and how many of lower-case, upper-case, digits, symbols it must mix (0 to 4).
EOFFICE_PASSWORD_MIN_LENGTH = env_int("EOFFICE_PASSWORD_MIN_LENGTH", 10)
EOFFICE_PASSWORD_MIN_CLASSES = env_int("EOFFICE_PASSWORD_MIN_CLASSES", 3)
# Strict-Transport-Security max-age (seconds) on responses served over https; 0: none.
EOFFICE_HSTS_SECONDS = env_int("EOFFICE_HSTS_SECONDS", 31536000)

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
# The password policy also for any FAB password form the eOffice does not replace.
FAB_PASSWORD_COMPLEXITY_ENABLED = True


def FAB_PASSWORD_COMPLEXITY_VALIDATOR(password: str) -> None:  # noqa: N802 (a setting)
    from app.security.passwords import fab_complexity_validator

    fab_complexity_validator(password)


# Apply role definitions from code on every start (idempotent; safe with many workers).
EOFFICE_SYNC_ROLES_ON_START = env_bool("EOFFICE_SYNC_ROLES_ON_START", True)

# --- Official mail directory (LDAP; QĐ 778 Đ8.2a, Đ16; app/security/directory_auth.py) ---
# Accounts follow the province's official mail directory: with AUTH_LDAP_SERVER set, people
# log in with their mailbox and its password (Flask-AppBuilder's AUTH_LDAP); without it the
# passwords are the database's (AUTH_DB), so `make run` needs no directory.
# e.g. ldap://mail.quangngai.gov.vn or ldaps://...; `make slapd` starts a test one on
# ldap://127.0.0.1:3389.
AUTH_LDAP_SERVER = env_str("AUTH_LDAP_SERVER", "")
if AUTH_LDAP_SERVER:
    AUTH_TYPE = AUTH_LDAP
# Indirect bind: a read-only account searches for the mailbox, then the user's own DN is
# bound with the password typed. The sync job reads the directory with it too.
AUTH_LDAP_BIND_USER = env_str("AUTH_LDAP_BIND_USER", "cn=eoffice-search,dc=quangngai,dc=gov,dc=vn")
AUTH_LDAP_BIND_PASSWORD = env_str("AUTH_LDAP_BIND_PASSWORD", "")
# Where the mailboxes are, and which entries are people.
AUTH_LDAP_SEARCH = env_str("AUTH_LDAP_SEARCH", "ou=people,dc=quangngai,dc=gov,dc=vn")
AUTH_LDAP_SEARCH_FILTER = env_str("AUTH_LDAP_SEARCH_FILTER", "(objectClass=inetOrgPerson)")
# Attributes: the mailbox (also the eOffice user name), names and e-mail.
AUTH_LDAP_UID_FIELD = env_str("AUTH_LDAP_UID_FIELD", "uid")
AUTH_LDAP_FIRSTNAME_FIELD = env_str("AUTH_LDAP_FIRSTNAME_FIELD", "givenName")
AUTH_LDAP_LASTNAME_FIELD = env_str("AUTH_LDAP_LASTNAME_FIELD", "sn")
AUTH_LDAP_EMAIL_FIELD = env_str("AUTH_LDAP_EMAIL_FIELD", "mail")
# TLS: StartTLS on ldap://, and the CA that signed the directory's certificate.
AUTH_LDAP_USE_TLS = env_bool("AUTH_LDAP_USE_TLS", False)
AUTH_LDAP_TLS_CACERTFILE = env_str("AUTH_LDAP_TLS_CACERTFILE", "")
AUTH_LDAP_TLS_DEMAND = env_bool("AUTH_LDAP_TLS_DEMAND", False)
# Seconds to wait for the directory (connecting and each answer).
EOFFICE_DIRECTORY_TIMEOUT = env_int("EOFFICE_DIRECTORY_TIMEOUT", 10)
# Mail domain: "nguyenvana" logs in as nguyenvana@<domain>; empty: full mailbox only.
EOFFICE_DIRECTORY_DOMAIN = env_str("EOFFICE_DIRECTORY_DOMAIN", "quangngai.gov.vn")
# Attribute holding the agency: its code (mã định danh, e.g. 000.00.11.H48) or a value the
# "Mail directory mapping" table maps to an agency and department.
EOFFICE_DIRECTORY_AGENCY_FIELD = env_str("EOFFICE_DIRECTORY_AGENCY_FIELD", "departmentNumber")
# Attribute giving the position (chức vụ) of a new account.
EOFFICE_DIRECTORY_TITLE_FIELD = env_str("EOFFICE_DIRECTORY_TITLE_FIELD", "title")
# A mailbox is disabled when this attribute holds one of these values (comma-separated);
# a revoked mailbox is one whose entry is gone. Either way the account is deactivated.
EOFFICE_DIRECTORY_DISABLED_FIELD = env_str("EOFFICE_DIRECTORY_DISABLED_FIELD", "employeeType")
EOFFICE_DIRECTORY_DISABLED_VALUES = env_str("EOFFICE_DIRECTORY_DISABLED_VALUES", "disabled")
# Role given to an account created at its first directory login.
EOFFICE_DIRECTORY_DEFAULT_ROLE = env_str("EOFFICE_DIRECTORY_DEFAULT_ROLE", "Officer")
# Local accounts (no mailbox) under AUTH_LDAP: "on" (all), "off" (none), or a
# comma-separated list of the user names that may still log in with a local password.
EOFFICE_LOCAL_LOGIN = env_str("EOFFICE_LOCAL_LOGIN", "on")
# Local times of the daily directory sync (deactivates revoked mailboxes, reports new and
# moved ones to agency admins); run by `flask eoffice scheduler` when AUTH_LDAP_SERVER is set.
EOFFICE_DIRECTORY_SYNC_AT = env_str("EOFFICE_DIRECTORY_SYNC_AT", "02:00")
# Entries per page of the sync's paged search.
EOFFICE_DIRECTORY_PAGE_SIZE = env_int("EOFFICE_DIRECTORY_PAGE_SIZE", 500)

# --- Leaving (QĐ 778 Đ19.1c; app/accounts/data_export.py) --------------------------------
# Days an approved personal data export stays downloadable (only while the account is active).
EOFFICE_DATA_EXPORT_DAYS = env_int("EOFFICE_DATA_EXPORT_DAYS", 7)

# --- Audit log (QĐ 778 Đ19.2c; app/security/audit*.py) ------------------------------------
# Most rows one XLSX export of the audit log may hold (CSV has no limit; Excel's is 1,048,575).
EOFFICE_AUDIT_XLSX_MAX_ROWS = env_int("EOFFICE_AUDIT_XLSX_MAX_ROWS", 100_000)

# --- Logging -------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# Whole-request cap, a little above the file limit, so oversized bodies are cut off by
# Flask before any form or API code reads them.
MAX_CONTENT_LENGTH = (EOFFICE_MAX_UPLOAD_MB + 5) * 1024 * 1024
