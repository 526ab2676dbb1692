"""Base classes for the agency-scoped screens (ModelView) and REST APIs (ModelRestApi).

They add what Flask-AppBuilder leaves open (see ``shared/design/architecture.md``):
- one permission pair per resource, ``can_read``/``can_write``, shared by view and API;
- actions run only on rows the base filters let through;
- no generic ``/download/<filename>`` route;
- a domain check (``prepare``) before every save, from a form or from the API, that
  forces the owning agency and refuses bad input with field-level messages;
- validation problems answered as a structured 400, never a half-written row.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import abort, current_app, flash, redirect, request
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.baseviews import expose
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app import api_spec
from app.i18n import display_formatters
from app.input_guard import guard_schema, known_id, page_errors, refused_by_database
from app.security.scope import foreign_rows, posted_rows
from app.validation import DomainValidationError, raise_if_errors

log = logging.getLogger(__name__)

# Flask-AppBuilder method name -> the verb a role needs on the resource.
READ_WRITE_METHODS = {
    # ModelView
    "list": "read",
    "show": "read",
    "add": "write",
    "edit": "write",
    "delete": "write",
    # ModelRestApi
    "get": "read",
    "get_list": "read",
    "info": "read",
    "related": "read",
    "distinct": "read",
    "post": "write",
    "put": "write",
    "bulk_delete": "write",
}


def checked_prepare(view: Any, item: Any) -> None:
    """Run ``view.prepare``; on refusal roll back whatever the form or schema already
    copied onto the row, log it, and let the caller report the errors."""
    try:
        with view.datamodel.session.no_autoflush:
            posted = posted_rows(item)  # before prepare forces the agency and flushes
            view.prepare(item)
            raise_if_errors(foreign_rows(item, posted))
    except DomainValidationError as error:
        view.datamodel.session.rollback()
        log.info("refused %s input: %s", view.__class__.__name__, error.errors)
        raise


class ScopedViewMixin:
    """What every agency-scoped screen adds to a Flask-AppBuilder ModelView."""

    method_permission_name = READ_WRITE_METHODS
    # Attachments are served by an access-checked route, never by FAB's download.
    exclude_route_methods = {"download"}
    page_size = 25

    def __init__(self, **kwargs: Any) -> None:
        self.formatters_columns = {
            **display_formatters(self.datamodel.obj),
            **(self.formatters_columns or {}),
        }
        super().__init__(**kwargs)

    def prepare(self, item: Any) -> None:
        """Force server-side values and run the domain checks; raise
        DomainValidationError to refuse. Override per resource."""

    def pre_add(self, item: Any) -> None:
        checked_prepare(self, item)
        super().pre_add(item)

    def pre_update(self, item: Any) -> None:
        checked_prepare(self, item)
        super().pre_update(item)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any):
        """Like FAB's, but an action only reaches rows the scope lets through, and an
        unknown action is a 404 (FAB's answers 500)."""
        if name not in self.actions:
            abort(404)
        if self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters) is None:
            abort(404)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        for pk in request.form.getlist("rowid"):
            if self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters) is None:
                flash(str(_l("Access is Denied")), "danger")
                return redirect(".")
        return super().action_post()


class ScopedModelView(ScopedViewMixin, ModelView):
    """A screen over agency-owned rows."""


def not_an_object() -> bool:
    """A JSON body that is not an object (a list, ``null``, or not JSON at all)."""
    return request.is_json and not isinstance(request.get_json(silent=True), dict)


class ScopedModelApi(ModelRestApi):
    """A REST API over agency-owned rows, answering bad input with a structured 400:
    ``{"message": "...", "errors": {"field": ["..."]}}``."""

    method_permission_name = READ_WRITE_METHODS
    allow_browser_login = True
    page_size = 25
    # Fields the server fills when a caller leaves them out: relations ``prepare`` sets
    # (the owning agency) and columns with a default (urgency "normal").
    server_filled: tuple[str, ...] = ()

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        for schema in (self.add_model_schema, self.edit_model_schema):
            guard_schema(schema)  # ids of existing rows, storable text and numbers
            for name in self.server_filled:
                if name in schema.fields:
                    schema.fields[name].required = False

    def prepare(self, item: Any) -> None:
        """Same contract as ScopedModelView.prepare."""

    def pre_add(self, item: Any) -> None:
        checked_prepare(self, item)

    def pre_update(self, item: Any) -> None:
        checked_prepare(self, item)

    def response_422(self, message: Any = None):
        return self._invalid(message if isinstance(message, dict) else {"_schema": [str(message)]})

    def _invalid(self, errors: dict):
        log.info("refused %s %s input: %s", self.__class__.__name__, request.path, errors)
        self.datamodel.session.rollback()
        return self.response(400, message=str(_l("The data is not valid.")), errors=errors)

    def post_headless(self):
        if not_an_object():
            return self._invalid({"_schema": [str(_l("Invalid input."))]})
        try:
            return super().post_headless()
        except DomainValidationError as error:
            return self._invalid(error.errors)

    def put_headless(self, pk: Any):
        if known_id(pk) is None:
            return self.response_404()
        if not_an_object():  # FAB's merge with the row expects one
            return self._invalid({"_schema": [str(_l("Invalid input."))]})
        try:
            return super().put_headless(pk)
        except DomainValidationError as error:
            return self._invalid(error.errors)

    def get_headless(self, pk: Any, **kwargs: Any):
        if known_id(pk) is None:
            return self.response_404()
        return super().get_headless(pk, **kwargs)

    def delete_headless(self, pk: Any):
        if known_id(pk) is None:
            return self.response_404()
        return super().delete_headless(pk)

    def get_list_headless(self, **kwargs: Any):
        max_size = self.max_page_size or current_app.config["FAB_API_MAX_PAGE_SIZE"]
        errors = page_errors(kwargs.get("rison", {}), max_size)
        if errors:
            return self._invalid(errors)
        try:
            return super().get_list_headless(**kwargs)
        except Exception as error:
            if refused_by_database(error):  # e.g. a filter value out of range
                return self._refused(error, "q")
            raise

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        """FAB's, plus the input a step declares with ``app.api_spec`` decorators."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func,
                                 **kwargs)
        for method in methods or ():
            documented = api_spec.operation(func, method.lower(), getattr(func, "_urls", ()))
            if documented and not operations.get(method.lower()):
                operations[method.lower()] = documented

    def response_500(self, message: Any = None):
        """FAB's ``@safe`` answers every exception with a 500. A value the database
        cannot store or compare is the caller's mistake: 400, after a rollback."""
        error = sys.exc_info()[1]
        if error is not None and refused_by_database(error):
            return self._refused(error)
        return super().response_500(message)

    def response_400(self, message: Any = None):
        """FAB's own refusals (not JSON, bad rison, unknown filter or order column) in the
        same shape as the others; on a read they are about its ``q`` argument."""
        field = "q" if request.method == "GET" else "_schema"
        return self._invalid({field: [str(message or _l("The data is not valid."))]})

    def _refused(self, error: Exception, field: str = "_schema"):
        log.warning("database refused %s input: %s", self.__class__.__name__, error)
        return self._invalid({field: [str(_l(
            "The database cannot store or compare a value given; please check it."))]})


def enum_select_field(label, labels: dict, description=None) -> SelectField:
    """A select of an enum's members shown by their translated labels; the form's data
    is the enum member, so FAB's populate_obj stores it as is."""
    enum_class = type(next(iter(labels)))

    def coerce(value: Any):
        if value in (None, ""):
            return None
        return value if isinstance(value, enum_class) else enum_class(value)

    return SelectField(
        label,
        choices=lambda: [(member.value, str(text)) for member, text in labels.items()],
        coerce=coerce,
        description=description,
    )


def label_formatter(labels: dict):
    """``formatters_columns`` entry showing an enum member by its translated label."""
    return lambda value: str(labels.get(value, value or ""))
