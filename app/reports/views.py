"""Sổ và báo cáo: the screen where a văn thư or a leader chooses a register or report,
the period and the format, and downloads it (PDF to print, XLSX to work on).

The agency is always the user's own (``app.security.scope``); nothing posted chooses
it. A department head who is neither agency head nor văn thư sees the documents of
their department only."""

from __future__ import annotations

import io
import logging

from flask import abort, request, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired, ValidationError

from app import db
from app.i18n import local_today
from app.models import Register
from app.registry.forms import VietnameseDateField
from app.registry.views import DIRECTION_LABELS
from app.reports import layouts, pdf, queries, xlsx
from app.reports.queries import Period, Scope
from app.security.roles import AGENCY_HEAD, CLERK, DEPARTMENT_HEAD, SYSTEM_ADMIN
from app.security.scope import current_user, role_names, visible_agency_id

log = logging.getLogger(__name__)

RESOURCE = "Report"
# Roles that read the registers of the whole agency; a department head otherwise sees
# the part of their unit.
AGENCY_WIDE = frozenset({AGENCY_HEAD, CLERK, SYSTEM_ADMIN})
FORMATS = {
    "pdf": ("application/pdf", pdf.render),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.render),
}


def optional_int(value):
    return int(value) if value not in (None, "") else None


class ReportForm(DynamicForm):
    kind = SelectField(_l("Register or report"), choices=lambda: [
        (key, str(kind.title)) for key, kind in layouts.KINDS.items()])
    date_from = VietnameseDateField(_l("From"), [InputRequired()])
    date_to = VietnameseDateField(_l("To"), [InputRequired()])
    register = SelectField(_l("Document register"), coerce=optional_int, description=_l(
        "Registers and the follow-up book only; leave empty for every register."))
    file_format = SelectField(_l("File format"), choices=[
        ("pdf", _l("PDF (to print)")), ("xlsx", _l("Excel (XLSX)"))])

    def validate_date_to(self, field) -> None:
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date cannot be before the start date."))


def report_scope(user) -> Scope | None:
    """The user's own agency (a province-wide user's too), and their department when
    they read reports as a department head only; None when they may see nothing."""
    agency_id = visible_agency_id(RESOURCE, "read", user)
    if agency_id is False or user is None:
        return None
    agency_id = agency_id or user.agency_id
    if not agency_id:
        return None
    names = role_names(user)
    if DEPARTMENT_HEAD in names and not names & AGENCY_WIDE:
        return Scope(agency_id, user.department_id) if user.department_id else None
    return Scope(agency_id)


def register_label(register: Register) -> str:
    return f"{register.name} ({register.year}) — {DIRECTION_LABELS[register.direction]}"


def wrong_register(form: ReportForm, registers: dict[int, Register]) -> bool:
    """A register limits the registers and the follow-up book; it must run the same
    way (đến or đi) as the one chosen."""
    direction = layouts.KINDS[form.kind.data].direction
    register = registers.get(form.register.data)
    if register is None or direction is None or register.direction == direction:
        return False
    form.register.errors = list(form.register.errors) + [str(
        _l("Choose a register of incoming documents for this report.")
        if direction.value == "incoming" else
        _l("Choose a register of outgoing documents for this report."))]
    return True


class ReportView(BaseView):
    route_base = "/reports"
    class_permission_name = RESOURCE
    method_permission_name = {"index": "read"}
    base_permissions = ["can_read"]
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        scope = report_scope(current_user())
        if scope is None:
            abort(403)
        registers = {r.id: r for r in queries.agency_registers(db.session, scope.agency_id)}
        form = ReportForm()
        form.register.choices = [("", str(_l("All registers")))] + [
            (r.id, register_label(r)) for r in registers.values()]
        if request.method == "GET":
            today = local_today()
            form.date_from.data, form.date_to.data = today.replace(month=1, day=1), today
        elif form.validate() and not wrong_register(form, registers):
            register_id = form.register.data if layouts.KINDS[form.kind.data].direction else None
            return self.download(form, scope, register_id)
        else:
            log.info("refused report request: %s", form.errors)
        return self.render_template(
            "eoffice/reports.html", form=form, title=_l("Reports and registers"),
            department_only=scope.department_id is not None, appbuilder=self.appbuilder,
        )

    def download(self, form: ReportForm, scope: Scope, register_id: int | None):
        period = Period(form.date_from.data, form.date_to.data)
        report = layouts.build(form.kind.data, layouts.Request(
            db.session, scope, period, local_today(), register_id))
        mimetype, render = FORMATS[form.file_format.data]
        log.info("report %s %s..%s (%s) for agency %s, department %s", form.kind.data,
                 period.start, period.end, form.file_format.data, scope.agency_id,
                 scope.department_id)
        response = send_file(io.BytesIO(render(report)), mimetype=mimetype, as_attachment=True,
                             download_name=report.filename(form.file_format.data), max_age=0)
        response.headers["Cache-Control"] = "no-store, private"
        return response


def register_views(appbuilder) -> None:
    from app.menu import N_

    appbuilder.add_view(ReportView, "Reports and registers", label=N_("Reports and registers"),
                        icon="fa-print", category="Reports", category_label=N_("Reports"),
                        category_icon="fa-bar-chart")
