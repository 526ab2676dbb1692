"""Error pages in the user's language, inside the app's layout (JSON under /api/)."""

from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered."),
    403: _l("You do not have permission to open this page."),
    404: _l("This page does not exist, or it belongs to another agency."),
    405: _l("This action is not allowed here."),
    500: _l("Something went wrong on our side. The error has been logged; please try again."),
}


def error_answer(code: int, message: str, **api_fields):
    """The answer to a refused request: JSON under /api/ (``message`` and
    ``api_fields``), else the error page inside the app's layout."""
    if request.path.startswith("/api/"):
        return jsonify(message=message, **api_fields), code
    page = render_template(
        "eoffice/error.html",
        appbuilder=current_app.appbuilder,
        code=code,
        message=message,
    )
    return page, code


def render_error(error: HTTPException):
    code = error.code or 500
    return error_answer(code, str(MESSAGES.get(code, error.description)))


def refused_value(error: Exception):
    """A value the database cannot store or compare (an id or page number past any
    table, a NUL character...) reached a screen or route: the caller's mistake, so a 400
    after a rollback, never a 500. The REST APIs answer theirs in JSON (app.crud)."""
    from app import db
    from app.input_guard import refused_by_database

    if not refused_by_database(error):
        raise error  # a real fault: Flask's own 500 handling
    db.session.rollback()
    log.warning("database refused input on %s: %s", request.path, error)
    return render_error(BadRequest())


def register_error_pages(app) -> None:
    from flask_appbuilder.exceptions import ApplyFilterException
    from sqlalchemy.exc import StatementError

    for code in MESSAGES:
        app.register_error_handler(code, render_error)
    for error in (StatementError, OverflowError, UnicodeEncodeError, ApplyFilterException):
        app.register_error_handler(error, refused_value)
