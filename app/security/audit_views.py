"""Nhật ký hệ thống on screen and in the REST API (QĐ 778 Đ19.2c): read-only.

Operators and auditors read every agency's entries, an agency admin their own agency's
(``scoped("AuditLog")``); nobody adds, edits or deletes one. The list filters by time
(Vietnamese calendar days), event, who, agency, object and address, newest first, and
exports what it shows as CSV or XLSX. Operators check the hash chain from here too.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_appbuilder import ModelRestApi, expose
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter, get_field_setup_query
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select
from wtforms import SelectField, StringField

from app import db
from app.crud import ScopedModelView
from app.i18n import to_local, utcnow
from app.models import Agency, AuditEntry
from app.security import audit_export
from app.security.audit import AuditEvent, record_audit, verify_chain
from app.security.scope import current_user, is_province_wide, scoped, visible_agency_id

log = logging.getLogger(__name__)

RESOURCE = "AuditLog"
READ_ONLY_METHODS = {"list": "read", "show": "read", "export": "read", "verify": "read",
                     "get": "read", "get_list": "read", "info": "read"}
# Rows an XLSX copy may hold; more is CSV only (the workbook is built on disk, but a
# very large one takes long to write and to open).
DEFAULT_XLSX_MAX_ROWS = 100_000

LABELS = {
    "id": _l("Entry"),
    "at": _l("Time"),
    "event": _l("Event"),
    "actor_id": _l("User ID"),
    "actor_name": _l("Done by"),
    "agency_id": _l("Agency"),
    "target": _l("Object"),
    "ip": _l("IP address"),
    "detail": _l("Details"),
    "prev_hash": _l("Previous entry's hash"),
    "entry_hash": _l("Entry hash"),
}


# --- Filters --------------------------------------------------------------------------


def _refuse(query, message: Any):
    """A filter value that makes no sense: show nothing, and say why (a flashed
    message on screen, a 400 in the API)."""
    errors = g.setdefault("audit_filter_errors", [])
    if str(message) not in errors:
        errors.append(str(message))
    return query.filter(false())


def pop_filter_errors() -> list[str]:
    return g.pop("audit_filter_errors", [])


def _text(value: Any) -> str | None:
    """A filter value as text; None for lists, objects and the like."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip()


class AuditFilter(BaseFilter):
    """One filter on a text column: ``how`` is eq, starts or contains. Values that are
    not text are refused instead of reaching the database."""

    how = "eq"

    def apply(self, query, value):
        text = _text(value)
        if text is None:
            return _refuse(query, _l("This filter needs a text value."))
        if text == "":
            return query
        query, field = get_field_setup_query(query, self.model, self.column_name)
        if self.how == "starts":
            return query.filter(field.like(f"{audit_export.like_escape(text)}%", escape="\\"))
        if self.how == "contains":
            return query.filter(field.ilike(f"%{audit_export.like_escape(text)}%", escape="\\"))
        return query.filter(field == text)


class EventIs(AuditFilter):
    name = _l("Is")
    arg_name = "event_is"


class ActorContains(AuditFilter):
    name = _l("Contains")
    arg_name = "actor_has"
    how = "contains"


class ActorIs(AuditFilter):
    name = _l("Is")
    arg_name = "actor_is"


class TargetIs(AuditFilter):
    name = _l("Is")
    arg_name = "target_is"


class TargetStartsWith(AuditFilter):
    name = _l("Starts with")
    arg_name = "target_starts"
    how = "starts"


class AddressStartsWith(AuditFilter):
    name = _l("Starts with")
    arg_name = "ip_starts"
    how = "starts"


class AddressIs(AuditFilter):
    name = _l("Is")
    arg_name = "ip_is"


class DetailContains(AuditFilter):
    name = _l("Contains")
    arg_name = "detail_has"
    how = "contains"


class AgencyIs(BaseFilter):
    name = _l("Is")
    arg_name = "agency_is"

    def apply(self, query, value):
        text = _text(value)
        if text == "":
            return query
        try:
            agency_id = int(text or "")
        except ValueError:
            agency_id = None
        if agency_id is None or not 0 < agency_id < 2**31:  # an INTEGER column
            return _refuse(query, _l("Choose an agency from the list."))
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field == agency_id)


class DayFilter(BaseFilter):
    """Entries from (or up to and including) a day of the Vietnamese calendar."""

    until = False

    def apply(self, query, value):
        text = _text(value)
        if text == "":
            return query
        day = audit_export.parse_day(text)
        if day is None:
            return _refuse(query, _l("Enter the day as dd/mm/yyyy, e.g. 05/03/2026."))
        query, field = get_field_setup_query(query, self.model, self.column_name)
        if self.until:
            return query.filter(field < audit_export.day_start_utc(day + dt.timedelta(days=1)))
        return query.filter(field >= audit_export.day_start_utc(day))


class FromDay(DayFilter):
    name = _l("From day (dd/mm/yyyy)")
    arg_name = "from_day"


class ToDay(DayFilter):
    name = _l("Up to day (dd/mm/yyyy)")
    arg_name = "to_day"
    until = True


FILTERS = {
    "at": (FromDay, ToDay),
    "event": (EventIs,),
    "actor_name": (ActorContains, ActorIs),
    "agency_id": (AgencyIs,),
    "target": (TargetIs, TargetStartsWith),
    "ip": (AddressStartsWith, AddressIs),
    "detail": (DetailContains,),
}
SEARCH_COLUMNS = list(FILTERS)


class AuditFilterConverter(SQLAFilterConverter):
    """The filters above for the log's columns; FAB's own for anything else."""

    def convert(self, col_name):
        if col_name in FILTERS:
            return [flt(col_name, self.datamodel) for flt in FILTERS[col_name]]
        return super().convert(col_name)


class AuditInterface(SQLAInterface):
    filter_converter_class = AuditFilterConverter


def agency_choices() -> list[tuple[str, str]]:
    """Agencies the user may filter on: every one for province-wide readers, else theirs."""
    scope = visible_agency_id(RESOURCE, "read")
    query = select(Agency.id, Agency.name).order_by(Agency.name)
    if scope is False:
        return []
    if scope is not None:
        query = query.where(Agency.id == scope)
    return [("", "")] + [(str(i), name) for i, name in db.session.execute(query).all()]


def search_fields() -> dict[str, Any]:
    day = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}
    return {
        "at": StringField(LABELS["at"], widget=BS3TextFieldWidget(), render_kw=day),
        "event": SelectField(LABELS["event"], widget=Select2Widget(),
                             choices=lambda: [("", "")] + audit_export.event_choices()),
        "agency_id": SelectField(LABELS["agency_id"], widget=Select2Widget(),
                                 choices=agency_choices),
        "detail": StringField(LABELS["detail"], widget=BS3TextFieldWidget()),
    }


# --- Display --------------------------------------------------------------------------


def agency_name(agency_id: int | None) -> str:
    if agency_id is None:
        return ""
    names = g.get("audit_agency_names")
    if names is None:
        names = g.audit_agency_names = audit_export.agency_names(db.session)
    return names.get(agency_id, f"#{agency_id}")


FORMATTERS = {
    "at": audit_export.format_at,
    "event": audit_export.event_label,
    "actor_name": audit_export.actor_label,
    "agency_id": agency_name,
    "detail": audit_export.readable_detail,
}


def may_verify(user=None) -> bool:
    """Checking the whole chain is for those who read the whole log."""
    user = user if user is not None else current_user()
    return user is not None and is_province_wide(user, RESOURCE)


def describe_filters(filters) -> list[str]:
    described = []
    for flt, value in filters.get_filters_values():
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(str(v) for v in values)
        described.append(f"{LABELS.get(flt.column_name, flt.column_name)} {flt.name}: {shown}")
    return described


class AuditLogView(ScopedModelView):
    """Nhật ký hệ thống: list, show, export, verify. No route writes anything."""

    route_base = "/auditlog"
    datamodel = AuditInterface(AuditEntry)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY_METHODS
    base_permissions = ["can_read"]
    include_route_methods = {"list", "show", "export", "verify"}
    base_filters = scoped(RESOURCE)
    base_order = ("id", "desc")  # newest first (ix_audit_entry_* end in id)
    page_size = 50
    list_title = _l("Audit log")
    show_title = _l("Audit log entry")
    list_template = "eoffice/audit_list.html"
    label_columns = LABELS
    list_columns = ["at", "event", "actor_name", "agency_id", "target", "ip", "detail"]
    show_columns = ["id", "at", "event", "actor_name", "actor_id", "agency_id", "target", "ip",
                    "detail", "prev_hash", "entry_hash"]
    order_columns = ["at"]
    search_columns = SEARCH_COLUMNS
    search_form_extra_fields = search_fields()
    formatters_columns = FORMATTERS

    def _with_filters(self, endpoint: str, **values) -> str:
        args = {key: request.args.getlist(key) for key in request.args if key.startswith("_flt_")}
        return url_for(endpoint, **values, **args)

    @expose("/list/")
    @has_access
    def list(self):
        widgets = self._list()
        for message in pop_filter_errors():
            flash(message, "warning")
        return self.render_template(
            self.list_template, title=self.list_title, widgets=widgets,
            csv_url=self._with_filters("AuditLogView.export", file_format="csv"),
            xlsx_url=self._with_filters("AuditLogView.export", file_format="xlsx"),
            verify_url=url_for("AuditLogView.verify") if may_verify() else None)

    @expose("/export/<string:file_format>")
    @has_access
    def export(self, file_format: str):
        """The filtered list, newest first, as a file (Vietnamese headers)."""
        if file_format not in ("csv", "xlsx"):
            abort(404)
        get_filter_args(self._filters)
        query = self.datamodel.apply_filters(
            db.session.query(AuditEntry), self._filters.get_joined_filters(self._base_filters))
        described = describe_filters(self._filters)
        back = redirect(self._with_filters("AuditLogView.list"))
        errors = pop_filter_errors()
        if errors:
            for message in errors:
                flash(message, "warning")
            return back
        count = query.order_by(None).count()
        limit = min(current_app.config.get("EOFFICE_AUDIT_XLSX_MAX_ROWS", DEFAULT_XLSX_MAX_ROWS),
                    audit_export.XLSX_LIMIT)
        if file_format == "xlsx" and count > limit:
            flash(gettext("%(count)s entries are too many for Excel (at most %(limit)s): "
                          "narrow the filter or export as CSV.", count=count, limit=limit),
                  "warning")
            return back
        record_audit(AuditEvent.AUDIT_EXPORTED, target="audit_log",
                     detail={"format": file_format, "rows": count, "filters": described})
        db.session.commit()
        log.info("audit log exported as %s by %s: %s rows, filters %s", file_format,
                 g.user.username, count, described)
        return self._send(file_format, query, described)

    def _send(self, file_format: str, query, described: list[str]):
        agencies = audit_export.agency_names(db.session)
        stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M%S")
        name = f"nhat-ky-he-thong-{stamp}.{file_format}"
        if file_format == "csv":
            chunks = audit_export.csv_chunks(audit_export.newest_first(query), agencies)
            response = Response(
                stream_with_context(chunks),
                mimetype=audit_export.CSV_MIME,
                headers={"Content-Disposition": f'attachment; filename="{name}"'})
        else:
            subtitle = "; ".join(described) or gettext("All entries")
            spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
            audit_export.write_xlsx(audit_export.newest_first(query), agencies, spool,
                                    f"{subtitle} — {audit_export.format_at(utcnow())}")
            spool.seek(0)
            response = send_file(spool, mimetype=audit_export.XLSX_MIME, as_attachment=True,
                                 download_name=name, max_age=0)
        response.headers["Cache-Control"] = "no-store, private"
        return response

    @expose("/verify")
    @has_access
    def verify(self):
        """Kiểm tra chuỗi: walk the whole chain and show the first altered entry."""
        if not may_verify():
            abort(403)
        report = verify_chain(db.session)
        log.info("audit chain checked by %s: %s", g.user.username,
                 "intact" if report.ok else f"altered at {report.first_bad_id}")
        reason = {"link": _l("The link to the previous entry is broken: an entry before it "
                             "was removed or inserted, or changed together with its hash."),
                  "content": _l("The content of this entry was changed.")}
        return self.render_template(
            "eoffice/audit_verify.html", title=_l("Verify the audit log"), report=report,
            reason=reason.get(report.reason_code or ""), format_at=audit_export.format_at,
            event_label=audit_export.event_label, list_url=url_for("AuditLogView.list"),
            appbuilder=self.appbuilder)


class AuditLogApi(ModelRestApi):
    """``/api/v1/auditlog/``: the same entries, scope and filters, GET only."""

    resource_name = "auditlog"
    datamodel = AuditInterface(AuditEntry)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY_METHODS
    base_permissions = ["can_read"]
    include_route_methods = {"get", "get_list", "info"}
    allow_browser_login = True
    base_filters = scoped(RESOURCE)
    base_order = ("id", "desc")
    page_size = 25
    list_columns = show_columns = ["id", "at", "event", "actor_id", "actor_name", "agency_id",
                                   "target", "ip", "detail", "prev_hash", "entry_hash"]
    order_columns = ["id", "at"]
    search_columns = SEARCH_COLUMNS

    def get_list_headless(self, **kwargs):
        response = super().get_list_headless(**kwargs)
        errors = pop_filter_errors()
        if errors:
            log.info("refused audit log filter: %s", errors)
            return self.response(400, message=str(_l("The data is not valid.")),
                                 errors={"filters": errors})
        return response


def register_views(appbuilder) -> None:
    from app.menu import N_

    appbuilder.add_view(AuditLogView, "Audit log", label=N_("Audit log"), icon="fa-history",
                        category="Audit", category_label=N_("Audit"),
                        category_icon="fa-shield")
    appbuilder.add_api(AuditLogApi)
