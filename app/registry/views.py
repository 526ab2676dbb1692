"""The screens a văn thư lives in: Chờ vào sổ, Đã vào sổ, Vào sổ văn bản giấy,
Dự thảo, Chờ phát hành, Đã phát hành; and the access-checked attachment download.

Lists and detail pages are Flask-AppBuilder ModelViews scoped by agency; each step of
the decree (vào sổ, trả lại, trình, duyệt, phát hành, gửi, hủy) is a small form that
calls the registry service, which holds the rule."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app import db
from app.crud import READ_WRITE_METHODS, ScopedModelView, enum_select_field, label_formatter
from app.files.store import get_store
from app.i18n import local_today
from app.models import (
    Agency,
    Attachment,
    Direction,
    IncomingDocument,
    IncomingStatus,
    LegalStatus,
    OutgoingDocument,
    OutgoingStatus,
    Register,
    SigningAuthority,
    Urgency,
)
from app.registry import history, incoming, outgoing
from app.registry.attachments import accept_all, attach, owner_of
from app.registry.catalogues import SECRECY_LABELS, URGENCY_LABELS
from app.registry.forms import (
    CommentForm,
    IssueForm,
    PaperIncomingForm,
    ReasonForm,
    SendForm,
    files_field,
    type_choices,
)
from app.registry.numbering import display_number, format_number, peek_next_number
from app.registry.registers import open_year, prepare_register
from app.routing.assignments import ROUTABLE
from app.security.roles import INCOMING_ALL, OUTGOING_ALL
from app.security.scope import AgencyScopeFilter, may_read, scoped
from app.signatures.documents import main_pdf
from app.signatures.labels import legal_badge
from app.validation import DomainValidationError

INCOMING_STATUS_LABELS = {
    IncomingStatus.arrived: _l("Arrived"),
    IncomingStatus.returned: _l("Returned to sender"),
    IncomingStatus.registered: _l("Registered"),
    IncomingStatus.assigned: _l("Assigned"),
    IncomingStatus.processing: _l("Being processed"),
    IncomingStatus.completed: _l("Completed"),
    IncomingStatus.cancelled: _l("Cancelled"),
}
# What a sender sees per recipient: the national codes of QĐ 28/2018 with their names.
RECIPIENT_STATUS_LABELS = {
    **INCOMING_STATUS_LABELS,
    IncomingStatus.registered: _l("Received"),
}
OUTGOING_STATUS_LABELS = {
    OutgoingStatus.draft: _l("Draft"),
    OutgoingStatus.in_review: _l("In review"),
    OutgoingStatus.approved: _l("Approved"),
    OutgoingStatus.issued: _l("Issued"),
    OutgoingStatus.cancelled: _l("Cancelled"),
}
DIRECTION_LABELS = {Direction.incoming: _l("Incoming"), Direction.outgoing: _l("Outgoing")}
SIGNING_LABELS = {
    SigningAuthority.own: _l("Head of the agency"),
    SigningAuthority.on_behalf: "TM.",
    SigningAuthority.deputy: "KT.",
    SigningAuthority.by_order: "TL.",
    SigningAuthority.by_authorisation: "TUQ.",
    SigningAuthority.acting: "Q.",
}

DOCUMENT_LABELS = {
    "subject": _l("Subject"),
    "document_type": _l("Document type"),
    "urgency": _l("Urgency"),
    "secrecy": _l("Secrecy"),
    "page_count": _l("Pages"),
    "status": _l("Status"),
    "author": _l("Author (issuing agency)"),
    "code": _l("Number and notation"),
    "document_date": _l("Document date"),
    "signer_name": _l("Signed by"),
    "arrival_number": _l("Arrival number"),
    "arrival_date": _l("Arrival date"),
    "arrived_at": _l("Arrived at"),
    "due_date": _l("Deadline"),
    "to_places": _l("Units or people receiving it"),
    "register": _l("Document register"),
    "return_reason": _l("Reason for returning"),
    "drafting_department": _l("Drafting unit"),
    "signing_authority": _l("Signing authority"),
    "issued_amount": _l("Copies"),
    "issued_date": _l("Issue date"),
    "number_display": _l("Number and notation"),
    "created_at": _l("Created at"),
    "cancel_reason": _l("Reason for cancelling"),
    "description": _l("Note"),
    "replaces": _l("Replaces or amends"),
    "time_limit": _l("Time limit"),
    "legal_status": _l("Legal status"),
}
def time_limit_badge(limit) -> Markup:
    """A time limit of NĐ 30 as a badge: red when missed, amber when it is today."""
    if not limit:
        return Markup("")
    style = "label-danger" if limit.late else ("label-warning" if limit.today else "label-default")
    return Markup('<span class="label {} time-limit">{}</span>').format(style, str(limit))


INCOMING_FORMATTERS = {
    "legal_status": legal_badge,
    "time_limit": time_limit_badge,
    "urgency": label_formatter(URGENCY_LABELS),
    "secrecy": label_formatter(SECRECY_LABELS),
    "status": label_formatter(INCOMING_STATUS_LABELS),
    "arrival_number": lambda n: format_number(n) if n else "",
}
OUTGOING_FORMATTERS = {
    "legal_status": legal_badge,
    "urgency": label_formatter(URGENCY_LABELS),
    "secrecy": label_formatter(SECRECY_LABELS),
    "status": label_formatter(OUTGOING_STATUS_LABELS),
    "signing_authority": label_formatter(SIGNING_LABELS),
}
INCOMING_METHODS = {
    **READ_WRITE_METHODS,
    "register_form": "register",
    "return_form": "register",
    "paper": "register",
}
OUTGOING_METHODS = {
    **READ_WRITE_METHODS,
    "review": "write",
    "approve_form": "approve",
    "issue_form": "issue",
    "send_form": "issue",
    "cancel_form": "issue",
}


# Lists whose rows change only through the decree's steps, never FAB's generic forms: the
# routes are gone and, with no permission mapped, FAB hides their buttons too.
NO_GENERIC_FORMS = {"download", "add", "edit", "delete"}


def without(methods: dict, names) -> dict:
    """A permission map without some methods: FAB then hides their buttons too."""
    return {name: verb for name, verb in methods.items() if name not in names}


def not_in(*statuses):
    """``FilterInFunction`` value: every status except ``statuses``."""
    return lambda: [s for s in type(statuses[0]) if s not in statuses]


def register_choices(agency_id: int, direction: Direction, year: int):
    registers = open_year(db.session, agency_id, direction, year)
    db.session.commit()
    return registers, [
        (r.id, str(_l("%(register)s — next number %(number)s", register=r.name,
                      number=format_number(peek_next_number(r)))))
        for r in registers
    ]


def refuse(form, error: DomainValidationError) -> None:
    """Put a service's refusal on the form: beside its field, or at the top."""
    db.session.rollback()
    for field, messages in error.errors.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + messages
        else:
            for message in messages:
                flash(message, "danger")


# Button styles of the steps on a document page; destructive steps stand apart in red.
PRIMARY, DEFAULT, DANGER = "btn-primary", "btn-default", "btn-danger"


def page_of(document) -> str:
    """The screen where a document now lives, by its state."""
    if isinstance(document, IncomingDocument):
        if document.status == IncomingStatus.arrived:
            return url_for("IncomingPendingView.show", pk=document.id)
        if document.status == IncomingStatus.returned:
            return url_for("IncomingPendingView.list")
        return url_for("IncomingRegisteredView.show", pk=document.id)
    view = {
        OutgoingStatus.draft: "OutgoingDraftView",
        OutgoingStatus.in_review: "OutgoingDraftView",
        OutgoingStatus.approved: "OutgoingPendingView",
    }.get(document.status, "OutgoingIssuedView")
    return url_for(f"{view}.show", pk=document.id)


class UrgentFirst(SQLAInterface):
    """Every document list puts Hỏa tốc, Thượng khẩn and Khẩn on top (by ``priority``,
    indexed with the agency and status), then the order the user chose."""

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if not hasattr(self.obj, "priority"):  # FAB reuses the class for related models
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        query = query.order_by(self.obj.priority.desc())
        return super().apply_order_by(query, order_column or "id",
                                      order_direction or "desc", *args, **kwargs)


ACTION_TEMPLATE = "eoffice/document_action.html"


def incoming_number(document) -> str:
    """Số và ký hiệu of a văn bản đến as it arrived (12/UBND-VP)."""
    return "/".join(p for p in (document.code_number, document.code_notation) if p)


def render_step(view, document, form, title, submit_label, number: str = "",
                template: str = ACTION_TEMPLATE, extra=None):
    """The page of one step on a document: its number and subject above the form."""
    return view.render_template(
        template, document=document, form=form, title=title, submit_label=submit_label,
        number=number, extra=extra or {}, appbuilder=view.appbuilder,
        # A real link: the CSP allows no javascript: URLs.
        back_url=page_of(document) if document is not None else view.get_redirect(),
    )


def finish_step(document, message):
    """A step is done: commit it, say so, and show the document where it now lives."""
    db.session.commit()
    flash(str(message), "success")
    return redirect(page_of(document))


class DocumentViewMixin:
    """Detail page with attachments, history and action buttons; forms for the steps."""

    show_template = "eoffice/document_show.html"
    action_template = ACTION_TEMPLATE

    def scoped_item(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.scoped_item(pk)
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            appbuilder=self.appbuilder, related_views=self._related_views, document=item,
            events=history.history_of(db.session, item), steps=self.allowed_steps(item),
            number=self.number_of(item), tree=self.tree_of(item),
            part_files=self.part_files_of(item),
        )

    @staticmethod
    def part_files_of(item) -> dict:
        """Working files (tệp xử lý) by the part of the work they belong to."""
        files: dict = {}
        for attachment in getattr(item, "working_files", []):
            files.setdefault(attachment.assignment_id, []).append(attachment)
        return files

    def tree_of(self, item) -> list:
        """The routing tree of a văn bản đến (phân công and sub-assignments)."""
        if not isinstance(item, IncomingDocument):
            return []
        from app.routing.assignments import routing_tree

        return routing_tree(db.session, item)

    def render_action(self, item, form, title, submit_label, extra=None):
        return render_step(self, item, form, title, submit_label,
                           self.number_of(item) if item else "", self.action_template, extra)

    def done(self, item, message):
        return finish_step(item, message)

    def steps(self, item) -> list[tuple[str, str, str, str]]:
        """(url, label, button style, permission needed) of the next steps."""
        return []

    def allowed_steps(self, item) -> list[tuple[str, str, str]]:
        """Only the steps this user may take are offered."""
        sm = self.appbuilder.sm
        return [
            (url, label, style) for url, label, style, permission in self.steps(item)
            if sm.has_access(permission, self.class_permission_name)
        ]

    def number_of(self, item) -> str:
        return ""


# --- Văn bản đến ---------------------------------------------------------------------------


class IncomingBaseView(DocumentViewMixin, ScopedModelView):
    datamodel = UrgentFirst(IncomingDocument)
    class_permission_name = "IncomingDocument"
    method_permission_name = without(INCOMING_METHODS, NO_GENERIC_FORMS)
    exclude_route_methods = NO_GENERIC_FORMS
    base_permissions = list(INCOMING_ALL)
    base_order = ("id", "desc")
    formatters_columns = INCOMING_FORMATTERS
    # FAB's search form cannot show enums stored by value; status and urgency have their
    # own lists, and full-text search is app.registry.search.
    search_columns = ["arrival_date", "document_date", "document_type", "legal_status"]
    show_columns = [
        "status", "arrival_number", "arrival_date", "register", "author", "code_number",
        "code_notation", "document_date", "document_type", "subject", "signer_name",
        "urgency", "page_count", "due_date", "to_places", "return_reason", "arrived_at",
    ]
    label_columns = {**DOCUMENT_LABELS, "code_number": _l("Number"), "code_notation": _l("Notation")}

    def number_of(self, item) -> str:
        return incoming_number(item)

    def steps(self, item):
        if item.status == IncomingStatus.arrived:
            return [
                (url_for("IncomingPendingView.register_form", pk=item.id),
                 _l("Enter in the register"), PRIMARY, "can_register"),
                (url_for("IncomingPendingView.return_form", pk=item.id), _l("Return to sender"),
                 DANGER, "can_register"),
            ]
        steps = []
        if item.status in ROUTABLE:
            steps.append((url_for("RoutingView.assign_form", pk=item.id), _l("Assign"), PRIMARY,
                          "can_assign"))
        if item.status == IncomingStatus.registered:
            steps.append((url_for("RoutingView.present", pk=item.id),
                          _l("Present to the leader"), DEFAULT, "can_register"))
        return steps


class IncomingPendingView(IncomingBaseView):
    """Chờ vào sổ: arrived from another agency, or typed in, waiting for the văn thư."""

    route_base = "/incoming/pending"
    list_title = _l("Waiting for registration")
    show_title = _l("Incoming document")
    base_filters = scoped("IncomingDocument") + [["status", FilterEqual, IncomingStatus.arrived]]
    list_columns = ["urgency", "arrived_at", "author", "code_notation", "subject", "due_date",
                    "time_limit", "legal_status"]

    def fill_form(self, form, item, agency_id: int):
        form.document_type.choices = type_choices()
        registers, form.register.choices = register_choices(
            agency_id, Direction.incoming, local_today().year)
        if request.method == "GET":
            for name in ("author", "code_number", "code_notation", "document_date", "subject",
                         "signer_name", "page_count", "due_date", "to_places"):
                getattr(form, name).data = getattr(item, name, None) if item else None
            form.document_type.data = item.document_type_id if item else None
            form.urgency.data = (item.urgency if item else Urgency.normal).value
            form.arrival_date.data = local_today()
            form.register.data = registers[0].id
        return registers

    def copy_form(self, form, item) -> None:
        for name in ("author", "code_number", "code_notation", "document_date", "subject",
                     "signer_name", "page_count", "due_date", "to_places"):
            setattr(item, name, getattr(form, name).data or None)
        item.document_type_id = form.document_type.data
        item.urgency = Urgency(form.urgency.data)
        item.secrecy = form.secrecy.data

    @expose("/register/<pk>", methods=["GET", "POST"])
    @has_access
    def register_form(self, pk):
        item = self.scoped_item(pk)
        form = PaperIncomingForm.refresh(request.form if request.method == "POST" else None)
        del form.files
        self.fill_form(form, item, item.agency_id)
        if request.method == "POST" and form.validate():
            try:
                self.copy_form(form, item)
                incoming.register(db.session, item, form.register.data, form.arrival_date.data)
                return self.done(item, _l("Registered with arrival number %(n)s.",
                                          n=format_number(item.arrival_number)))
            except DomainValidationError as error:
                refuse(form, error)
        return self.render_action(item, form, _l("Register incoming document"),
                                  _l("Enter in the register"))

    @expose("/return/<pk>", methods=["GET", "POST"])
    @has_access
    def return_form(self, pk):
        item = self.scoped_item(pk)
        form = ReasonForm.refresh(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                incoming.return_to_sender(db.session, item, form.reason.data)
                db.session.commit()
                flash(str(_l("Returned to the sender.")), "success")
                return redirect(url_for("IncomingPendingView.list"))
            except DomainValidationError as error:
                refuse(form, error)
        return self.render_action(item, form, _l("Return to sender"), _l("Return"))

    @expose("/paper", methods=["GET", "POST"])
    @has_access
    def paper(self):
        """Vào sổ văn bản giấy: type the fields, attach the scan, register at once."""
        agency_id = g.user.agency_id
        form = PaperIncomingForm.refresh(request.form if request.method == "POST" else None)
        self.fill_form(form, None, agency_id)
        if request.method == "POST" and form.validate():
            item = IncomingDocument(agency_id=agency_id)
            try:
                self.copy_form(form, item)
                files = accept_all(request.files.getlist("files"))
                incoming.receive(db.session, item)
                attach(db.session, item, files)
                incoming.register(db.session, item, form.register.data, form.arrival_date.data)
                return self.done(item, _l("Registered with arrival number %(n)s.",
                                          n=format_number(item.arrival_number)))
            except DomainValidationError as error:
                refuse(form, error)
        return self.render_action(None, form, _l("Register a paper document"),
                                  _l("Enter in the register"))


class IncomingRegisteredView(IncomingBaseView):
    """Đã vào sổ: the register of văn bản đến, newest first."""

    route_base = "/incoming/registered"
    list_title = _l("Registered incoming")
    show_title = _l("Incoming document")
    base_filters = scoped("IncomingDocument") + [
        ["status", FilterInFunction, not_in(IncomingStatus.arrived, IncomingStatus.returned)],
    ]
    list_columns = ["arrival_number", "arrival_date", "author", "code_notation", "subject",
                    "urgency", "status", "time_limit", "legal_status"]


# --- Văn bản đi ----------------------------------------------------------------------------


class OutgoingBaseView(DocumentViewMixin, ScopedModelView):
    datamodel = UrgentFirst(OutgoingDocument)
    class_permission_name = "OutgoingDocument"
    method_permission_name = OUTGOING_METHODS
    base_permissions = list(OUTGOING_ALL)
    base_order = ("id", "desc")
    label_columns = DOCUMENT_LABELS
    formatters_columns = OUTGOING_FORMATTERS
    search_columns = ["document_type", "issued_date", "legal_status"]
    show_columns = [
        "status", "number_display", "issued_date", "document_type", "subject",
        "drafting_department", "signing_authority", "signer_name", "urgency", "page_count",
        "issued_amount", "due_date", "replaces", "cancel_reason", "created_at",
    ]

    def number_of(self, item) -> str:
        return display_number(item.number, item.notation)

    def steps(self, item):
        view = "OutgoingDraftView"
        steps = self.signing_steps(item)
        steps += {
            OutgoingStatus.draft: [
                (url_for(f"{view}.edit", pk=item.id), _l("Edit"), DEFAULT, "can_write"),
                (url_for(f"{view}.review", pk=item.id, step="submit"), _l("Submit for approval"),
                 PRIMARY, "can_write"),
            ],
            OutgoingStatus.in_review: [
                (url_for(f"{view}.approve_form", pk=item.id), _l("Approve"), PRIMARY,
                 "can_approve"),
                (url_for(f"{view}.review", pk=item.id, step="return"), _l("Send back"), DEFAULT,
                 "can_write"),
            ],
            OutgoingStatus.approved: [
                (url_for("OutgoingPendingView.issue_form", pk=item.id), _l("Issue"), PRIMARY,
                 "can_issue"),
            ],
            OutgoingStatus.issued: [
                (url_for("OutgoingIssuedView.send_form", pk=item.id), _l("Send"), PRIMARY,
                 "can_issue"),
                (url_for("OutgoingIssuedView.cancel_form", pk=item.id), _l("Cancel"),
                 f"{DANGER} pull-right", "can_issue"),
            ],
        }.get(item.status, [])
        return steps

    @staticmethod
    def signing_steps(item) -> list[tuple[str, str, str, str]]:
        """Ký số: the leader on a draft under review that has a PDF; the văn thư on an
        issued document the leader signed and the agency not yet."""
        if item.status == OutgoingStatus.in_review and main_pdf(item) is not None:
            return [(url_for("OutgoingSigningView.sign", pk=item.id), _l("Sign and approve"),
                     PRIMARY, "can_approve")]
        if item.status == OutgoingStatus.issued and item.legal_status == LegalStatus.person_only:
            return [(url_for("OutgoingSigningView.agency_sign", pk=item.id),
                     _l("Agency signature"), PRIMARY, "can_issue")]
        return []


# Choices of a draft's related fields, on the screens and in the REST API's _info: the
# user's own agency only (QĐ 778 Đ2, Đ10).
OUTGOING_REL_QUERIES = {
    "drafting_department": [["agency_id", AgencyScopeFilter, "Department"]],
    # NĐ 30 Đ18.3: a correction is a new document replacing or amending an issued one.
    "replaces": [["agency_id", AgencyScopeFilter, "OutgoingDocument"],
                 ["status", FilterEqual, OutgoingStatus.issued]],
}


class OutgoingDraftView(OutgoingBaseView):
    """Dự thảo: officers draft with attachments and submit; the signer approves."""

    route_base = "/outgoing/drafts"
    # A draft is never deleted either: its history refers to it; cancel it instead.
    method_permission_name = without(OUTGOING_METHODS, {"delete"})
    exclude_route_methods = {"download", "delete"}
    list_title = _l("Drafts")
    show_title = _l("Outgoing document")
    add_title = _l("New draft")
    edit_title = _l("Edit draft")
    base_filters = scoped("OutgoingDocument") + [
        ["status", FilterInFunction, lambda: [OutgoingStatus.draft, OutgoingStatus.in_review]],
    ]
    list_columns = ["urgency", "document_type", "subject", "drafting_department", "status",
                    "legal_status"]
    add_columns = edit_columns = [
        "document_type", "subject", "urgency", "secrecy", "drafting_department",
        "signing_authority", "page_count", "issued_amount", "due_date", "replaces",
        "description",
    ]
    add_form_extra_fields = edit_form_extra_fields = {
        "urgency": enum_select_field(_l("Urgency"), URGENCY_LABELS),
        "secrecy": enum_select_field(_l("Secrecy"), SECRECY_LABELS, _l(
            "State-secret documents may not be stored in this system (QĐ 778 Điều 1.2).")),
        "signing_authority": enum_select_field(_l("Signing authority"), SIGNING_LABELS),
        "files": files_field(),
    }
    add_columns = add_columns + ["files"]
    edit_columns = edit_columns + ["files"]
    add_form_query_rel_fields = edit_form_query_rel_fields = OUTGOING_REL_QUERIES

    def prepare(self, item: OutgoingDocument) -> None:
        item.agency_id = item.agency_id or g.user.agency_id
        files = accept_all(request.files.getlist("files"))
        if hasattr(item, "files"):
            del item.files  # the form's file field is not a column
        outgoing.save_draft(db.session, item)
        attach(db.session, item, files)

    @expose("/review/<pk>/<step>", methods=["GET", "POST"])
    @has_access
    def review(self, pk, step):
        if step not in ("submit", "return"):
            abort(404)
        item = self.scoped_item(pk)
        form = CommentForm.refresh(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                outgoing.transition(db.session, item, step, form.comment.data)
                return self.done(item, _l("Saved."))
            except DomainValidationError as error:
                refuse(form, error)
        title = _l("Submit for approval") if step == "submit" else _l("Send back")
        return self.render_action(item, form, title, title)

    @expose("/approve/<pk>", methods=["GET", "POST"])
    @has_access
    def approve_form(self, pk):
        item = self.scoped_item(pk)
        form = CommentForm.refresh(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                outgoing.transition(db.session, item, "approve", form.comment.data, signer=g.user)
                return self.done(item, _l("Approved: the văn thư can now issue it."))
            except DomainValidationError as error:
                refuse(form, error)
        return self.render_action(item, form, _l("Approve"), _l("Approve"))


class OutgoingPendingView(OutgoingBaseView):
    """Chờ phát hành: approved, waiting for the văn thư to give number and date."""

    route_base = "/outgoing/pending"
    method_permission_name = without(OUTGOING_METHODS, NO_GENERIC_FORMS)
    exclude_route_methods = NO_GENERIC_FORMS
    list_title = _l("Waiting for issuance")
    show_title = _l("Outgoing document")
    base_filters = scoped("OutgoingDocument") + [["status", FilterEqual, OutgoingStatus.approved]]
    list_columns = ["urgency", "document_type", "subject", "signer_name", "drafting_department",
                    "legal_status"]

    @expose("/issue/<pk>", methods=["GET", "POST"])
    @has_access
    def issue_form(self, pk):
        item = self.scoped_item(pk)
        form = IssueForm.refresh(request.form if request.method == "POST" else None)
        registers, form.register.choices = register_choices(
            item.agency_id, Direction.outgoing, local_today().year)
        if request.method == "GET":
            form.register.data = registers[0].id
        if request.method == "POST" and form.validate():
            try:
                outgoing.issue(db.session, item, form.register.data)
                return self.done(item, _l("Issued: %(number)s.", number=item.number_display))
            except DomainValidationError as error:
                refuse(form, error)
        return self.render_action(item, form, _l("Issue"), _l("Issue"))


class OutgoingIssuedView(OutgoingBaseView):
    """Đã phát hành: the register of văn bản đi, with each recipient's status."""

    route_base = "/outgoing/issued"
    method_permission_name = without(OUTGOING_METHODS, NO_GENERIC_FORMS)
    exclude_route_methods = NO_GENERIC_FORMS
    list_title = _l("Issued")
    show_title = _l("Outgoing document")
    base_filters = scoped("OutgoingDocument") + [
        ["status", FilterInFunction, lambda: [OutgoingStatus.issued, OutgoingStatus.cancelled]],
    ]
    list_columns = ["number_display", "issued_date", "document_type", "subject", "signer_name",
                    "status", "legal_status"]
    order_columns = ["issued_date", "subject", "signer_name", "status"]

    @expose("/send/<pk>", methods=["GET", "POST"])
    @has_access
    def send_form(self, pk):
        item = self.scoped_item(pk)
        form = SendForm.refresh(request.form if request.method == "POST" else None)
        agencies = (
            db.session.query(Agency).filter(Agency.active.is_(True), Agency.id != item.agency_id)
            .order_by(Agency.name).all()
        )
        form.agencies.choices = [(a.id, a.name) for a in agencies]
        if request.method == "POST" and form.validate():
            chosen = [a for a in agencies if a.id in set(form.agencies.data)]
            external = [
                (parts[0].strip(), (parts[1].strip() if len(parts) > 1 else None) or None)
                for parts in (line.split(";") for line in (form.external.data or "").splitlines())
                if parts[0].strip()
            ]
            try:
                sent = outgoing.send(db.session, item, chosen, external)
                return self.done(item, _l("Sent to %(count)s recipient(s).", count=len(sent)))
            except DomainValidationError as error:
                refuse(form, error)
        return self.render_action(item, form, _l("Send"), _l("Send"))

    @expose("/cancel/<pk>", methods=["GET", "POST"])
    @has_access
    def cancel_form(self, pk):
        item = self.scoped_item(pk)
        form = ReasonForm.refresh(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                outgoing.cancel(db.session, item, form.reason.data)
                return self.done(item, _l("Cancelled; the record is kept."))
            except DomainValidationError as error:
                refuse(form, error)
        return self.render_action(item, form, _l("Cancel"), _l("Cancel the document"))


# --- Attachments -----------------------------------------------------------------------------


def readable_attachment(attachment_id: int) -> Attachment:
    """The attachment, if the current user may see its document; else 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    document = owner_of(attachment)
    resource = "OutgoingDocument" if isinstance(document, OutgoingDocument) else "IncomingDocument"
    if not may_read(Attachment, attachment, resource, agency_id=document.agency_id):
        abort(404)
    return attachment


def send_attachment(attachment: Attachment):
    return send_file(
        get_store().open(attachment.sha256), mimetype=attachment.mime_type or
        "application/octet-stream", as_attachment=True, download_name=attachment.filename,
        max_age=0, etag=attachment.sha256,
    )


class AttachmentView(BaseView):
    """Tệp đính kèm: served only to those who may see the document (never by FAB's
    generic download route)."""

    route_base = "/attachments"
    class_permission_name = "Attachment"
    method_permission_name = {"download": "read"}
    base_permissions = ["can_read", "can_write"]

    @expose("/<int:attachment_id>")
    @has_access
    def download(self, attachment_id: int):
        return send_attachment(readable_attachment(attachment_id))


EVENT_LABELS = {
    "created": _l("Created"), "edited": _l("Edited"), "submit": _l("Submitted for approval"),
    "return": _l("Sent back"), "approve": _l("Approved"), "issued": _l("Issued"),
    "sent": _l("Sent"), "arrived": _l("Arrived"), "registered": _l("Registered"),
    "returned": _l("Returned to sender"), "cancelled": _l("Cancelled"),
    "attached": _l("Files attached"),
    "assigned": _l("Assigned"),
    "progress": _l("Progress"),
    "completed_part": _l("Part completed"),
    "status": _l("Status changed"),
    "presented": _l("Presented to the leader"),
    "working_files": _l("Working files attached"),
    "reply_proposed": _l("Reply proposed"),
    "signatures_verified": _l("Digital signatures checked"),
    "signed": _l("Signed digitally by the leader"),
    "agency_signed": _l("Agency signature applied"),
}


def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


def recipient_status(recipient) -> str:
    """What the sender sees for each recipient, live for agencies of this install."""
    if recipient.incoming is None:
        return str(_l("Waiting for electronic exchange"))
    status = recipient.incoming.status
    label = str(RECIPIENT_STATUS_LABELS[status])
    if status == IncomingStatus.returned and recipient.incoming.return_reason:
        label += f": {recipient.incoming.return_reason}"
    return f"{status.value} {label}" if status.value.isdigit() else label


def register_views(appbuilder) -> None:
    from flask import current_app

    from app.menu import N_
    from app.routing.labels import ASSIGNMENT_STATUS_LABELS, ROLE_LABELS

    current_app.jinja_env.globals.update(
        event_label=event_label, recipient_status=recipient_status, page_of=page_of,
        time_limit_badge=time_limit_badge, urgency_label=label_formatter(URGENCY_LABELS),
        role_label=label_formatter(ROLE_LABELS),
        assignment_status_label=label_formatter(ASSIGNMENT_STATUS_LABELS),
    )

    appbuilder.add_view(IncomingPendingView, "Waiting for registration",
                        label=N_("Waiting for registration"), icon="fa-inbox",
                        category="Incoming", category_label=N_("Incoming"),
                        category_icon="fa-envelope-open")
    appbuilder.add_view(IncomingRegisteredView, "Registered incoming",
                        label=N_("Registered incoming"), icon="fa-book", category="Incoming")
    appbuilder.add_link("Register a paper document", href="/incoming/pending/paper",
                        label=N_("Register a paper document"), icon="fa-file-text-o",
                        category="Incoming")
    appbuilder.add_view(OutgoingDraftView, "Drafts", label=N_("Drafts"), icon="fa-pencil",
                        category="Outgoing", category_label=N_("Outgoing"),
                        category_icon="fa-paper-plane")
    appbuilder.add_view(OutgoingPendingView, "Waiting for issuance",
                        label=N_("Waiting for issuance"), icon="fa-hourglass-half",
                        category="Outgoing")
    appbuilder.add_view(OutgoingIssuedView, "Issued", label=N_("Issued"), icon="fa-book",
                        category="Outgoing")
    appbuilder.add_view(RegisterView, "Registers", label=N_("Registers"), icon="fa-book",
                        category="Directory")
    appbuilder.add_view_no_menu(AttachmentView)
    from app.registry.search_view import SearchView

    appbuilder.add_view(SearchView, "Search documents", label=N_("Search documents"),
                        icon="fa-search")




class RegisterView(ScopedModelView):
    """Sổ đăng ký: the agency decides how many registers it keeps each year."""

    datamodel = SQLAInterface(Register)
    class_permission_name = "Register"
    exclude_route_methods = {"download", "delete"}
    method_permission_name = without(READ_WRITE_METHODS, {"delete"})
    base_filters = scoped("Register")
    base_order = ("year", "desc")
    list_title = _l("Document registers")
    show_title = add_title = edit_title = _l("Document register")
    label_columns = {
        "name": _l("Name"), "direction": _l("Direction"), "year": _l("Year"),
        "is_default": _l("Default"), "last_number": _l("Last number"),
        "active": _l("Active"), "agency": _l("Agency"),
    }
    list_columns = ["year", "direction", "name", "is_default", "last_number", "active"]
    show_columns = ["agency", "year", "direction", "name", "is_default", "last_number", "active"]
    add_columns = ["year", "direction", "name", "is_default", "active"]
    edit_columns = ["name", "is_default", "active"]
    search_columns = ["year", "name"]
    formatters_columns = {"direction": label_formatter(DIRECTION_LABELS)}
    add_form_extra_fields = {"direction": enum_select_field(_l("Direction"), DIRECTION_LABELS)}

    def prepare(self, item: Register) -> None:
        prepare_register(db.session, item)
