"""Which files of a document carry its signatures."""

from __future__ import annotations

from app.models import Attachment, AttachmentSignature

PDF_MIME = "application/pdf"


def is_pdf(attachment: Attachment) -> bool:
    return (attachment.mime_type or "").lower() == PDF_MIME


def own_pdfs(document) -> list[Attachment]:
    """The document's own PDF files, oldest first (``attachments`` is ordered by id);
    a handler's working files (tệp xử lý) do not count."""
    return [a for a in document.attachments if a.assignment_id is None and is_pdf(a)]


def main_pdf(document) -> Attachment | None:
    """The main document (văn bản chính) is the first PDF file; the others are
    attachments in separate files (phụ lục)."""
    pdfs = own_pdfs(document)
    return pdfs[0] if pdfs else None


def copy_checks(source: Attachment, target: Attachment) -> None:
    """The same bytes delivered to another agency of this install carry the same
    signatures: the recipient gets the sender's verification results with the file
    instead of verifying it again for each recipient."""
    target.signature_state = source.signature_state
    target.signatures = [
        AttachmentSignature(
            agency_id=target.agency_id,
            **{column: getattr(check, column) for column in CHECK_COLUMNS})
        for check in source.signatures
    ]


CHECK_COLUMNS = tuple(
    column.key for column in AttachmentSignature.__table__.columns
    if column.key not in ("id", "agency_id", "attachment_id"))
