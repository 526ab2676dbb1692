"""Error pages in the user's language, inside the app's layout (JSON under /api/)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered."),
    403: _l("You do not have permission to open this page."),
    404: _l("This page does not exist, or it belongs to another agency."),
    405: _l("This action is not allowed here."),
    500: _l("Something went wrong on our side. The error has been logged; please try again."),
}


def render_error(error: HTTPException):
    code = error.code or 500
    message = str(MESSAGES.get(code, error.description))
    if request.path.startswith("/api/"):
        return jsonify(message=message), code
    page = render_template(
        "eoffice/error.html",
        appbuilder=current_app.appbuilder,
        code=code,
        message=message,
    )
    return page, code


def register_error_pages(app) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, render_error)
