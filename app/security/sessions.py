"""Session expiry and secure cookies (QĐ 778 Đ19.2c: an account left open on an
unattended computer is an account anyone can use).

- **Idle expiry**: ``PERMANENT_SESSION_LIFETIME`` (``EOFFICE_SESSION_IDLE_MINUTES``,
  default 60). A signed-in session is permanent and re-sent on every request
  (``SESSION_REFRESH_EACH_REQUEST``), so it ends that long after the last request.
- **Absolute expiry**: ``EOFFICE_SESSION_MAX_HOURS`` (default 10, a working day) after
  the login, whatever the activity; the user is signed out and sent to the login form.
- **Secure cookie**: ``SESSION_COOKIE_SECURE = "auto"`` (default) marks the session
  cookie Secure (sent over HTTPS only) on every request except plain http to the machine
  itself (http://127.0.0.1 / localhost for ``make run`` and the tests). ``1``/``0`` force
  it on or off. Behind a reverse proxy set ``PROXY_FIX_HOPS`` so the app sees https.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from flask import current_app, flash, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from flask_login import logout_user, user_logged_in

log = logging.getLogger("eoffice.sessions")

LOGIN_AT = "_eoffice_login_at"  # session key: when the user logged in (epoch seconds)
AUTO = "auto"
_warned_plain_http = False


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a Host header: name or address, maybe with a port) is this machine."""
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:5000
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def cookie_secure(app) -> bool:
    """The Secure flag of the session cookie for the current request."""
    global _warned_plain_http
    setting = app.config.get("SESSION_COOKIE_SECURE", AUTO)
    if not (isinstance(setting, str) and setting.strip().lower() == AUTO):
        return bool(setting)
    if not has_request_context() or request.is_secure:
        return True
    if is_loopback(request.host):
        return False
    if not _warned_plain_http:
        _warned_plain_http = True
        log.warning("the session cookie is marked Secure but %s is served over plain http: "
                    "browsers will not send it back. Serve the eOffice over https (and set "
                    "PROXY_FIX_HOPS behind a proxy), or set SESSION_COOKIE_SECURE=0 to test "
                    "over plain http.", request.host)
    return True


class EofficeSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the "auto" Secure flag."""

    def get_cookie_secure(self, app) -> bool:
        return cookie_secure(app)


def max_age_seconds() -> int:
    return int(current_app.config.get("EOFFICE_SESSION_MAX_HOURS", 10)) * 3600


def _stamp_login(sender, user, **extra) -> None:
    session.permanent = True
    session[LOGIN_AT] = int(time.time())


def end_old_sessions():
    """``before_request``: sign out a session older than EOFFICE_SESSION_MAX_HOURS."""
    if "_user_id" not in session:
        return None
    now = time.time()
    started = session.get(LOGIN_AT)
    if not isinstance(started, int | float):
        _stamp_login(None, None)  # a session from before this rule: its clock starts now
        return None
    if now - started <= max_age_seconds():
        return None
    log.info("session of user %s ended: logged in %d hours ago", session.get("_user_id"),
             (now - started) // 3600)
    logout_user()
    session.pop(LOGIN_AT, None)
    if request.path.startswith("/api/") or request.path.startswith("/static/"):
        return None  # the API answers 401 by itself
    flash(gettext("Your session has ended (%(hours)d hours after logging in). Please log in "
                  "again.", hours=max_age_seconds() // 3600), "warning")
    return redirect(current_app.appbuilder.get_url_for_login)


def install(app) -> None:
    app.session_interface = EofficeSessionInterface()
    user_logged_in.connect(_stamp_login, app)
    app.before_request(end_old_sessions)
