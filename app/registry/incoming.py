"""Văn bản đến: arrived items are registered by the văn thư (số đến, Phụ lục VI fields)
or returned to the sender with a mandatory reason (NĐ 30 Đ21–22)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.i18n import local_today, utcnow
from app.models import Direction, IncomingDocument, IncomingStatus
from app.registry import history
from app.registry.numbering import format_number, take_next_number
from app.registry.registers import choose_register
from app.registry.rules import document_errors
from app.registry.text import fold_all
from app.security.scope import current_user
from app.validation import check_required, raise_if_errors, refusal

INCOMING_CHECKS = {"author": [check_required]}


def index_text(document: IncomingDocument) -> None:
    notation = "/".join(p for p in (document.code_number, document.code_notation) if p)
    document.search_text = fold_all(document.subject, notation, document.author,
                                    document.signer_name)


def check_fields(document: IncomingDocument) -> None:
    errors = document_errors(document, INCOMING_CHECKS)
    if document.due_date and document.document_date and document.due_date < document.document_date:
        errors.setdefault("due_date", []).append(
            str(_l("The deadline cannot be before the document's date.")))
    raise_if_errors(errors)


def receive(session, document: IncomingDocument) -> IncomingDocument:
    """A paper document scanned and uploaded, or typed in: it arrives (01 Đã đến)."""
    check_fields(document)
    document.status = IncomingStatus.arrived
    document.arrived_at = document.arrived_at or utcnow()
    index_text(document)
    session.add(document)
    session.flush()
    history.record(session, document, "arrived", to_status=IncomingStatus.arrived)
    return document


def register(session, document: IncomingDocument, register_id: int | None = None,
             arrival_date: dt.date | None = None) -> IncomingDocument:
    """Vào sổ: the next số đến of the register for the arrival year (restarts at 01 on
    1 January, NĐ 30 Đ22.2), same series for paper and electronic documents."""
    if document.status != IncomingStatus.arrived:
        raise refusal("status", _l("Only a document waiting to be registered can be registered."))
    check_fields(document)
    arrival_date = arrival_date or document.arrival_date or local_today()
    register_ = choose_register(session, document.agency_id, Direction.incoming,
                                arrival_date.year, register_id)
    document.register_id = register_.id
    document.year = arrival_date.year
    document.arrival_date = arrival_date
    document.registered_at = utcnow()
    document.registered_by_id = getattr(current_user(), "id", None)
    document.arrival_number = take_next_number(session, register_)
    document.status = IncomingStatus.registered
    index_text(document)
    history.record(session, document, "registered", IncomingStatus.arrived,
                   IncomingStatus.registered, format_number(document.arrival_number))
    return document


def return_to_sender(session, document: IncomingDocument, reason: str) -> IncomingDocument:
    """Từ chối tiếp nhận (02): invalid or wrong recipient; the reason is mandatory and the
    sender sees it (NĐ 30 Đ21.2)."""
    if not (reason or "").strip():
        raise refusal("reason", _l("Give the reason for returning the document."))
    if document.status != IncomingStatus.arrived:
        raise refusal("status", _l("Only a document waiting to be registered can be returned."))
    document.status = IncomingStatus.returned
    document.return_reason = reason.strip()
    history.record(session, document, "returned", IncomingStatus.arrived,
                   IncomingStatus.returned, reason.strip())
    return document
