"""Login against the official mail directory (LDAP, QĐ 778 Đ8.2a, Đ16) with
Flask-AppBuilder's AUTH_LDAP, local passwords for the few without a mailbox, and
first-login provisioning into the right agency.

Under ``AUTH_TYPE = AUTH_LDAP`` both ways in (the login form and ``POST
/api/v1/security/login``, provider "ldap" or "db") come here through the security
manager and ``login_guard.guarded``:

- a **local** account (``auth_source == "local"``) checks its database password, when
  ``EOFFICE_LOCAL_LOGIN`` lets it ("on", "off" or a list of user names);
- a **directory** account binds against the directory (indirect bind: the search
  account ``AUTH_LDAP_BIND_USER`` finds the entry under ``AUTH_LDAP_SEARCH``, then the
  entry's DN is bound with the password typed);
- an unknown mailbox whose password the directory accepts gets an account on its first
  login, in the agency named by its agency attribute (``EOFFICE_DIRECTORY_AGENCY_FIELD``:
  an agency's code, or a value of the DirectoryMapping table); without an agency, no
  account: the login is refused and the reason logged.

People log in with their mailbox (nguyenvana@quangngai.gov.vn) or its local part
(nguyenvana, completed with ``EOFFICE_DIRECTORY_DOMAIN``); the account's user name is
always the whole mailbox. A local account whose user name is exactly what was typed
wins over a mailbox of the same local part.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, has_request_context, request
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app.i18n import utcnow
from app.models import Agency, Department, DirectoryMapping, UserAccount

log = logging.getLogger(__name__)

DIRECTORY = "ldap"  # UserAccount.auth_source of directory accounts
LOCAL = "local"
# A password hash nothing matches: directory accounts have no password in eOffice.
NO_LOCAL_PASSWORD = "!directory"
CREATED_FIELD = "createTimestamp"  # operational attribute (RFC 4512), asked for by name
ON = {"1", "on", "true", "yes", "all", "*"}
OFF = {"", "0", "off", "false", "no", "none"}


class DirectoryUnavailable(Exception):
    """The directory did not answer, or refused the search account."""


@dataclass(frozen=True)
class DirectoryEntry:
    """One mailbox of the directory, as eOffice reads it."""

    dn: str
    mailbox: str  # the uid, lower-case: the eOffice user name
    email: str
    first_name: str
    last_name: str
    title: str | None
    agency_values: tuple[str, ...]
    disabled: bool
    created_at: dt.datetime | None  # naive UTC, when the directory tells


@dataclass(frozen=True)
class Placement:
    """Where a directory entry belongs."""

    agency: Agency
    department: Department | None
    value: str  # the attribute value that placed it
    mapped: bool  # by the DirectoryMapping table (else by the agency's code)


# --- Settings --------------------------------------------------------------------------------


def _config(config: Any = None):
    return config if config is not None else current_app.config


def directory_configured(config: Any = None) -> bool:
    return bool(_config(config).get("AUTH_LDAP_SERVER"))


def directory_domain(config: Any = None) -> str:
    """EOFFICE_DIRECTORY_DOMAIN, lower-case, without a leading @ ("" when unset)."""
    return str(_config(config).get("EOFFICE_DIRECTORY_DOMAIN") or "").strip().lower().lstrip("@")


def mailbox_of(username: str, config: Any = None) -> str | None:
    """The mailbox a login name stands for: itself when it has an @, else completed with
    EOFFICE_DIRECTORY_DOMAIN (None without one)."""
    name = (username or "").strip().lower()
    if not name or "@" in name:
        return name or None
    domain = directory_domain(config)
    return f"{name}@{domain}" if domain else None


def local_login_allowed(username: str, config: Any = None) -> bool:
    """EOFFICE_LOCAL_LOGIN: "on" (every local account), "off" (none) or the user names
    that may still log in with a local password (comma-separated, or a list)."""
    setting = _config(config).get("EOFFICE_LOCAL_LOGIN", "on")
    if isinstance(setting, bool):
        return setting
    if isinstance(setting, str):
        text = setting.strip().lower()
        if text in ON:
            return True
        if text in OFF:
            return False
        names: Iterable[str] = text.split(",")
    else:
        names = setting or ()
    return (username or "").strip().lower() in {str(n).strip().lower() for n in names}


def disabled_values(config: Any = None) -> set[str]:
    value = _config(config).get("EOFFICE_DIRECTORY_DISABLED_VALUES", "disabled")
    values = value.split(",") if isinstance(value, str) else value
    return {str(v).strip().lower() for v in values if str(v).strip()}


def requested_fields(config: Any = None) -> list[str]:
    config = _config(config)
    fields = [config.get("AUTH_LDAP_UID_FIELD", "uid"),
              config.get("AUTH_LDAP_EMAIL_FIELD", "mail"),
              config.get("AUTH_LDAP_FIRSTNAME_FIELD", "givenName"),
              config.get("AUTH_LDAP_LASTNAME_FIELD", "sn"), "cn",
              config.get("EOFFICE_DIRECTORY_AGENCY_FIELD", "departmentNumber"),
              config.get("EOFFICE_DIRECTORY_TITLE_FIELD", "title"),
              config.get("EOFFICE_DIRECTORY_DISABLED_FIELD", "employeeType"), CREATED_FIELD]
    return list(dict.fromkeys(f for f in fields if f))


# --- The directory ---------------------------------------------------------------------------


def connect(config: Any = None):
    """A connection bound with the search account (AUTH_LDAP_BIND_USER). Raises
    DirectoryUnavailable when the directory does not answer or refuses the account."""
    import ldap

    config = _config(config)
    server = config["AUTH_LDAP_SERVER"]
    timeout = config.get("EOFFICE_DIRECTORY_TIMEOUT", 10)
    try:
        connection = ldap.initialize(server)
        connection.protocol_version = ldap.VERSION3
        connection.set_option(ldap.OPT_REFERRALS, 0)
        connection.set_option(ldap.OPT_NETWORK_TIMEOUT, timeout)
        connection.set_option(ldap.OPT_TIMEOUT, timeout)
        tls = False
        for key, option in (("AUTH_LDAP_TLS_CACERTFILE", ldap.OPT_X_TLS_CACERTFILE),
                            ("AUTH_LDAP_TLS_CACERTDIR", ldap.OPT_X_TLS_CACERTDIR),
                            ("AUTH_LDAP_TLS_CERTFILE", ldap.OPT_X_TLS_CERTFILE),
                            ("AUTH_LDAP_TLS_KEYFILE", ldap.OPT_X_TLS_KEYFILE)):
            if config.get(key):
                connection.set_option(option, config[key])
                tls = True
        if config.get("AUTH_LDAP_ALLOW_SELF_SIGNED"):
            connection.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_ALLOW)
            tls = True
        elif config.get("AUTH_LDAP_TLS_DEMAND"):
            connection.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
            tls = True
        if tls:
            connection.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
        if config.get("AUTH_LDAP_USE_TLS"):
            connection.start_tls_s()
        connection.simple_bind_s(config.get("AUTH_LDAP_BIND_USER", ""),
                                 config.get("AUTH_LDAP_BIND_PASSWORD", ""))
    except ldap.INVALID_CREDENTIALS as error:
        raise DirectoryUnavailable(
            f"{server} refused the search account AUTH_LDAP_BIND_USER: {error}") from error
    except ldap.LDAPError as error:
        raise DirectoryUnavailable(f"{server} did not answer: {ldap_message(error)}") from error
    return connection


def ldap_message(error: Exception) -> str:
    details = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
    return " ".join(str(details[k]) for k in ("desc", "info") if details.get(k)) or repr(error)


def search_filter(config: Any = None, extra: str = "") -> str:
    base = _config(config).get("AUTH_LDAP_SEARCH_FILTER") or ""
    parts = [p if p.startswith("(") else f"({p})" for p in (base, extra) if p]
    if not parts:
        return "(objectClass=*)"
    return parts[0] if len(parts) == 1 else f"(&{''.join(parts)})"


def find_entry(connection, mailbox: str, config: Any = None) -> DirectoryEntry | None:
    """The directory entry of ``mailbox`` (None when there is none, or several)."""
    import ldap
    from ldap.filter import escape_filter_chars

    config = _config(config)
    uid_field = config.get("AUTH_LDAP_UID_FIELD", "uid")
    found = connection.search_s(
        config["AUTH_LDAP_SEARCH"], ldap.SCOPE_SUBTREE,
        search_filter(config, f"{uid_field}={escape_filter_chars(mailbox)}"),
        requested_fields(config))
    entries = [(dn, attrs) for dn, attrs in found if dn and isinstance(attrs, dict)]
    if len(entries) != 1:
        if entries:
            log.error("directory: %s entries for the mailbox %s; none used", len(entries), mailbox)
        return None
    return entry_from(*entries[0], config=config)


def _values(attributes: dict, field: str | None) -> list[str]:
    if not field:
        return []
    for name, values in attributes.items():  # attribute names are case-insensitive
        if name.lower() == field.lower():
            return [v.decode("utf-8", "replace").strip() for v in values if v.strip()]
    return []


def _first(attributes: dict, field: str | None) -> str:
    values = _values(attributes, field)
    return values[0] if values else ""


def _generalized_time(value: str) -> dt.datetime | None:
    """LDAP GeneralizedTime (20260522083000Z, maybe with fractions) as naive UTC."""
    try:
        return dt.datetime.strptime(value[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def entry_from(dn: str, attributes: dict, config: Any = None) -> DirectoryEntry | None:
    """A DirectoryEntry from a search result (None when it has no mailbox)."""
    config = _config(config)
    mailbox = _first(attributes, config.get("AUTH_LDAP_UID_FIELD", "uid")).lower()
    if not mailbox:
        return None
    email = _first(attributes, config.get("AUTH_LDAP_EMAIL_FIELD", "mail")).lower() or (
        mailbox if "@" in mailbox else "")
    first_name = _first(attributes, config.get("AUTH_LDAP_FIRSTNAME_FIELD", "givenName"))
    last_name = _first(attributes, config.get("AUTH_LDAP_LASTNAME_FIELD", "sn"))
    if not first_name:  # Vietnamese cn: "Nguyễn Văn A", the given name last
        words = _first(attributes, "cn").split()
        first_name = words[-1] if words else mailbox.split("@")[0]
        last_name = last_name or " ".join(words[:-1])
    disabled_field = config.get("EOFFICE_DIRECTORY_DISABLED_FIELD", "employeeType")
    created = _first(attributes, CREATED_FIELD)
    return DirectoryEntry(
        dn=dn, mailbox=mailbox, email=email, first_name=first_name, last_name=last_name,
        title=_first(attributes, config.get("EOFFICE_DIRECTORY_TITLE_FIELD", "title")) or None,
        agency_values=tuple(_values(attributes,
                                    config.get("EOFFICE_DIRECTORY_AGENCY_FIELD", "departmentNumber"))),
        disabled=bool({v.lower() for v in _values(attributes, disabled_field)}
                      & disabled_values(config)),
        created_at=_generalized_time(created) if created else None,
    )


def password_accepted(connection, dn: str, password: str) -> bool:
    """Bind as the entry: the directory checks the password."""
    import ldap

    try:
        connection.simple_bind_s(dn, password)
        return True
    except (ldap.INVALID_CREDENTIALS, ldap.UNWILLING_TO_PERFORM):
        return False


# --- Where an entry belongs -------------------------------------------------------------------


def resolve_placement(session, values: Iterable[str]) -> Placement | None:
    """The agency (and department) named by the entry's agency attribute: an active
    agency whose code is the value, else a DirectoryMapping row for it (case-insensitive).
    Values are tried in order."""
    from app.validation import normalise_agency_code

    for value in values:
        code = normalise_agency_code(value)
        agency = session.query(Agency).filter(Agency.code == code, Agency.active.is_(True)).first()
        if agency is not None:
            return Placement(agency, None, value, mapped=False)
        mapping = (session.query(DirectoryMapping)
                   .filter(func.lower(DirectoryMapping.directory_value) == value.strip().lower())
                   .first())
        if mapping is not None and mapping.agency.active:
            department = mapping.department
            if department is not None and department.agency_id != mapping.agency_id:
                department = None
            return Placement(mapping.agency, department, value, mapped=True)
    return None


# --- Login ------------------------------------------------------------------------------------


def find_account(sm: Any, username: str) -> UserAccount | None:
    """The account a login name stands for: the user name as typed, else its mailbox."""
    user = sm.find_user(username=username.strip())
    if user is None:
        mailbox = mailbox_of(username)
        if mailbox and mailbox != username.strip().lower():
            user = sm.find_user(username=mailbox)
    return user


def _explain(message) -> None:
    """Tell the person on the login form why, once their password was right (never
    before: it would tell a stranger which mailboxes exist)."""
    if has_request_context() and not request.path.startswith("/api/"):
        flash(str(message), "danger")


def authenticate(sm: Any, username: str, password: str) -> Any:
    """The user when ``password`` is right for ``username``, else None."""
    username = (username or "").strip()
    if not username or not password:
        return None
    user = find_account(sm, username)
    if user is not None and user.auth_source != DIRECTORY:
        return _local_login(sm, user, password)
    if not directory_configured():
        log.warning("login of %s refused: a directory account, and AUTH_LDAP_SERVER is not set",
                    username)
        return None
    mailbox = user.username if user is not None else mailbox_of(username)
    if not mailbox:
        log.info("login of %s refused: no such account, and no EOFFICE_DIRECTORY_DOMAIN "
                 "to complete it into a mailbox", username)
        return None
    entry = _check_directory_password(sm, user, mailbox, password)
    if entry is None:
        return None
    # From here on the password is right: the person may be told why they are refused.
    if entry.disabled:
        log.info("login of %s refused: the mailbox is disabled in the directory", mailbox)
        _explain(_l("Your official mailbox is disabled. Please contact your agency's "
                    "administrator."))
        return None
    if user is not None and not user.is_active:
        log.info("login of %s refused: the account is deactivated (%s)", mailbox,
                 user.inactive_reason or "no reason given")
        _explain(_l("Your eOffice account is deactivated. Please contact your agency's "
                    "administrator."))
        return None
    if user is None:
        user = provision(sm, entry)
        if user is None:
            return None
    sm.update_user_auth_stat(user)
    return user


def _local_login(sm: Any, user: UserAccount, password: str) -> Any:
    """A local account: its database password, if EOFFICE_LOCAL_LOGIN lets it in."""
    if not local_login_allowed(user.username):
        log.warning("login of local account %s refused: EOFFICE_LOCAL_LOGIN does not allow it",
                    user.username)
        return None
    # FAB's own check (active, password hash, login counters), without passing the
    # login protections a second time.
    return BaseSecurityManager.auth_user_db(sm, user.username, password)


def _check_directory_password(sm: Any, user, mailbox: str, password: str):
    """The mailbox's entry when the directory accepts ``password`` for it, else None."""
    try:
        connection = connect()
    except DirectoryUnavailable as error:
        log.error("login of %s refused: the mail directory is unavailable: %s", mailbox, error)
        return None
    import ldap

    try:
        entry = find_entry(connection, mailbox)
        if entry is None:
            log.info("login of %s refused: no such mailbox in the directory", mailbox)
            return None
        if not password_accepted(connection, entry.dn, password):
            log.info("login of %s refused: wrong password", mailbox)
            if user is not None:
                sm.update_user_auth_stat(user, False)
            return None
        return entry
    except ldap.LDAPError as error:
        log.error("login of %s refused: the mail directory failed: %s", mailbox,
                  ldap_message(error))
        return None
    finally:
        try:
            connection.unbind_s()
        except ldap.LDAPError:
            pass


def provision(sm: Any, entry: DirectoryEntry) -> UserAccount | None:
    """Create the account of a mailbox at its first login, in the agency its directory
    entry names, with the default role (QĐ 778 Đ8.2a: accounts follow the official mail
    accounts). None, with the reason logged, when it cannot be placed."""
    from app.security.audit import AuditEvent, record_audit
    from app.validation import unique_errors

    session = sm.session
    placement = resolve_placement(session, entry.agency_values)
    if placement is None:
        log.warning(
            "first login of %s refused: its %s %s matches no agency code and no mail "
            "directory mapping; no account is created without an agency (add a mapping "
            "under Directory > Mail directory mapping)", entry.mailbox,
            current_app.config.get("EOFFICE_DIRECTORY_AGENCY_FIELD"),
            list(entry.agency_values) or "(empty)")
        _explain(_l("Your official mailbox is not assigned to any agency in eOffice yet. "
                    "Please contact your agency's administrator."))
        return None
    role_name = current_app.config.get("EOFFICE_DIRECTORY_DEFAULT_ROLE", "Officer")
    role = sm.find_role(role_name)
    if role is None:
        log.error("first login of %s refused: EOFFICE_DIRECTORY_DEFAULT_ROLE %r is not a role",
                  entry.mailbox, role_name)
        return None
    user = UserAccount(
        username=entry.mailbox, first_name=entry.first_name[:64], last_name=entry.last_name[:64],
        email=entry.email, official_email=entry.email,
        position=entry.title[:100] if entry.title else None,
        agency=placement.agency, department=placement.department,
        auth_source=DIRECTORY, active=True, password=NO_LOCAL_PASSWORD, roles=[role],
        directory_seen_at=utcnow(),
    )
    with session.no_autoflush:  # the new account is not in the session yet
        problems = unique_errors(session, user, ["username", "email"])
    if not entry.email or problems:
        log.warning("first login of %s refused: %s", entry.mailbox,
                    problems or "the directory entry has no e-mail address")
        return None
    try:
        session.add(user)
        session.flush()
        record_audit(AuditEvent.ACCOUNT_PROVISIONED, actor=user, agency_id=placement.agency.id,
                     target=f"user:{user.id}", session=session,
                     detail={"mailbox": entry.mailbox, "agency": placement.agency.code,
                             "directory_value": placement.value, "mapped": placement.mapped,
                             "department": placement.department.name
                             if placement.department else None,
                             "role": role_name})
        session.commit()
    except Exception:
        session.rollback()
        log.exception("first login of %s: the account could not be created", entry.mailbox)
        return None
    log.info("account %s created at its first directory login in %s (%s)", entry.mailbox,
             placement.agency.name, "mapping" if placement.mapped else "agency code")
    return user
