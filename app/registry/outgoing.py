"""Văn bản đi: draft → review → approval by the signer → issuance by the văn thư
(number and date) → sending. Issued documents are never edited (NĐ 30 Đ18.3: a
correction is a new document that replaces or amends)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from app.i18n import local_today, utcnow
from app.models import (
    Agency,
    Attachment,
    Direction,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingRecipient,
    OutgoingStatus,
)
from app.registry import history
from app.registry.numbering import format_number, outgoing_notation, take_next_number
from app.registry.registers import choose_register
from app.registry.rules import document_errors
from app.registry.text import fold_all
from app.security.scope import current_user
from app.signatures.documents import copy_checks
from app.validation import raise_if_errors, refusal

EDITABLE = (OutgoingStatus.draft, OutgoingStatus.in_review)
TRANSITIONS = {
    "submit": (OutgoingStatus.draft, OutgoingStatus.in_review),
    "return": (OutgoingStatus.in_review, OutgoingStatus.draft),
    "approve": (OutgoingStatus.in_review, OutgoingStatus.approved),
}


def index_text(document: OutgoingDocument) -> None:
    notation = f"{document.number}/{document.notation}" if document.number else None
    document.search_text = fold_all(document.subject, notation, document.signer_name)


def check_draft(document: OutgoingDocument) -> None:
    errors = document_errors(document)
    replaced = document.replaces
    if replaced is not None and (replaced.agency_id != document.agency_id
                                 or replaced.status != OutgoingStatus.issued):
        errors.setdefault("replaces", []).append(str(_l(
            "Only an issued document of your agency can be replaced or amended.")))
    if document.document_type_id is None and document.document_type is None:
        errors.setdefault("document_type", []).append(str(_l("Choose the document type.")))
    raise_if_errors(errors)


def save_draft(session, document: OutgoingDocument) -> OutgoingDocument:
    """Create or update a draft; only drafts and documents under review change."""
    document.status = document.status or OutgoingStatus.draft
    if document.status not in EDITABLE:
        raise refusal("status", _l(
            "An issued document cannot be changed; issue a new document that replaces "
            "or amends it."))
    check_draft(document)
    index_text(document)
    is_new = document.id is None
    if is_new:
        actor = current_user()
        document.created_by_id = document.created_by_id or getattr(actor, "id", None)
        document.drafter_id = document.drafter_id or getattr(actor, "id", None)
        session.add(document)
        session.flush()
    history.record(session, document, "created" if is_new else "edited",
                   to_status=document.status)
    return document


def transition(session, document: OutgoingDocument, step: str, comment: str | None = None,
               signer=None) -> OutgoingDocument:
    source, target = TRANSITIONS[step]
    if document.status != source:
        raise refusal("status", _l("This step is not possible in the document's current state."))
    if step == "return" and not (comment or "").strip():
        raise refusal("comment", _l("Say why the draft goes back."))
    if step == "approve" and signer is not None:
        document.signer_id = signer.id
        document.signer_name = document.signer_name or signer.get_full_name()
        document.signer_position = document.signer_position or signer.position
    document.status = target
    history.record(session, document, step, source, target, comment)
    return document


def issue(session, document: OutgoingDocument, register_id: int | None = None) -> OutgoingDocument:
    """Cấp số và ngày ban hành (NĐ 30 Đ15.3: by the system), in the caller's transaction.

    The number is taken last, just before the commit the caller makes, so the register
    row stays locked for as short a time as possible."""
    if document.status != OutgoingStatus.approved:
        raise refusal("status", _l("Only an approved document can be issued."))
    check_draft(document)
    issued_date = local_today()
    register = choose_register(session, document.agency_id, Direction.outgoing,
                               issued_date.year, register_id)
    agency = document.agency or session.get(Agency, document.agency_id)
    department = document.drafting_department
    document.notation = outgoing_notation(
        document.document_type.abbreviation, agency.abbreviation,
        department.abbreviation if department else None,
    )
    document.register_id = register.id
    document.year = issued_date.year
    document.issued_date = issued_date
    document.issued_at = utcnow()
    document.issued_by_id = getattr(current_user(), "id", None)
    document.number = take_next_number(session, register)
    document.status = OutgoingStatus.issued
    index_text(document)
    history.record(session, document, "issued", OutgoingStatus.approved, OutgoingStatus.issued,
                   document.number_display)
    return document


def send(session, document: OutgoingDocument, agencies: Iterable[Agency] = (),
         external: Iterable[tuple[str, str | None]] = ()) -> list[OutgoingRecipient]:
    """Send an issued document. Agencies of this install get it at once as an incoming
    item waiting for their văn thư (01 Đã đến); outside recipients wait for the
    exchange (edXML) delivery."""
    if document.status != OutgoingStatus.issued:
        raise refusal("status", _l("Only an issued document can be sent."))
    already = {r.agency_id for r in document.recipients if r.agency_id}
    created = []
    now = utcnow()
    for agency in agencies:
        if agency.id in already or agency.id == document.agency_id:
            continue
        incoming = deliver_internally(session, document, agency)
        recipient = OutgoingRecipient(outgoing=document, agency=agency, incoming=incoming,
                                      sent_at=now)
        session.add(recipient)
        created.append(recipient)
    for name, code in external:
        recipient = OutgoingRecipient(outgoing=document, external_name=name,
                                      external_code=code, sent_at=now)
        session.add(recipient)
        created.append(recipient)
    if created:
        history.record(session, document, "sent", comment="; ".join(
            r.agency.name if r.agency else r.external_name for r in created))
    return created


def deliver_internally(session, document: OutgoingDocument, agency: Agency) -> IncomingDocument:
    sender = document.agency
    incoming = IncomingDocument(
        agency_id=agency.id,
        status=IncomingStatus.arrived,
        source_outgoing_id=document.id,
        author_agency_id=sender.id,
        author=sender.name,
        document_type_id=document.document_type_id,
        code_number=format_number(document.number),
        code_notation=document.notation,
        document_date=document.issued_date,
        subject=document.subject,
        signer_name=document.signer_name,
        signer_position=document.signer_position,
        urgency=document.urgency,
        page_count=document.page_count,
        due_date=document.due_date,
        arrived_at=utcnow(),
    )
    incoming.search_text = fold_all(incoming.subject, f"{incoming.code_number}/{incoming.code_notation}",
                                    incoming.author, incoming.signer_name)
    session.add(incoming)
    session.flush()
    for attachment in document.attachments:
        copy = Attachment(
            agency_id=agency.id, incoming_id=incoming.id, sha256=attachment.sha256,
            size=attachment.size, filename=attachment.filename,
            mime_type=attachment.mime_type, uploaded_by_id=attachment.uploaded_by_id,
        )
        copy_checks(attachment, copy)
        session.add(copy)
    incoming.legal_status = document.legal_status
    history.record(session, incoming, "arrived", to_status=IncomingStatus.arrived,
                   comment=sender.name)
    return incoming


def cancel(session, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    """Hủy: the record stays with the reason, who and when (QĐ 778 Đ12.1)."""
    if not (reason or "").strip():
        raise refusal("reason", _l("Give the reason for cancelling."))
    if document.status == OutgoingStatus.cancelled:
        raise refusal("status", _l("The document is already cancelled."))
    source = document.status
    document.status = OutgoingStatus.cancelled
    document.cancel_reason = reason.strip()
    document.cancelled_at = utcnow()
    document.cancelled_by_id = getattr(current_user(), "id", None)
    history.record(session, document, "cancelled", source, OutgoingStatus.cancelled, reason)
    return document


def recipient_statuses(document: OutgoingDocument) -> list[tuple[str, str | None]]:
    """(recipient, national status code) as the sender sees them, live."""
    return [
        (r.name, r.incoming.status.value if r.incoming else None) for r in document.recipients
    ]
