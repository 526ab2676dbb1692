"""The data of the registers and reports, as plain rows (no formatting, no language).

Every function is held to one agency (``Scope.agency_id``), which the caller takes from
``app.security.scope``, never from the request; a department head's scope also names
their department. Each function runs a fixed number of queries whatever the number of
documents (related rows come with ``selectinload``/``joinedload``, assignments in one
extra query), so a year's register of thousands of documents costs a few queries.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.i18n import to_local
from app.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Department,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingRecipient,
    OutgoingStatus,
    Register,
)
from app.routing.time_limits import is_late
from app.security.scope import department_work

# Registers print in this order: by year, the default register first, then by name.
REGISTER_ORDER = (Register.year, Register.is_default.desc(), Register.name, Register.id)


@dataclass(frozen=True)
class Scope:
    """Whose documents: one agency; for a department head, one department of it."""

    agency_id: int
    department_id: int | None = None


@dataclass(frozen=True)
class Period:
    """Both days included."""

    start: dt.date
    end: dt.date


@dataclass
class Book:
    """One register (sổ) and its entries, in number order."""

    register: str
    entries: list = field(default_factory=list)


def local_date(value: dt.datetime | None) -> dt.date | None:
    """The day in Vietnam of a stored (naive UTC) timestamp."""
    return to_local(value).date() if value else None


def number_notation(document: IncomingDocument) -> str:
    """Số, ký hiệu of a văn bản đến as written on it: 123/BTTTT-CĐSQG."""
    return "/".join(part for part in (document.code_number, document.code_notation) if part)


def type_name(document) -> str:
    return document.document_type.name if document.document_type else ""


# --- Registers of the agency (for the form) ------------------------------------------------


def agency_registers(session, agency_id: int) -> list[Register]:
    """Every register of the agency, newest year first."""
    return session.scalars(
        select(Register).where(Register.agency_id == agency_id)
        .order_by(Register.year.desc(), Register.direction, Register.name)
    ).all()


def register_of(session, scope: Scope, register_id: int | None) -> Register | None:
    """The register, if it belongs to the agency in scope."""
    if register_id is None:
        return None
    register = session.get(Register, register_id)
    return register if register is not None and register.agency_id == scope.agency_id else None


# --- Văn bản đến --------------------------------------------------------------------------


def _assigned_to(department_id: int):
    """The department has work on the document: a part given to it or to one of its
    people (phân công, NĐ 30 Đ24)."""
    return exists().where(Assignment.incoming_id == IncomingDocument.id,
                          department_work(department_id))


def _incoming_conditions(scope: Scope, period: Period, register_id: int | None) -> list:
    """Registered (số đến given) văn bản đến of the agency that arrived in the period."""
    conditions = [
        IncomingDocument.agency_id == scope.agency_id,
        IncomingDocument.arrival_number.isnot(None),
        IncomingDocument.arrival_date.between(period.start, period.end),
    ]
    if register_id is not None:
        conditions.append(IncomingDocument.register_id == register_id)
    if scope.department_id is not None:
        conditions.append(_assigned_to(scope.department_id))
    return conditions


def _top_level_parts(session, document_ids) -> dict[int, list[Assignment]]:
    """Top-level assignments of the documents, the lead (chủ trì) first, in one query."""
    query = (
        select(Assignment)
        .where(Assignment.incoming_id.in_(document_ids), Assignment.parent_id.is_(None))
        .options(joinedload(Assignment.department), joinedload(Assignment.user))
        .order_by(Assignment.incoming_id, Assignment.id)
    )
    parts: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in session.scalars(query):
        parts[assignment.incoming_id].append(assignment)
    for assigned in parts.values():
        assigned.sort(key=lambda a: a.role != AssignmentRole.lead)  # stable: then by id
    return parts


def _registered_incoming(session, scope: Scope, period: Period, register_id: int | None,
                         *extra) -> tuple[list[IncomingDocument], dict[int, list[Assignment]]]:
    conditions = [*_incoming_conditions(scope, period, register_id), *extra]
    documents = session.scalars(
        select(IncomingDocument)
        .join(IncomingDocument.register)
        .where(*conditions)
        .options(contains_eager(IncomingDocument.register),
                 selectinload(IncomingDocument.document_type),
                 selectinload(IncomingDocument.replies))
        .order_by(*REGISTER_ORDER, IncomingDocument.arrival_number)
    ).all()
    parts = _top_level_parts(session, select(IncomingDocument.id).where(*conditions))
    return documents, parts


def _books(session, scope: Scope, register_id: int | None,
           pairs: Iterable[tuple[Register, object]]) -> list[Book]:
    """Entries grouped by register (the input is in register order); the chosen
    register with no entry still gets its (empty) book."""
    books: list[Book] = []
    current = None
    for register, entry in pairs:
        if register.id != current:
            books.append(Book(str(register)))
            current = register.id
        books[-1].entries.append(entry)
    chosen = register_of(session, scope, register_id)
    if not books and chosen is not None:
        books.append(Book(str(chosen)))
    return books


def _receivers(document: IncomingDocument, parts: list[Assignment]) -> tuple[str, ...]:
    """Đơn vị hoặc người nhận: the top-level assignees (lead first), else what the văn
    thư wrote when registering it."""
    if parts:
        return tuple(a.assignee_name for a in parts)
    return (document.to_places,) if document.to_places else ()


def _passed_on(document: IncomingDocument, parts: list[Assignment]) -> dt.date | None:
    """Ngày chuyển: when it was presented (trình), else when it was first assigned."""
    if document.presented_at:
        return local_date(document.presented_at)
    return min((local_date(a.assigned_at) for a in parts), default=None)


def _cancel_reason(document) -> str | None:
    cancelled = document.status in (IncomingStatus.cancelled, OutgoingStatus.cancelled)
    return (document.cancel_reason or "") if cancelled else None


@dataclass(frozen=True)
class IncomingEntry:
    """A line of the Sổ đăng ký văn bản đến (NĐ 30 Phụ lục IV)."""

    arrival_date: dt.date
    arrival_number: int
    author: str
    number_notation: str
    document_date: dt.date | None
    type_name: str
    subject: str
    receivers: tuple[str, ...]
    passed_on: dt.date | None
    description: str | None
    cancel_reason: str | None  # None unless recalled: the line stays, the number is used


def incoming_register(session, scope: Scope, period: Period,
                      register_id: int | None = None) -> list[Book]:
    """Sổ đăng ký văn bản đến: every registered document of the period, by register and
    số đến, recalled ones included (a printed register shows every number)."""
    documents, parts = _registered_incoming(session, scope, period, register_id)
    pairs = (
        (d.register, IncomingEntry(
            arrival_date=d.arrival_date, arrival_number=d.arrival_number, author=d.author,
            number_notation=number_notation(d), document_date=d.document_date,
            type_name=type_name(d), subject=d.subject, receivers=_receivers(d, parts[d.id]),
            passed_on=_passed_on(d, parts[d.id]), description=d.description,
            cancel_reason=_cancel_reason(d),
        ))
        for d in documents
    )
    return _books(session, scope, register_id, pairs)


class Progress(str, enum.Enum):
    """Where the handling of a document (or of a unit's part) stands."""

    not_assigned = "not_assigned"
    in_progress = "in_progress"
    overdue = "overdue"
    completed = "completed"
    completed_late = "completed_late"
    cancelled = "cancelled"


@dataclass(frozen=True)
class Handling:
    progress: Progress
    deadline: dt.date | None
    done: dt.date | None = None
    days_late: int = 0


def classify(deadline: dt.date | None, done: dt.date | None, completed: bool,
             today: dt.date) -> Handling:
    """On time or late by ``time_limits.is_late``, with the days past the deadline."""
    finished = done if completed else None
    late = is_late(finished, deadline, today)
    days = ((finished or today) - deadline).days if late else 0
    if completed:
        return Handling(Progress.completed_late if late else Progress.completed, deadline,
                        done, days)
    return Handling(Progress.overdue if late else Progress.in_progress, deadline, None, days)


def _lead(parts: list[Assignment]) -> Assignment | None:
    return next((a for a in parts if a.role == AssignmentRole.lead), None)


def document_handling(document: IncomingDocument, parts: list[Assignment],
                      today: dt.date) -> Handling:
    """A document is complete when its lead's part is (app.routing.assignments); its
    deadline is its own (thời hạn giải quyết), else the lead's."""
    lead = _lead(parts)
    deadline = document.due_date or (lead.deadline if lead else None)
    if document.status == IncomingStatus.cancelled:
        return Handling(Progress.cancelled, deadline)
    completed = document.status == IncomingStatus.completed
    done = local_date(lead.completed_at) if completed and lead else None
    handling = classify(deadline, done, completed, today)
    if handling.progress == Progress.in_progress and not parts:
        return Handling(Progress.not_assigned, deadline)
    return handling


@dataclass(frozen=True)
class FollowUpEntry:
    """A line of the Sổ theo dõi giải quyết văn bản đến."""

    arrival_number: int
    type_name: str
    number_notation: str
    document_date: dt.date | None
    author: str
    subject: str
    receivers: tuple[str, ...]
    handling: Handling
    replies: tuple[str, ...]  # số, ký hiệu of the issued replies (edXML ResponseFor)
    description: str | None


def incoming_follow_up(session, scope: Scope, period: Period, today: dt.date,
                       register_id: int | None = None) -> list[Book]:
    """Sổ theo dõi giải quyết văn bản đến: registered documents of the period that have
    a deadline or were assigned, by số đến."""
    to_follow = or_(
        IncomingDocument.due_date.isnot(None),
        exists().where(Assignment.incoming_id == IncomingDocument.id,
                       Assignment.parent_id.is_(None)),
    )
    documents, parts = _registered_incoming(session, scope, period, register_id, to_follow)
    pairs = (
        (d.register, FollowUpEntry(
            arrival_number=d.arrival_number, type_name=type_name(d),
            number_notation=number_notation(d), document_date=d.document_date,
            author=d.author, subject=d.subject, receivers=_receivers(d, parts[d.id]),
            handling=document_handling(d, parts[d.id], today),
            replies=tuple(r.number_display for r in d.replies
                          if r.status == OutgoingStatus.issued and r.number),
            description=d.description,
        ))
        for d in documents
    )
    return _books(session, scope, register_id, pairs)


class UnitKind(str, enum.Enum):
    department = "department"
    persons = "persons"  # parts given straight to a person, not to a unit
    unassigned = "unassigned"
    total = "total"


# Where each state is counted in the report.
COUNTED_AS = {
    Progress.completed: "on_time",
    Progress.completed_late: "late",
    Progress.in_progress: "pending",
    Progress.not_assigned: "pending",
    Progress.overdue: "overdue",
}


@dataclass
class HandlingCounts:
    """One line of the Báo cáo tình hình giải quyết văn bản đến."""

    unit: str
    kind: UnitKind
    received: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0
    overdue: int = 0

    def count(self, progress: Progress) -> None:
        self.received += 1
        name = COUNTED_AS[progress]
        setattr(self, name, getattr(self, name) + 1)

    def add(self, other: HandlingCounts) -> None:
        for name in ("received", "on_time", "late", "pending", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class OverdueEntry:
    arrival_number: int
    arrival_date: dt.date
    number_notation: str
    author: str
    subject: str
    assignee: str | None  # None: not assigned yet
    deadline: dt.date
    days_late: int


@dataclass
class IncomingHandlingReport:
    units: list[HandlingCounts]
    total: HandlingCounts
    overdue: list[OverdueEntry]


def _unit_rows(session, scope: Scope) -> dict[int, HandlingCounts]:
    query = select(Department).where(Department.agency_id == scope.agency_id,
                                     Department.active.is_(True))
    if scope.department_id is not None:
        query = query.where(Department.id == scope.department_id)
    return {d.id: HandlingCounts(d.name, UnitKind.department)
            for d in session.scalars(query.order_by(Department.name))}


def incoming_handling(session, scope: Scope, period: Period,
                      today: dt.date) -> IncomingHandlingReport:
    """Per unit leading the work (chủ trì): received, completed on time or late, in
    progress before or past the deadline (the unit's deadline, else the document's);
    then the documents in progress past their deadline, the longest overdue first."""
    documents, parts = _registered_incoming(
        session, scope, period, None, IncomingDocument.status != IncomingStatus.cancelled)
    units = _unit_rows(session, scope)
    persons = HandlingCounts("", UnitKind.persons)
    unassigned = HandlingCounts("", UnitKind.unassigned)
    overdue: list[OverdueEntry] = []
    for document in documents:
        lead = _lead(parts[document.id])
        held_to = scope.department_id
        if held_to is not None and (lead is None or lead.department_id != held_to):
            continue  # a department head counts the parts their unit leads
        deadline = (lead.deadline if lead else None) or document.due_date
        completed = lead is not None and lead.status == AssignmentStatus.completed
        handling = classify(deadline, local_date(lead.completed_at) if completed else None,
                            completed, today)
        if lead is None:
            row = unassigned
        elif lead.department_id is None:
            row = persons
        else:
            row = units.setdefault(lead.department_id,
                                   HandlingCounts(lead.department.name, UnitKind.department))
        row.count(handling.progress)
        if handling.progress == Progress.overdue:
            overdue.append(OverdueEntry(
                arrival_number=document.arrival_number, arrival_date=document.arrival_date,
                number_notation=number_notation(document), author=document.author,
                subject=document.subject, assignee=lead.assignee_name if lead else None,
                deadline=deadline, days_late=handling.days_late,
            ))
    rows = list(units.values()) + [row for row in (persons, unassigned) if row.received]
    total = HandlingCounts("", UnitKind.total)
    for row in rows:
        total.add(row)
    overdue.sort(key=lambda e: (e.deadline, e.arrival_date, e.arrival_number))
    return IncomingHandlingReport(rows, total, overdue)


# --- Văn bản đi ---------------------------------------------------------------------------


def _outgoing_conditions(scope: Scope, period: Period, statuses) -> list:
    """Numbered văn bản đi of the agency issued in the period; a department head's
    are those their unit drafted (it keeps the file copy)."""
    conditions = [
        OutgoingDocument.agency_id == scope.agency_id,
        OutgoingDocument.status.in_(statuses),
        OutgoingDocument.number.isnot(None),
        OutgoingDocument.issued_date.between(period.start, period.end),
    ]
    if scope.department_id is not None:
        conditions.append(OutgoingDocument.drafting_department_id == scope.department_id)
    return conditions


@dataclass(frozen=True)
class OutgoingEntry:
    """A line of the Sổ đăng ký văn bản đi (NĐ 30 Phụ lục IV)."""

    number_display: str
    issued_date: dt.date
    type_name: str
    subject: str
    signer: str
    recipients: tuple[str, ...]
    file_copy: str  # the drafting unit keeps the file copy (bản lưu)
    copies: int | None
    passed_on: dt.date | None
    description: str | None
    cancel_reason: str | None


def outgoing_register(session, scope: Scope, period: Period,
                      register_id: int | None = None) -> list[Book]:
    """Sổ đăng ký văn bản đi: every number issued in the period, by register and number;
    cancelled documents keep their line (the register shows every number, QĐ 778 Đ12.1)."""
    conditions = _outgoing_conditions(scope, period,
                                      (OutgoingStatus.issued, OutgoingStatus.cancelled))
    if register_id is not None:
        conditions.append(OutgoingDocument.register_id == register_id)
    documents = session.scalars(
        select(OutgoingDocument)
        .join(OutgoingDocument.register)
        .where(*conditions)
        .options(contains_eager(OutgoingDocument.register),
                 selectinload(OutgoingDocument.document_type),
                 selectinload(OutgoingDocument.drafting_department),
                 selectinload(OutgoingDocument.recipients).selectinload(OutgoingRecipient.agency))
        .order_by(*REGISTER_ORDER, OutgoingDocument.number)
    ).all()
    pairs = (
        (d.register, OutgoingEntry(
            number_display=d.number_display, issued_date=d.issued_date, type_name=type_name(d),
            subject=d.subject, signer=d.signer_name or "",
            recipients=tuple(r.name for r in d.recipients),
            file_copy=d.drafting_department.name if d.drafting_department else "",
            copies=d.issued_amount,
            passed_on=min((local_date(r.sent_at) for r in d.recipients if r.sent_at),
                          default=None),
            description=d.description, cancel_reason=_cancel_reason(d),
        ))
        for d in documents
    )
    return _books(session, scope, register_id, pairs)


@dataclass
class OutgoingTypeCounts:
    """One line of the Báo cáo tình hình giải quyết văn bản đi."""

    type_name: str
    issued: int = 0
    sent: int = 0  # sent electronically to at least one recipient
    recipients: int = 0
    completed: int = 0  # recipients whose handling reached 06 Hoàn thành
    open: int = 0  # recipients still handling it (not 06, not returned or recalled)
    replies_expected: int = 0  # documents with a reply deadline (hạn trả lời)
    replies_overdue: int = 0

    def add(self, other: OutgoingTypeCounts) -> None:
        for item in fields(self)[1:]:
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass
class OutgoingHandlingReport:
    types: list[OutgoingTypeCounts]
    total: OutgoingTypeCounts


CLOSED = (IncomingStatus.returned, IncomingStatus.cancelled)


def _answered(recipient: OutgoingRecipient) -> bool:
    """The recipient completed it (06) or issued a reply to it."""
    document = recipient.incoming
    return document is not None and (
        document.status == IncomingStatus.completed
        or any(r.status == OutgoingStatus.issued for r in document.replies))


def _waiting(recipient: OutgoingRecipient) -> bool:
    closed = recipient.incoming is not None and recipient.incoming.status in CLOSED
    return not closed and not _answered(recipient)


def outgoing_handling(session, scope: Scope, period: Period,
                      today: dt.date) -> OutgoingHandlingReport:
    """Per document type: issued, sent electronically, where each recipient stands
    (national codes, QĐ 28/2018; an outside recipient stays open until the exchange
    reports back), replies expected and past their deadline."""
    documents = session.scalars(
        select(OutgoingDocument)
        .where(*_outgoing_conditions(scope, period, (OutgoingStatus.issued,)))
        .options(selectinload(OutgoingDocument.document_type),
                 selectinload(OutgoingDocument.recipients)
                 .selectinload(OutgoingRecipient.incoming)
                 .selectinload(IncomingDocument.replies))
    ).all()
    rows: dict[int, tuple[tuple[int, str], OutgoingTypeCounts]] = {}
    for document in documents:
        kind = document.document_type
        _, row = rows.setdefault(kind.id, ((kind.sort_order, kind.name),
                                           OutgoingTypeCounts(kind.name)))
        recipients = document.recipients
        row.issued += 1
        row.sent += any(r.sent_at for r in recipients)
        row.recipients += len(recipients)
        row.completed += sum(r.incoming is not None
                             and r.incoming.status == IncomingStatus.completed
                             for r in recipients)
        row.open += sum(r.incoming is None or r.incoming.status not in
                        (IncomingStatus.completed, *CLOSED) for r in recipients)
        if document.due_date:
            row.replies_expected += 1
            row.replies_overdue += is_late(None, document.due_date, today) and any(
                _waiting(r) for r in recipients)
    types = [row for _, row in sorted(rows.values(), key=lambda item: item[0])]
    total = OutgoingTypeCounts("")
    for row in types:
        total.add(row)
    return OutgoingHandlingReport(types, total)

