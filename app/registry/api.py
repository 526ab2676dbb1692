"""REST API of the document registry (``/api/v1/incoming``, ``/outgoing``, ``/register``,
``/attachment``): same scope, permissions and rules as the screens.

Create and edit go through the registry services (``prepare``); each step of the decree
is a POST on the document (``/api/v1/outgoing/<id>/issue``...). Refusals answer 400 with
``{"message", "errors": {field: [...]}}``; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app import api_spec as spec
from app import db
from app.crud import READ_WRITE_METHODS, ScopedModelApi
from app.files.pipeline import AcceptedFile
from app.input_guard import STORABLE_MESSAGE, known_id, storable
from app.models import (
    Agency,
    AssignmentRole,
    Attachment,
    IncomingDocument,
    OutgoingDocument,
    Register,
)
from app.registry import incoming, outgoing
from app.registry.attachments import accept_all, attach
from app.registry.registers import prepare_register
from app.registry.views import OUTGOING_REL_QUERIES, readable_attachment, send_attachment
from app.routing.assignments import INSTRUCTION_LIMIT, NOTE_LIMIT
from app.security.roles import INCOMING_ALL, OUTGOING_ALL
from app.security.scope import current_user, scoped
from app.signatures import workflow
from app.signatures.labels import signature_summary
from app.validation import DomainValidationError, refusal

# Longest text a step stores: reasons (return_reason, cancel_reason) and history comments.
REASON_LIMIT, COMMENT_LIMIT, SECRET_LIMIT = 500, 1000, 1000
# The targets of a phân công (OpenAPI): each a department or a person, a role, a deadline.
TARGETS = spec.array(spec.obj(["role"], department_id=spec.ID, user_id=spec.ID,
                              role=spec.choice(r.value for r in AssignmentRole),
                              deadline=spec.DATE), minItems=1)
DOCUMENT_FIELDS = ["subject", "urgency", "secrecy", "page_count", "description"]
INCOMING_FIELDS = DOCUMENT_FIELDS + [
    "author", "code_number", "code_notation", "document_date", "document_type",
    "signer_name", "signer_position", "due_date", "to_places",
]
INCOMING_SHOW = [
    "id", "status", "arrival_number", "arrival_date", "year", "register.id", "register.name",
    "author", "code_number", "code_notation", "document_date", "document_type.id",
    "document_type.name", "subject", "signer_name", "urgency", "page_count", "due_date",
    "to_places", "return_reason", "arrived_at", "source_outgoing.id",
    "presented_at", "presented_to.id", "legal_status",
]
OUTGOING_FIELDS = DOCUMENT_FIELDS + [
    "document_type", "drafting_department", "signing_authority", "signer_name",
    "signer_position", "issued_amount", "due_date", "replaces",
]
OUTGOING_SHOW = [
    "id", "status", "number", "notation", "year", "issued_date",
    "document_type.id", "document_type.name", "subject", "drafting_department.id",
    "signing_authority", "signer_name", "signer_position", "urgency", "page_count",
    "issued_amount", "due_date", "replaces.id", "cancel_reason", "created_at", "legal_status",
]


def json_body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def uploaded_files() -> list[AcceptedFile]:
    """The multipart ``files`` of the request through the upload pipeline; none is a
    refusal on ``files``."""
    accepted = accept_all(request.files.getlist("files"))
    if not accepted:
        raise refusal("files", _l("This field is required."))
    return accepted


def file_summaries(rows: list[Attachment]) -> list[dict]:
    return [{"id": r.id, "filename": r.filename, "size": r.size, "sha256": r.sha256}
            for r in rows]


class DocumentApiMixin:
    """Steps on one document: ``run_step(pk, action)`` loads it within scope, runs the
    service, commits and answers the document; a refusal answers 400."""

    def run_step(self, pk: int, action: Callable[[Any, dict], Any], created: str | None = None):
        """``created``: the key under which the ids of the rows ``action`` returns are
        answered too (``{"result": document, "assignments": [ids]}``)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            outcome = action(item, json_body())
        except DomainValidationError as error:
            return self._invalid(error.errors)
        db.session.commit()
        extra = {created: [row.id for row in outcome]} if created else {}
        return self.response(200, result=self.show_model_schema.dump(item), **extra)

    @expose("/<int:pk>/attachments", methods=["POST"])
    @protect()
    @safe
    @spec.uploaded_files()
    def upload_files(self, pk: int):
        """Attach files (multipart ``files``) through the upload pipeline."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            rows = attach(db.session, item, uploaded_files())
        except DomainValidationError as error:
            return self._invalid(error.errors)
        db.session.commit()
        return self.response(201, result=file_summaries(rows))


class IncomingDocumentApi(DocumentApiMixin, ScopedModelApi):
    resource_name = "incoming"
    datamodel = SQLAInterface(IncomingDocument)
    class_permission_name = "IncomingDocument"
    method_permission_name = {
        **READ_WRITE_METHODS, "register_step": "register", "return_step": "register",
        "upload_files": "write", "present_step": "register", "assign_step": "assign",
    }
    base_permissions = list(INCOMING_ALL) + ["can_assign"]
    exclude_route_methods = {"delete"}
    base_filters = scoped("IncomingDocument")
    base_order = ("id", "desc")
    list_columns = show_columns = INCOMING_SHOW
    add_columns = edit_columns = INCOMING_FIELDS
    server_filled = ("urgency", "secrecy")
    search_columns = ["status", "arrival_date", "document_type", "urgency", "register"]

    def prepare(self, item: IncomingDocument) -> None:
        item.agency_id = current_user().agency_id
        if item.id is None:
            incoming.receive(db.session, item)
        elif item.status != incoming.IncomingStatus.arrived:
            raise DomainValidationError({"status": [str(_l(
                "A registered document is not edited; its history keeps what happened."))]})
        else:
            incoming.check_fields(item)
            incoming.index_text(item)

    @expose("/<int:pk>/register", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(register_id=spec.ID, arrival_date=spec.DATE)
    def register_step(self, pk: int):
        """Vào sổ: ``{"register_id": optional, "arrival_date": optional YYYY-MM-DD}``."""
        def run(item, body):
            incoming.register(db.session, item, body.get("register_id"),
                              json_date(body.get("arrival_date"), "arrival_date"))
        return self.run_step(pk, run)

    @expose("/<int:pk>/return", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["reason"], reason=spec.text(REASON_LIMIT))
    def return_step(self, pk: int):
        """Trả lại nơi gửi: ``{"reason": "..."}`` (mandatory)."""
        return self.run_step(pk, lambda item, body: incoming.return_to_sender(
            db.session, item, json_text(body, "reason", REASON_LIMIT)))

    @expose("/<int:pk>/present", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["leader_id"], leader_id=spec.ID, note=spec.text(NOTE_LIMIT))
    def present_step(self, pk: int):
        """Trình lãnh đạo: ``{"leader_id": int, "note": optional}``."""
        from app.routing.api import present_from_json

        return self.run_step(pk, present_from_json)

    @expose("/<int:pk>/assign", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["targets"], instruction=spec.text(INSTRUCTION_LIMIT), targets=TARGETS)
    def assign_step(self, pk: int):
        """Phân công: ``{"instruction": optional, "targets": [{"department_id" or
        "user_id": int, "role": "lead" | "cooperate" | "inform", "deadline": optional
        YYYY-MM-DD}]}``; answers the document and the ids of the new ``assignments``."""
        from app.routing.api import assign_from_json

        return self.run_step(pk, assign_from_json, created="assignments")


class OutgoingDocumentApi(DocumentApiMixin, ScopedModelApi):
    resource_name = "outgoing"
    datamodel = SQLAInterface(OutgoingDocument)
    class_permission_name = "OutgoingDocument"
    method_permission_name = {
        **READ_WRITE_METHODS, "submit_step": "write", "return_step": "write",
        "approve_step": "approve", "issue_step": "issue", "send_step": "issue",
        "cancel_step": "issue", "upload_files": "write", "sign_step": "approve",
        "agency_sign_step": "issue",
    }
    base_permissions = list(OUTGOING_ALL)
    exclude_route_methods = {"delete"}
    base_filters = scoped("OutgoingDocument")
    base_order = ("id", "desc")
    list_columns = show_columns = OUTGOING_SHOW
    add_columns = edit_columns = OUTGOING_FIELDS
    add_query_rel_fields = edit_query_rel_fields = OUTGOING_REL_QUERIES
    server_filled = ("urgency", "secrecy", "signing_authority")
    search_columns = ["status", "issued_date", "document_type", "urgency", "year",
                      "legal_status"]

    def prepare(self, item: OutgoingDocument) -> None:
        item.agency_id = item.agency_id or current_user().agency_id
        outgoing.save_draft(db.session, item)

    @expose("/<int:pk>/submit", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(comment=spec.text(COMMENT_LIMIT))
    def submit_step(self, pk: int):
        return self.run_step(pk, lambda item, body: outgoing.transition(
            db.session, item, "submit", json_text(body, "comment", COMMENT_LIMIT) or None))

    @expose("/<int:pk>/return", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["comment"], comment=spec.text(COMMENT_LIMIT))
    def return_step(self, pk: int):
        return self.run_step(pk, lambda item, body: outgoing.transition(
            db.session, item, "return", json_text(body, "comment", COMMENT_LIMIT) or None))

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(comment=spec.text(COMMENT_LIMIT))
    def approve_step(self, pk: int):
        return self.run_step(pk, lambda item, body: outgoing.transition(
            db.session, item, "approve", json_text(body, "comment", COMMENT_LIMIT) or None,
            signer=current_user()))

    @expose("/<int:pk>/sign", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["secret"], secret=spec.text(SECRET_LIMIT), comment=spec.text(COMMENT_LIMIT))
    def sign_step(self, pk: int):
        """Ký số and approve (leader): ``{"secret": "password or PIN", "comment": ...}``."""
        return self.run_step(pk, lambda item, body: workflow.sign_and_approve(
            db.session, item, current_user(), json_text(body, "secret", SECRET_LIMIT),
            json_text(body, "comment", COMMENT_LIMIT) or None))

    @expose("/<int:pk>/agency-sign", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["secret"], secret=spec.text(SECRET_LIMIT))
    def agency_sign_step(self, pk: int):
        """The agency's signature after issuance (văn thư): ``{"secret": "..."}``."""
        return self.run_step(pk, lambda item, body: workflow.apply_agency_signature(
            db.session, item, current_user(), json_text(body, "secret", SECRET_LIMIT)))

    @expose("/<int:pk>/issue", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(register_id=spec.ID)
    def issue_step(self, pk: int):
        """Cấp số và ngày: ``{"register_id": optional}``."""
        return self.run_step(pk, lambda item, body: outgoing.issue(
            db.session, item, body.get("register_id")))

    @expose("/<int:pk>/send", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(agencies=spec.array(spec.ID), external=spec.array(spec.obj(
        ["name"], name=spec.text(200), code=spec.text(13))))
    def send_step(self, pk: int):
        """``{"agencies": [ids], "external": [{"name": "...", "code": "000.00.00.G22"}]}``."""
        def run(item, body):
            ids = {known_id(i) if isinstance(i, int) else None for i in json_list(body, "agencies")}
            agencies = db.session.query(Agency).filter(
                Agency.id.in_(ids - {None}), Agency.active).all()
            if None in ids or len(agencies) != len(ids):
                raise DomainValidationError({"agencies": [str(_l("Unknown agency."))]})
            external = [
                (json_text(e, "name", 200, "external").strip(),
                 json_text(e, "code", 13, "external") or None)
                for e in json_list(body, "external") if isinstance(e, dict) and e.get("name")
            ]
            outgoing.send(db.session, item, agencies, external)
        return self.run_step(pk, run)

    @expose("/<int:pk>/cancel", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["reason"], reason=spec.text(REASON_LIMIT))
    def cancel_step(self, pk: int):
        return self.run_step(pk, lambda item, body: outgoing.cancel(
            db.session, item, json_text(body, "reason", REASON_LIMIT)))


class RegisterApi(ScopedModelApi):
    resource_name = "register"
    datamodel = SQLAInterface(Register)
    class_permission_name = "Register"
    exclude_route_methods = {"delete"}
    base_filters = scoped("Register")
    base_order = ("year", "desc")
    list_columns = show_columns = ["id", "year", "direction", "name", "is_default",
                                   "last_number", "active"]
    add_columns = ["year", "direction", "name", "is_default", "active"]
    edit_columns = ["name", "is_default", "active"]
    search_columns = ["year", "direction", "active"]
    server_filled = ("is_default", "active")

    def prepare(self, item: Register) -> None:
        prepare_register(db.session, item)


class AttachmentApi(ScopedModelApi):
    resource_name = "attachment"
    datamodel = SQLAInterface(Attachment)
    class_permission_name = "Attachment"
    method_permission_name = {**READ_WRITE_METHODS, "content": "read", "signatures": "read"}
    # Shared with AttachmentView; uploads go through the document APIs.
    base_permissions = ["can_read", "can_write"]
    # Read-only: no _info, whose add/edit choices would list every agency's documents.
    include_route_methods = {"get", "get_list", "content", "signatures"}
    base_filters = scoped("Attachment")
    base_order = ("id", "desc")
    list_columns = show_columns = ["id", "filename", "size", "mime_type", "sha256",
                                   "outgoing.id", "incoming.id", "uploaded_at",
                                   "signature_state"]

    @expose("/<int:pk>/content", methods=["GET"])
    @protect()
    @spec.documented
    def content(self, pk: int):
        """The file itself, byte for byte, with its original name."""
        return send_attachment(readable_attachment(pk))

    @expose("/<int:pk>/signatures", methods=["GET"])
    @protect()
    @spec.documented
    def signatures(self, pk: int):
        """What the verification of each signature in the file showed."""
        attachment = readable_attachment(pk)
        return self.response(200, signature_state=attachment.signature_state,
                             result=[signature_summary(s) for s in attachment.signatures])


def json_text(body: dict, field: str, limit: int, key: str | None = None) -> str:
    """A text of a JSON body ("" when absent); anything but storable text up to ``limit``
    characters is a refusal on ``key`` (default: the field)."""
    value = body.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise refusal(key or field, _l("Invalid input."))
    if not storable(value):
        raise refusal(key or field, STORABLE_MESSAGE)
    if len(value) > limit:
        raise refusal(key or field, ngettext("Field cannot be longer than %(max)d character.",
                                             "Field cannot be longer than %(max)d characters.",
                                             limit, max=limit))
    return value


def json_list(body: dict, field: str) -> list:
    """A list of a JSON body ([] when absent); anything else is a refusal."""
    value = body.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise refusal(field, _l("Invalid input."))
    return value


def json_date(value: Any, field: str):
    """A ``YYYY-MM-DD`` value of a JSON body, or None; anything else is a refusal."""
    import datetime as dt

    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise DomainValidationError({field: [str(_l("Not a valid date value."))]}) from error


def register_apis(appbuilder) -> None:
    for api in (IncomingDocumentApi, OutgoingDocumentApi, RegisterApi, AttachmentApi):
        appbuilder.add_api(api)
