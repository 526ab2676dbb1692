"""Screens of leaving and moving (QĐ 778 Đ19.1c, Đ19.2b): the handover wizard of an
agency admin, a user's data export request and download, the agency head's decisions."""

from __future__ import annotations

import logging

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import case

from app import db
from app.accounts import data_export, handover
from app.accounts.export_archive import build_archive
from app.accounts.forms import (
    ChooseLeaverForm,
    ExportDecisionForm,
    ExportRequestForm,
    HandoverForm,
    person_choices,
)
from app.i18n import local_today
from app.models import DataExportRequest, DataExportStatus, UserAccount
from app.registry.views import refuse
from app.security.scope import can_manage_user
from app.validation import DomainValidationError

log = logging.getLogger(__name__)

EXPORT_STATUS_LABELS = {
    DataExportStatus.pending: _l("Waiting for the agency head"),
    DataExportStatus.approved: _l("Approved"),
    DataExportStatus.rejected: _l("Rejected"),
}
REQUESTS_SHOWN = 200


def _posted():
    return request.form if request.method == "POST" else None


class HandoverView(BaseView):
    """Bàn giao và nghỉ việc: choose the person leaving, see what they hold, choose the
    successor, confirm. Only accounts the admin may manage (their agency's; protected
    accounts only for a province-wide admin); anything else is a 404."""

    route_base = "/handover"
    class_permission_name = "Handover"
    method_permission_name = {"choose": "write", "review": "write"}
    base_permissions = ["can_read", "can_write"]
    default_view = "choose"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def choose(self):
        form = ChooseLeaverForm.refresh(_posted())
        form.leaver.choices = person_choices(handover.leaver_choices(db.session, g.user))
        if request.method == "POST" and form.validate():
            leaver = db.session.get(UserAccount, form.leaver.data) if form.leaver.data else None
            if leaver is None or not can_manage_user(leaver) or leaver.id == g.user.id:
                form.leaver.errors = list(form.leaver.errors) + [
                    str(_l("Choose an account of your agency."))]
            else:
                return redirect(url_for("HandoverView.review", user_id=leaver.id))
        return self.render_template("accounts/handover_choose.html", form=form,
                                    title=_l("Hand over and leave"), appbuilder=self.appbuilder)

    @expose("/<int:user_id>", methods=["GET", "POST"])
    @has_access
    def review(self, user_id: int):
        leaver = db.session.get(UserAccount, user_id)
        if leaver is None or not can_manage_user(leaver):
            abort(404)
        form = HandoverForm.refresh(_posted())
        if request.method == "POST" and form.validate():
            try:
                report = handover.hand_over(db.session, leaver.id, form.successor.data, g.user)
                db.session.commit()
            except DomainValidationError as error:
                log.info("handover of user %s refused: %s", user_id, error.errors)
                refuse(form, error)
            else:
                successor = db.session.get(UserAccount, report.successor_id)
                flash(str(_l(
                    "%(leaver)s handed over to %(successor)s: %(assignments)s part(s) of the "
                    "work, %(drafts)s draft(s), %(presented)s document(s) to direct. The "
                    "account is closed.",
                    leaver=leaver.get_full_name(), successor=successor.get_full_name(),
                    **report.counts)), "success")
                return redirect(url_for("HandoverView.choose"))
        form.successor.choices = person_choices(handover.successor_choices(db.session, leaver))
        return self.render_template(
            "accounts/handover_review.html", form=form, leaver=leaver,
            holdings=handover.holdings_of(db.session, leaver),
            title=_l("Hand over and leave"), appbuilder=self.appbuilder)


class DataExportView(BaseView):
    """Dữ liệu của tôi: ask for a copy, follow the decision, download it (the requester
    only; anyone else's request is a 404). Yêu cầu xuất dữ liệu: the agency head's list
    of their agency's requests, and the decision."""

    route_base = "/data-export"
    class_permission_name = "DataExport"
    method_permission_name = {"mine": "write", "download": "read", "requests": "approve",
                              "decide": "approve"}
    base_permissions = ["can_read", "can_write", "can_approve"]
    default_view = "mine"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def mine(self):
        form = ExportRequestForm.refresh(_posted())
        if request.method == "POST" and form.validate():
            try:
                data_export.request_export(db.session, g.user, form.reason.data)
                db.session.commit()
            except DomainValidationError as error:
                log.info("data export request of user %s refused: %s", g.user.id, error.errors)
                refuse(form, error)
            else:
                flash(str(_l("Your request is sent to the head of your agency.")), "success")
                return redirect(url_for("DataExportView.mine"))
        rows = data_export.own_requests(db.session, g.user)
        return self.render_template(
            "accounts/data_export_mine.html", form=form, rows=rows,
            status_labels=EXPORT_STATUS_LABELS, available_until=data_export.available_until,
            downloadable=data_export.is_downloadable, title=_l("My data export"),
            appbuilder=self.appbuilder)

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk: int):
        export = data_export.own_request(db.session, g.user, pk)
        if export is None:
            abort(404)
        try:
            data_export.check_download(export)
        except DomainValidationError as error:
            log.info("data export %s download refused: %s", pk, error.errors)
            for messages in error.errors.values():
                for message in messages:
                    flash(message, "danger")
            return redirect(url_for("DataExportView.mine"))
        archive = build_archive(db.session, export.user)
        try:
            data_export.record_download(db.session, export, archive.summary)
            db.session.commit()
        except BaseException:
            archive.file.close()
            db.session.rollback()
            raise
        name = f"du-lieu-{export.user.username}-{local_today():%Y%m%d}.zip"
        response = send_file(archive.file, mimetype="application/zip", as_attachment=True,
                             download_name=name, etag=False, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"  # personal data
        return response

    @expose("/requests/")
    @has_access
    def requests(self):
        pending_first = case((DataExportRequest.status == DataExportStatus.pending, 0), else_=1)
        rows = (data_export.requests_query(db.session, g.user)
                .order_by(pending_first, DataExportRequest.id.desc())
                .limit(REQUESTS_SHOWN).all())
        return self.render_template(
            "accounts/data_export_requests.html", rows=rows, status_labels=EXPORT_STATUS_LABELS,
            title=_l("Data export requests"), appbuilder=self.appbuilder)

    @expose("/requests/<int:pk>", methods=["GET", "POST"])
    @has_access
    def decide(self, pk: int):
        export = data_export.request_to_decide(db.session, g.user, pk)
        if export is None:
            abort(404)
        form = ExportDecisionForm.refresh(_posted())
        if request.method == "POST" and form.validate():
            try:
                data_export.decide(db.session, export, g.user, form.decision.data == "approve",
                                   form.note.data)
                db.session.commit()
            except DomainValidationError as error:
                log.info("data export %s decision refused: %s", pk, error.errors)
                refuse(form, error)
            else:
                flash(str(_l("The decision is recorded and the requester is told.")), "success")
                return redirect(url_for("DataExportView.requests"))
            export = data_export.request_to_decide(db.session, g.user, pk)
        return self.render_template(
            "accounts/data_export_decide.html", form=form, row=export,
            status_labels=EXPORT_STATUS_LABELS, title=_l("Data export request"),
            appbuilder=self.appbuilder)


def register_views(appbuilder) -> None:
    from app.menu import N_
    from app.registry.views import EVENT_LABELS

    # The history entry written on each document a handover touches.
    EVENT_LABELS.setdefault(handover.HISTORY_ACTION, _l("Handed over"))
    appbuilder.add_view(HandoverView, "Hand over and leave", label=N_("Hand over and leave"),
                        icon="fa-exchange", category="Directory")
    appbuilder.add_view(DataExportView, "My data export", label=N_("My data export"),
                        icon="fa-download", category="Directory")
    appbuilder.add_link("Data export requests", label=N_("Data export requests"),
                        href="/data-export/requests/", icon="fa-check-square-o",
                        category="Directory")
