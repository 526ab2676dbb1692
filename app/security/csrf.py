"""CSRF protection on every form and on cookie-authenticated REST writes.

- Flask-WTF's ``CSRFProtect`` checks every POST/PUT/PATCH/DELETE of the screens, also
  those without a WTForms form (FAB's delete, list actions, custom endpoints), and makes
  FAB refuse deletes and actions by GET. The REST APIs are exempted by Flask-AppBuilder
  (``BaseApi.csrf_exempt``): they are checked below instead.
- The REST APIs accept the browser's session cookie (``allow_browser_login``). A write
  authenticated by that cookie only passes with a JSON body (which a cross-site form
  cannot send without a CORS preflight, and no CORS is allowed) or a valid
  ``X-CSRFToken`` header; a multipart upload from another site is refused. Calls with
  an ``Authorization`` header (JWT bearer) are unaffected.
"""

from __future__ import annotations

import logging

from flask import current_app, request, session
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf
from wtforms.validators import ValidationError

from app.errors import error_answer

log = logging.getLogger("eoffice.csrf")

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_HEADERS = ("X-CSRFToken", "X-CSRF-Token")


def _message() -> str:
    return gettext("The form has expired or did not come from the eOffice (its security "
                   "token is missing or wrong). Please reload the page and try again.")


def csrf_refused(error: CSRFError):
    log.warning("CSRF check refused %s %s from %s: %s", request.method, request.path,
                request.remote_addr, error.description)
    if not request.path.startswith("/api/"):
        current_app.appbuilder.sm.before_request()  # g.user for the page (FAB's hook ran not yet)
    return error_answer(400, _message(), errors={"csrf": [str(error.description)]})


def cookie_authenticated() -> bool:
    return "_user_id" in session and not request.headers.get("Authorization")


def check_cookie_api_write():
    """``before_request``: a cookie-authenticated REST write needs JSON or the token."""
    if (request.method not in UNSAFE_METHODS or not request.path.startswith("/api/")
            or not current_app.config.get("WTF_CSRF_ENABLED", True)
            or not cookie_authenticated() or request.is_json):
        return None
    token = next((request.headers[h] for h in TOKEN_HEADERS if request.headers.get(h)), None)
    try:
        validate_csrf(token)
    except ValidationError as error:
        raise CSRFError(str(error)) from error
    return None


def install(app) -> CSRFProtect:
    csrf = CSRFProtect(app)
    app.register_error_handler(CSRFError, csrf_refused)
    app.before_request(check_cookie_api_write)
    return csrf
