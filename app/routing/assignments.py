"""Trình, phân công and processing of văn bản đến (NĐ 30 Đ23–24).

A leader records ý kiến chỉ đạo and who leads (chủ trì), co-operates (phối hợp) or is
informed (để biết), each with a deadline; department heads pass work on to officers with
a deadline never later than their own; officers record progress and complete; when the
lead's part is complete the document is complete. The document's national status
follows (04 Phân công → 05 Đang xử lý → 06 Hoàn thành), so a sender on this install sees
it live; every step is in the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.i18n import local_today, utcnow
from app.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Department,
    IncomingDocument,
    IncomingStatus,
    UserAccount,
)
from app.registry import history
from app.routing.labels import ROLE_LABELS
from app.routing.time_limits import check_sub_deadline
from app.security.scope import current_user, headed_department_id
from app.validation import raise_if_errors, refusal

ROUTABLE = (IncomingStatus.registered, IncomingStatus.assigned, IncomingStatus.processing)
# Notes and instructions go into the history (1000 characters with the assignee's name).
NOTE_LIMIT = 700
INSTRUCTION_LIMIT = 1000


@dataclass(frozen=True)
class Target:
    """Who gets a part: a department or a person, in a role, with a deadline."""

    role: AssignmentRole
    department: Department | None = None
    user: UserAccount | None = None
    deadline: dt.date | None = None


def _actor_id():
    return getattr(current_user(), "id", None)


def _check_target(document: IncomingDocument, target: Target, errors: dict) -> None:
    owner = target.department.agency_id if target.department else (
        target.user.agency_id if target.user else None)
    if owner != document.agency_id:
        errors.setdefault("assignee", []).append(
            str(_l("Work can only be given to units and people of your agency.")))


def assign(session, document: IncomingDocument, instruction: str | None,
           targets: Iterable[Target]) -> list[Assignment]:
    """Phân công: one lead (chủ trì) at most per round, any number of others."""
    targets = list(targets)
    if document.status not in ROUTABLE:
        raise refusal("status", _l("Only a registered document can be assigned."))
    errors: dict = {}
    _check_length(errors, "instruction", instruction, INSTRUCTION_LIMIT)
    if not targets:
        errors["assignee"] = [str(_l("Choose at least one unit or person."))]
    leads = [t for t in targets if t.role == AssignmentRole.lead]
    already_led = any(a.role == AssignmentRole.lead and a.parent_id is None
                      for a in session.query(Assignment).filter_by(incoming_id=document.id))
    if len(leads) > 1 or (leads and already_led):
        errors.setdefault("assignee", []).append(
            str(_l("A document has one lead unit or person.")))
    for target in targets:
        _check_target(document, target, errors)
        if target.deadline and document.due_date:
            message = check_sub_deadline(document.due_date, target.deadline)
            if message:
                errors.setdefault("deadline", []).append(str(message))
    raise_if_errors(errors)
    if document.presented_at is None:  # the leader took it up without being presented it
        document.presented_to_id, document.presented_at = _actor_id(), utcnow()
    created = [_create(session, document, None, instruction, t) for t in targets]
    _set_document_status(session, document, IncomingStatus.assigned, instruction)
    return created


def present(session, document: IncomingDocument, leader: UserAccount,
            note: str | None = None) -> IncomingDocument:
    """Trình: the văn thư hands a registered document to the leader who directs it
    (NĐ 30 Đ23.1: the same day, at the latest the next working day)."""
    if document.status != IncomingStatus.registered:
        raise refusal("status", _l("Only a registered document not yet assigned can be presented."))
    if leader.agency_id != document.agency_id or not leader.active:
        raise refusal("leader", _l("Choose a leader of your agency."))
    document.presented_to_id = leader.id
    document.presented_at = utcnow()
    history.record(session, document, "presented",
                   comment=" — ".join(p for p in (leader.get_full_name(), (note or "").strip()) if p))
    return document


def holds(user, part: Assignment) -> bool:
    """Whether ``user`` answers for this part: it was given to them, or to the
    department they head."""
    if user is None:
        return False
    if part.user_id is not None:
        return part.user_id == user.id
    return part.department_id is not None and part.department_id == headed_department_id(user)


def sub_assign(session, parent: Assignment, officer: UserAccount, deadline: dt.date | None,
               instruction: str | None = None,
               role: AssignmentRole = AssignmentRole.lead) -> Assignment:
    """A department head passes their part on to an officer of the department."""
    errors: dict = {}
    _check_length(errors, "instruction", instruction, INSTRUCTION_LIMIT)
    if parent.department_id is None or officer.department_id != parent.department_id:
        errors["assignee"] = [str(_l("Choose an officer of the assigned department."))]
    message = check_sub_deadline(parent.deadline, deadline)
    if message:
        errors["deadline"] = [str(message)]
    if parent.status == AssignmentStatus.completed:
        errors["status"] = [str(_l("This part of the work is already complete."))]
    raise_if_errors(errors)
    child = _create(session, parent.incoming, parent, instruction,
                    Target(role=role, user=officer, deadline=deadline or parent.deadline))
    return child


def _check_length(errors: dict, field: str, text: str | None, limit: int) -> None:
    if text and len(text.strip()) > limit:
        errors.setdefault(field, []).append(
            str(_l("At most %(n)s characters.", n=limit)))


def record_progress(session, assignment: Assignment, note: str) -> Assignment:
    if not (note or "").strip():
        raise refusal("note", _l("Describe the progress."))
    errors: dict = {}
    _check_length(errors, "note", note, NOTE_LIMIT)
    raise_if_errors(errors)
    if assignment.status == AssignmentStatus.completed:
        raise refusal("status", _l("This part of the work is already complete."))
    history.record(session, assignment.incoming, "progress", comment=f"{assignment.assignee_name}: {note.strip()}")
    return start(session, assignment)


def start(session, assignment: Assignment) -> Assignment:
    """Work has begun on a part (progress, a working file, a proposed reply): it and
    the parts above it, and the document, are 05 Đang xử lý."""
    if assignment.status == AssignmentStatus.assigned:
        assignment.status = AssignmentStatus.processing
    _mark_up_the_tree(assignment, AssignmentStatus.processing)
    _set_document_status(session, assignment.incoming, IncomingStatus.processing)
    return assignment


def complete(session, assignment: Assignment, note: str | None = None) -> Assignment:
    """Hoàn thành a part; the document is complete when its lead's part is."""
    if assignment.status == AssignmentStatus.completed:
        raise refusal("status", _l("This part of the work is already complete."))
    errors: dict = {}
    _check_length(errors, "note", note, NOTE_LIMIT)
    raise_if_errors(errors)
    assignment.status = AssignmentStatus.completed
    assignment.completed_at = utcnow()
    assignment.completed_on = local_today()
    history.record(session, assignment.incoming, "completed_part",
                   comment=f"{assignment.assignee_name}: {(note or '').strip()}".rstrip(": "))
    root = assignment
    while root.parent is not None:
        root = root.parent
    if root is assignment and root.role == AssignmentRole.lead:
        _set_document_status(session, assignment.incoming, IncomingStatus.completed, note)
    return assignment


def routing_tree(session, document: IncomingDocument) -> list[Assignment]:
    """Top-level parts of a document; each carries its ``children``."""
    return (session.query(Assignment)
            .filter_by(incoming_id=document.id, parent_id=None)
            .order_by(Assignment.id).all())


def _create(session, document, parent, instruction, target: Target) -> Assignment:
    assignment = Assignment(
        agency_id=document.agency_id, incoming=document, parent=parent, role=target.role,
        department=target.department, user=target.user, deadline=target.deadline,
        instruction=(instruction or "").strip() or None, assigned_by_id=_actor_id(),
        status=AssignmentStatus.assigned,
    )
    session.add(assignment)
    history.record(session, document, "assigned",
                   comment=f"{assignment.assignee_name} ({ROLE_LABELS[target.role]})")
    from app.routing.reminders import notify_assigned

    notify_assigned(session, assignment)
    return assignment


def _mark_up_the_tree(assignment: Assignment, status: AssignmentStatus) -> None:
    parent = assignment.parent
    while parent is not None and parent.status == AssignmentStatus.assigned:
        parent.status = status
        parent = parent.parent


_ORDER = [IncomingStatus.registered, IncomingStatus.assigned, IncomingStatus.processing,
          IncomingStatus.completed]


def _set_document_status(session, document, status: IncomingStatus, comment=None) -> None:
    """The document moves forward only (04 → 05 → 06), never back."""
    if document.status in _ORDER and _ORDER.index(status) > _ORDER.index(document.status):
        source = document.status
        document.status = status
        history.record(session, document, "status", source, status, comment)
