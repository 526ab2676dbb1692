"""Screens of điều hành: trình and phân công on a văn bản đến (the leader's routing
slip), Việc của tôi, the handler's steps on their part, and the units' workload.

Who may act on a part is decided by ``assignments.holds`` (the person it was given to,
or the head of the department it was given to); what a person sees is limited by
``app.security.scope`` (own-work rule)."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app import db
from app.directory import role_holders
from app.i18n import local_today
from app.input_guard import INT_MAX, known_id
from app.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Department,
    IncomingDocument,
    UserAccount,
)
from app.registry.attachments import accept_all, attach_working_files
from app.registry.views import (
    ACTION_TEMPLATE,
    finish_step,
    incoming_number,
    refuse,
    render_step,
)
from app.routing import assignments, my_work
from app.routing.assignments import Target
from app.routing.forms import (
    AssignForm,
    CompleteForm,
    PresentForm,
    ProgressForm,
    ReplyForm,
    SubAssignForm,
)
from app.routing.reminders import due_soon_until
from app.routing.replies import propose_reply
from app.routing.time_limits import request_calendar, working_days_late
from app.security.roles import AGENCY_HEAD, INCOMING_ALL
from app.security.scope import may_read, role_names
from app.validation import DomainValidationError

ROLES = {role.value for role in AssignmentRole}


def readable_incoming(pk: int) -> IncomingDocument:
    """A văn bản đến the current user may see (agency and own-work rules), else 404."""
    document = db.session.get(IncomingDocument, pk)
    if document is None or not may_read(IncomingDocument, document, "IncomingDocument"):
        abort(404)
    return document


def held_part(part_id: int) -> Assignment:
    """A part the current user answers for; others get 404 (not even its existence)."""
    part = db.session.get(Assignment, part_id)
    if part is None or part.agency_id != g.user.agency_id or not assignments.holds(g.user, part):
        abort(404)
    return part


def parse_target(value: str, agency_id: int) -> tuple[Department | None, UserAccount | None]:
    """``d:12`` is a department, ``u:34`` a person (the slip's choices)."""
    kind, _, key = (value or "").partition(":")
    model = {"d": Department, "u": UserAccount}.get(kind)
    row = db.session.get(model, known_id(key)) if model and known_id(key) else None
    if row is None or row.agency_id != agency_id:
        return None, None
    return (row, None) if kind == "d" else (None, row)


def assignee_choices(agency_id: int) -> list[tuple[str, str]]:
    departments = (db.session.query(Department).filter_by(agency_id=agency_id)
                   .order_by(Department.name))
    people = (db.session.query(UserAccount).filter_by(agency_id=agency_id, active=True)
              .order_by(UserAccount.first_name, UserAccount.last_name))
    return ([("", "")] + [(f"d:{d.id}", d.name) for d in departments]
            + [(f"u:{u.id}", " — ".join(p for p in (u.get_full_name(), u.position) if p))
               for u in people])


def leaders_of(agency_id: int) -> list[UserAccount]:
    return role_holders(db.session, AGENCY_HEAD, agency_id=agency_id,
                        order_by=UserAccount.first_name)


class RoutingView(BaseView):
    """Trình and phân công, steps on a registered văn bản đến."""

    route_base = "/routing"
    class_permission_name = "IncomingDocument"
    method_permission_name = {"present": "register", "assign_form": "assign"}
    base_permissions = list(INCOMING_ALL)

    def _render(self, document, form, title, submit, template=ACTION_TEMPLATE):
        return render_step(self, document, form, title, submit, incoming_number(document),
                           template)

    @expose("/present/<int:pk>", methods=["GET", "POST"])
    @has_access
    def present(self, pk):
        document = readable_incoming(pk)
        form = PresentForm.refresh(request.form if request.method == "POST" else None)
        form.leader.choices = [(u.id, " — ".join(p for p in (u.get_full_name(), u.position) if p))
                               for u in leaders_of(document.agency_id)]
        if request.method == "POST" and form.validate():
            leader = db.session.get(UserAccount, form.leader.data) if form.leader.data else None
            try:
                if leader is None:
                    raise DomainValidationError({"leader": [str(_l("Choose a leader of your agency."))]})
                assignments.present(db.session, document, leader, form.note.data)
                return finish_step(document, _l("Presented to %(name)s.",
                                                name=leader.get_full_name()))
            except DomainValidationError as error:
                refuse(form, error)
        return self._render(document, form, _l("Present to the leader"), _l("Present"))

    @expose("/assign/<int:pk>", methods=["GET", "POST"])
    @has_access
    def assign_form(self, pk):
        """Phiếu giải quyết văn bản đến, block 1: ý kiến chỉ đạo, chủ trì, phối hợp,
        để biết and a deadline for each."""
        document = readable_incoming(pk)
        form = AssignForm.refresh(request.form if request.method == "POST" else None)
        choices = assignee_choices(document.agency_id)
        for row in form.targets:
            row.assignee.choices = choices
            if request.method == "GET" and document.due_date:
                row.deadline.data = document.due_date
        if request.method == "POST" and form.validate():
            try:
                targets = self._targets(form, document)
                created = assignments.assign(db.session, document, form.instruction.data, targets)
                return finish_step(document, _l(
                    "Assigned to %(names)s.", names=", ".join(a.assignee_name for a in created)))
            except DomainValidationError as error:
                refuse(form, error)
        return self._render(document, form, _l("Assign"), _l("Assign"),
                            template="eoffice/assign.html")

    @staticmethod
    def _targets(form, document) -> list[Target]:
        targets, errors = [], []
        for row in form.targets:
            if not row.assignee.data:
                continue
            department, user = parse_target(row.assignee.data, document.agency_id)
            if (department is None and user is None) or row.role.data not in ROLES:
                errors.append(str(_l("Choose units and people from the list.")))
                continue
            targets.append(Target(AssignmentRole(row.role.data), department=department,
                                  user=user, deadline=row.deadline.data))
        if errors:
            raise DomainValidationError({"assignee": errors})
        return targets


class WorkView(BaseView):
    """Việc của tôi, the steps on one's part, and the leaders' view of their units."""

    route_base = "/work"
    class_permission_name = "Work"
    default_view = "index"
    method_permission_name = {
        "index": "read", "units": "follow", "sub_assign": "write", "progress": "write",
        "complete": "write", "reply": "write",
    }
    base_permissions = ["can_read", "can_write", "can_follow"]

    @expose("/")
    @has_access
    def index(self):
        user, today = g.user, local_today()
        sm = self.appbuilder.sm
        tabs = my_work.tab_counts(db.session, user, today)
        # Leaders pick up what was presented to them; the văn thư what is not presented.
        waiting_for = {}
        if sm.has_access("can_assign", "IncomingDocument"):
            waiting_for["to_assign"] = user.id
        if sm.has_access("can_register", "IncomingDocument"):
            waiting_for["to_present"] = None
        tabs = {**{key: my_work.waiting_count(db.session, user.agency_id, presented_to)
                   for key, presented_to in waiting_for.items()}, **tabs}
        tab = request.args.get("tab") or next(iter(tabs))
        page = min(max(request.args.get("page", 0, type=int), 0), INT_MAX // my_work.PAGE_SIZE)
        if tab not in tabs and tab != "done":
            abort(404)
        documents, parts = [], []
        if tab in waiting_for:
            documents = my_work.waiting_documents(db.session, user.agency_id,
                                                  waiting_for[tab], page)
        else:
            parts = my_work.my_parts(db.session, user, tab, today, page)
        more = len(documents or parts) == my_work.PAGE_SIZE
        return self.render_template(
            "eoffice/my_work.html", tabs=tabs, tab=tab, parts=parts, documents=documents,
            today=today, tab_labels=TAB_LABELS, page=page, more=more,
            appbuilder=self.appbuilder,
        )

    @expose("/units")
    @has_access
    def units(self):
        """Leaders see the workload and the overdue work of their units (NĐ 30 Đ24)."""
        user, today = g.user, local_today()
        # "Due soon" means the same here as for the reminders (EOFFICE_REMIND_DAYS_BEFORE).
        soon = due_soon_until(request_calendar(), today,
                              current_app.config["EOFFICE_REMIND_DAYS_BEFORE"])
        department_id = None
        if AGENCY_HEAD not in role_names(user):
            if not user.department_id:
                abort(404)
            department_id = user.department_id
        rows = my_work.unit_workload(db.session, user.agency_id, today, soon, department_id)
        overdue = my_work.overdue_parts(db.session, user.agency_id, today, department_id)
        return self.render_template(
            "eoffice/workload.html", rows=rows, overdue=overdue, today=today, soon=soon,
            department=db.session.get(Department, department_id) if department_id else None,
            appbuilder=self.appbuilder,
        )

    def _render(self, part, form, title, submit):
        return render_step(self, part.incoming, form, title, submit,
                           incoming_number(part.incoming))

    @expose("/part/<int:part_id>/sub-assign", methods=["GET", "POST"])
    @has_access
    def sub_assign(self, part_id):
        """Phiếu giải quyết, block 2: the department head gives the work to an officer."""
        part = held_part(part_id)
        if part.department_id is None:
            abort(404)
        form = SubAssignForm.refresh(request.form if request.method == "POST" else None)
        officers = (db.session.query(UserAccount)
                    .filter_by(department_id=part.department_id, active=True)
                    .order_by(UserAccount.first_name))
        form.officer.choices = [(u.id, u.get_full_name()) for u in officers if u.id != g.user.id]
        if request.method == "GET":
            form.deadline.data = part.deadline
            form.role.data = part.role.value
        if request.method == "POST" and form.validate():
            officer = db.session.get(UserAccount, form.officer.data)
            try:
                if officer is None:
                    raise DomainValidationError(
                        {"officer": [str(_l("Choose an officer of the assigned department."))]})
                assignments.sub_assign(db.session, part, officer, form.deadline.data,
                                       form.instruction.data, AssignmentRole(form.role.data))
                return finish_step(part.incoming, _l("Passed on to %(name)s.", name=officer.get_full_name()))
            except DomainValidationError as error:
                error.errors = {("officer" if k == "assignee" else k): v
                                for k, v in error.errors.items()}
                refuse(form, error)
        return self._render(part, form, _l("Pass on to an officer"), _l("Pass on"))

    @expose("/part/<int:part_id>/progress", methods=["GET", "POST"])
    @has_access
    def progress(self, part_id):
        part = held_part(part_id)
        form = ProgressForm.refresh(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                files = accept_all(request.files.getlist("files"))
                assignments.record_progress(db.session, part, form.note.data)
                attach_working_files(db.session, part, files)
                return finish_step(part.incoming, _l("Progress recorded."))
            except DomainValidationError as error:
                refuse(form, error)
        return self._render(part, form, _l("Record progress"), _l("Save"))

    @expose("/part/<int:part_id>/complete", methods=["GET", "POST"])
    @has_access
    def complete(self, part_id):
        part = held_part(part_id)
        form = CompleteForm.refresh(request.form if request.method == "POST" else None)
        if part.role == AssignmentRole.inform:
            del form.files
        if request.method == "POST" and form.validate():
            try:
                files = accept_all(request.files.getlist("files")) if hasattr(form, "files") else []
                attach_working_files(db.session, part, files)
                assignments.complete(db.session, part, form.note.data)
                return finish_step(part.incoming, _l("Marked as done."))
            except DomainValidationError as error:
                refuse(form, error)
        title = _l("Mark as read") if part.role == AssignmentRole.inform else _l("Complete")
        return self._render(part, form, title, title)

    @expose("/part/<int:part_id>/reply", methods=["GET", "POST"])
    @has_access
    def reply(self, part_id):
        """Đề xuất dự thảo trả lời: a draft văn bản đi answering this document."""
        part = held_part(part_id)
        if not self.appbuilder.sm.has_access("can_write", "OutgoingDocument"):
            abort(403)
        form = ReplyForm.refresh(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                reply = propose_reply(db.session, part, form.subject.data)
                db.session.commit()
                flash(str(_l("Draft reply created: complete it and submit it for approval.")),
                      "success")
                return redirect(url_for("OutgoingDraftView.edit", pk=reply.id))
            except DomainValidationError as error:
                refuse(form, error)
        return self._render(part, form, _l("Propose a reply"), _l("Create the draft"))


TAB_LABELS = {
    "to_present": _l("To present"),
    "to_assign": _l("To assign"),
    "process": _l("To process"),
    "cooperate": _l("To co-operate"),
    "inform": _l("For information"),
    "overdue": _l("Overdue"),
    "done": _l("Done"),
}


def part_actions(part: Assignment) -> list[tuple[str, str]]:
    """The steps the current user may take on a part, for the routing tree."""
    user = getattr(g, "user", None)
    if part.status == AssignmentStatus.completed or not assignments.holds(user, part):
        return []
    security = current_app.appbuilder.sm
    if not security.has_access("can_write", "Work"):
        return []
    if part.role == AssignmentRole.inform:
        return [(url_for("WorkView.complete", part_id=part.id), str(_l("Mark as read")))]
    actions = []
    if part.department_id is not None:
        actions.append((url_for("WorkView.sub_assign", part_id=part.id), str(_l("Pass on"))))
    actions.append((url_for("WorkView.progress", part_id=part.id), str(_l("Progress"))))
    if security.has_access("can_write", "OutgoingDocument"):
        actions.append((url_for("WorkView.reply", part_id=part.id), str(_l("Propose a reply"))))
    actions.append((url_for("WorkView.complete", part_id=part.id), str(_l("Complete"))))
    return actions


def days_late(deadline: dt.date | None, today: dt.date) -> int:
    return working_days_late(request_calendar(), deadline, today)


def register_views(appbuilder) -> None:
    from app.menu import N_

    current_app.jinja_env.globals.update(part_actions=part_actions, days_late=days_late)
    appbuilder.add_view(WorkView, "My work", label=N_("My work"), icon="fa-tasks")
    appbuilder.add_link("Units' workload", href="/work/units", label=N_("Units' workload"),
                        icon="fa-tasks", category="Reports", category_label=N_("Reports"),
                        category_icon="fa-bar-chart")
    appbuilder.add_view_no_menu(RoutingView)
