"""Attaching files to documents and reading them back, for those allowed to see them.

Files enter only through ``app.files.pipeline.accept_upload`` (size, type, inspectors);
here an accepted file becomes an Attachment row of a document that may still change:
a draft văn bản đi, or a văn bản đến not yet registered.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from app.files.pipeline import AcceptedFile, UploadRefused, accept_upload
from app.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
)
from app.registry import history
from app.registry.outgoing import EDITABLE
from app.security.scope import current_user
from app.signatures.documents import is_pdf
from app.signatures.verify import verify_and_record
from app.validation import DomainValidationError


def can_attach(document) -> bool:
    if isinstance(document, OutgoingDocument):
        return document.status in EDITABLE
    return document.status == IncomingStatus.arrived


def accept_all(files: Iterable) -> list[AcceptedFile]:
    """Run every uploaded file (werkzeug FileStorage) through the pipeline; the first
    refusal becomes a field error on ``files`` and nothing is attached."""
    accepted = []
    for storage in files:
        if not getattr(storage, "filename", None):
            continue
        try:
            accepted.append(accept_upload(storage.stream, storage.filename, storage.mimetype))
        except UploadRefused as refused:
            raise DomainValidationError({"files": [f"{storage.filename}: {refused.message}"]}) \
                from refused
    return accepted


def attach(session, document, files: Iterable[AcceptedFile]) -> list[Attachment]:
    if not can_attach(document):
        raise DomainValidationError({"files": [str(_l(
            "Files can only be added to a draft or to a document not yet registered."))]})
    if document.id is None:
        session.add(document)
        session.flush()
    return _add_rows(session, document, files, "attached")


def attach_working_files(session, part: Assignment, files: Iterable[AcceptedFile]) -> list[Attachment]:
    """Tệp xử lý: a handler's working files on their part of a văn bản đến; the
    document's own files never change after registration."""
    if part.status == AssignmentStatus.completed:
        raise DomainValidationError({"files": [str(_l("This part of the work is already complete."))]})
    from app.routing.assignments import start

    rows = _add_rows(session, part.incoming, files, "working_files", assignment=part)
    if rows:
        start(session, part)
    return rows


def _add_rows(session, document, files, action: str, assignment=None) -> list[Attachment]:
    actor = current_user()
    rows = []
    for accepted in files:
        row = Attachment(
            agency_id=document.agency_id, sha256=accepted.sha256, size=accepted.size,
            filename=accepted.filename, mime_type=accepted.mime_type,
            uploaded_by_id=getattr(actor, "id", None), assignment=assignment,
        )
        if isinstance(document, OutgoingDocument):
            row.outgoing = document
        else:
            row.incoming = document
        session.add(row)
        rows.append(row)
    if rows:
        history.record(session, document, action, comment=", ".join(row.filename for row in rows))
        session.flush()
        # QĐ 778 Đ7: every PDF is checked for signatures as it arrives; the result, the
        # document's legal status and a history entry are stored with it.
        verify_and_record(session, *(row for row in rows if is_pdf(row)))
    return rows


def owner_of(attachment: Attachment) -> OutgoingDocument | IncomingDocument:
    return attachment.outgoing or attachment.incoming
