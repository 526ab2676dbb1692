"""REST API of điều hành (``/api/v1/assignment``): the same rules as the screens of
``app.routing.work_views``, answered in JSON.

Trình and phân công are steps on the văn bản đến (``POST /api/v1/incoming/<id>/present``
and ``/assign``, parsed here); the parts of the work are read here, within the agency
and the own-work rule, and only the holder of a part (``assignments.holds``) acts on
it: ``/sub-assign``, ``/progress``, ``/files``, ``/reply``, ``/complete``. Others get 404.
Refusals answer 400 ``{"message", "errors": {field: [...]}}`` keyed by the body's field
names; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.exceptions import NotFound

from app import api_spec as spec
from app import db
from app.crud import READ_WRITE_METHODS, ScopedModelApi
from app.i18n import local_today
from app.input_guard import INT_MAX, STORABLE_MESSAGE, known_id, storable
from app.models import Assignment, AssignmentRole, IncomingDocument, UserAccount
from app.registry.api import file_summaries, json_body, json_date, uploaded_files
from app.registry.attachments import attach_working_files
from app.routing import assignments, my_work
from app.routing.assignments import INSTRUCTION_LIMIT, NOTE_LIMIT, Target
from app.routing.replies import SUBJECT_LIMIT, propose_reply
from app.routing.work_views import ROLES, held_part, parse_target
from app.security.roles import AGENCY_HEAD
from app.security.scope import current_user, role_names, scoped
from app.validation import DomainValidationError, merge_errors, raise_if_errors, refusal

# Notes end up in the history (comment of 1000 characters) after the assignee's name.
TABS = ("process", "cooperate", "inform", "overdue", "done")

ASSIGNMENT_SHOW = [
    "id", "incoming.id", "incoming.subject", "parent.id", "role", "department.id",
    "department.name", "user.id", "deadline", "status", "instruction", "assigned_at",
    "completed_at",
]


# --- Reading JSON bodies --------------------------------------------------------------------


def _key(value: Any) -> int | None:
    """A row id as JSON gives it (an integer, never a boolean, within the ids' range)."""
    return known_id(value) if isinstance(value, int) else None


def _text(body: dict, field: str, limit: int, required: bool = False) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise refusal(field, _l("Invalid input."))
    if value is not None and not storable(value):
        raise refusal(field, STORABLE_MESSAGE)
    value = (value or "").strip()
    if required and not value:
        raise refusal(field, _l("This field is required."))
    if len(value) > limit:
        raise refusal(field, ngettext("Field cannot be longer than %(max)d character.",
                                      "Field cannot be longer than %(max)d characters.",
                                      limit, max=limit))
    return value or None


def _role(value: Any, field: str = "role") -> AssignmentRole:
    if value in (None, ""):
        raise refusal(field, _l("This field is required."))
    if not isinstance(value, str) or value not in ROLES:
        raise refusal(field, _l("Not a valid choice."))
    return AssignmentRole(value)


def _renamed(error: DomainValidationError, names: dict[str, str]) -> DomainValidationError:
    """A service's refusal keyed by the body's field names (``assignee`` → ``officer_id``)."""
    return DomainValidationError(merge_errors(
        *({names.get(field, field): messages} for field, messages in error.errors.items())))


def _collect(errors: dict, read: Callable[[], Any]) -> Any:
    """Run one reading of the body, keeping its refusal with the others."""
    try:
        return read()
    except DomainValidationError as error:
        for field, messages in error.errors.items():
            known = errors.setdefault(field, [])
            known.extend(m for m in messages if m not in known)
        return None


# --- Steps on the văn bản đến (IncomingDocumentApi) -----------------------------------------


def present_from_json(document: IncomingDocument, body: dict) -> IncomingDocument:
    """Trình: ``{"leader_id": int, "note": optional}``; the leader is a leader of the
    document's agency, as on the screen."""
    leader_id = _key(body.get("leader_id"))
    leader = db.session.get(UserAccount, leader_id) if leader_id is not None else None
    errors: dict = {}
    if leader is None or AGENCY_HEAD not in role_names(leader):
        errors["leader_id"] = [str(_l("Choose a leader of your agency."))]
    note = _collect(errors, lambda: _text(body, "note", NOTE_LIMIT))
    raise_if_errors(errors)
    try:
        return assignments.present(db.session, document, leader, note)
    except DomainValidationError as error:
        raise _renamed(error, {"leader": "leader_id"}) from error


def _target(row: Any, agency_id: int, errors: dict) -> Target | None:
    """One entry of ``targets``: ``{"department_id" | "user_id", "role", "deadline"}``."""
    if not isinstance(row, dict):
        errors.setdefault("targets", []).append(str(_l("Choose units and people from the list.")))
        return None
    keys = {kind: _key(row.get(name)) for kind, name in (("d", "department_id"), ("u", "user_id"))
            if row.get(name) is not None}
    department = user = None
    if len(keys) == 1 and None not in keys.values():
        ((kind, key),) = keys.items()
        department, user = parse_target(f"{kind}:{key}", agency_id)
    if department is None and user is None:
        errors.setdefault("targets", []).append(str(_l("Choose units and people from the list.")))
    role = _collect(errors, lambda: _role(row.get("role")))
    deadline = _collect(errors, lambda: json_date(row.get("deadline"), "deadline"))
    if role is None or (department is None and user is None):
        return None
    return Target(role, department=department, user=user, deadline=deadline)


def assign_from_json(document: IncomingDocument, body: dict) -> list[Assignment]:
    """Phân công: ``{"instruction": optional, "targets": [...]}`` (see ``_target``)."""
    errors: dict = {}
    rows = body.get("targets")
    if not isinstance(rows, list) or not rows:
        errors["targets"] = [str(_l("Choose at least one unit or person."))]
        rows = []
    targets = [_target(row, document.agency_id, errors) for row in rows]
    instruction = _collect(errors, lambda: _text(body, "instruction", INSTRUCTION_LIMIT))
    raise_if_errors({field: list(dict.fromkeys(messages)) for field, messages in errors.items()})
    try:
        return assignments.assign(db.session, document, instruction, targets)
    except DomainValidationError as error:
        raise _renamed(error, {"assignee": "targets"}) from error


# --- The parts of the work -----------------------------------------------------------------


class AssignmentApi(ScopedModelApi):
    """Parts of the work (phân công) of the user's agency: officers and department heads
    read only those of the documents they work on (own-work rule)."""

    resource_name = "assignment"
    datamodel = SQLAInterface(Assignment)
    class_permission_name = "Work"
    method_permission_name = {
        **READ_WRITE_METHODS, "mine": "read", "sub_assign_step": "write",
        "progress_step": "write", "complete_step": "write", "reply_step": "write",
        "upload_working_files": "write",
    }
    base_permissions = ["can_read", "can_write"]  # shared with WorkView ("Work")
    # Read-only as a model API: parts are created and changed by the steps only. No
    # _info, /related or /distinct either: they would list users and departments unscoped.
    include_route_methods = {
        "get", "get_list", "mine", "sub_assign_step", "progress_step", "complete_step",
        "reply_step", "upload_working_files",
    }
    base_filters = scoped("Work")
    base_order = ("id", "desc")
    list_columns = show_columns = ASSIGNMENT_SHOW
    search_columns = ["incoming", "status", "role", "deadline"]

    @expose("/mine", methods=["GET"])
    @protect()
    @safe
    @spec.query(tab=spec.choice(TABS), page=spec.PAGE)
    def mine(self):
        """Việc của tôi: ``?tab=process|cooperate|inform|overdue|done&page=0`` — the
        parts the user answers for, and how many are open in each tab."""
        user, today = current_user(), local_today()
        tab = request.args.get("tab") or TABS[0]
        if tab not in TABS:
            return self._invalid({"tab": [str(_l("Not a valid choice."))]})
        page = max(request.args.get("page", 0, type=int), 0)
        if page > INT_MAX // my_work.PAGE_SIZE:  # no offset of any table
            return self._invalid({"page": [str(_l("The page number is out of range."))]})
        parts = my_work.my_parts(db.session, user, tab, today, page)
        return self.response(
            200, tab=tab, page=page, page_size=my_work.PAGE_SIZE,
            counts=my_work.tab_counts(db.session, user, today),
            result=self.list_model_schema.dump(parts, many=True),
        )

    def _held(self, pk: int) -> Assignment | None:
        try:
            return held_part(pk)
        except NotFound:
            return None

    def _act(self, pk: int, action: Callable[[Assignment, dict], Any],
             answer: Callable[[Assignment, Any], Any],
             guard: Callable[[Assignment], Any] | None = None):
        """Run a step on a part the user holds; commit and answer, or refuse (400).
        ``guard`` may answer instead, as the screen does, before anything is read."""
        part = self._held(pk)
        if part is None:
            return self.response_404()
        refused = guard(part) if guard else None
        if refused is not None:
            return refused
        try:
            outcome = action(part, json_body())
        except DomainValidationError as error:
            return self._invalid(error.errors)
        db.session.commit()
        return answer(part, outcome)

    def _part(self, part: Assignment, _outcome: Any = None):
        return self.response(200, id=part.id, result=self.show_model_schema.dump(part))

    @expose("/<int:pk>/sub-assign", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["officer_id"], officer_id=spec.ID, deadline=spec.DATE,
                    role=spec.choice(ROLES), instruction=spec.text(INSTRUCTION_LIMIT))
    def sub_assign_step(self, pk: int):
        """Giao chuyên viên: ``{"officer_id": int, "deadline": optional YYYY-MM-DD (not
        after the part's), "role": optional (the part's), "instruction": optional}``."""
        def run(part, body):
            errors: dict = {}
            officer_id = _key(body.get("officer_id"))
            officer = db.session.get(UserAccount, officer_id) if officer_id is not None else None
            if officer is None:
                errors["officer_id"] = [str(_l("Choose an officer of the assigned department."))]
            deadline = _collect(errors, lambda: json_date(body.get("deadline"), "deadline"))
            role = _collect(errors, lambda: _role(body.get("role") or part.role.value))
            instruction = _collect(errors, lambda: _text(body, "instruction", INSTRUCTION_LIMIT))
            raise_if_errors(errors)
            try:
                return assignments.sub_assign(db.session, part, officer, deadline, instruction,
                                              role)
            except DomainValidationError as error:
                raise _renamed(error, {"assignee": "officer_id"}) from error

        return self._act(
            pk, run,
            lambda part, child: self.response(201, id=child.id,
                                              result=self.show_model_schema.dump(child)),
            # A person's part is not passed on: no such step, as on the screen.
            guard=lambda part: self.response_404() if part.department_id is None else None)

    @expose("/<int:pk>/progress", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(["note"], note=spec.text(NOTE_LIMIT))
    def progress_step(self, pk: int):
        """Cập nhật tiến độ: ``{"note": "..."}`` (mandatory)."""
        return self._act(pk, lambda part, body: assignments.record_progress(
            db.session, part, _text(body, "note", NOTE_LIMIT) or ""), self._part)

    @expose("/<int:pk>/complete", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(note=spec.text(NOTE_LIMIT))
    def complete_step(self, pk: int):
        """Hoàn thành (or, for those informed, đã xem): ``{"note": optional}``; the
        document is complete when its lead's part is."""
        return self._act(pk, lambda part, body: assignments.complete(
            db.session, part, _text(body, "note", NOTE_LIMIT)), self._part)

    @expose("/<int:pk>/reply", methods=["POST"])
    @protect()
    @safe
    @spec.json_body(subject=spec.text(SUBJECT_LIMIT))
    def reply_step(self, pk: int):
        """Đề xuất dự thảo trả lời: ``{"subject": optional}`` → 201 with the id of the
        draft văn bản đi (``/api/v1/outgoing/<id>``)."""
        def guard(_part):
            if not self.appbuilder.sm.has_access("can_write", "OutgoingDocument"):
                return self.response_403()
            return None

        return self._act(
            pk, lambda part, body: propose_reply(db.session, part,
                                                 _text(body, "subject", SUBJECT_LIMIT)),
            lambda part, reply: self.response(201, id=reply.id, result={
                "id": reply.id, "subject": reply.subject, "status": reply.status.value,
                "response_for_id": reply.response_for_id}),
            guard)

    @expose("/<int:pk>/files", methods=["POST"])
    @protect()
    @safe
    @spec.uploaded_files()
    def upload_working_files(self, pk: int):
        """Tệp xử lý (multipart ``files``) on the part, through the upload pipeline."""
        return self._act(
            pk, lambda part, _body: attach_working_files(db.session, part, uploaded_files()),
            lambda part, rows: self.response(201, result=file_summaries(rows)))


def register_apis(appbuilder) -> None:
    appbuilder.add_api(AssignmentApi)
