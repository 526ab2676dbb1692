"""The legal status of a document from the signatures on its own PDF files.

QĐ 778 Đ6 (and QĐ 28/2018/QĐ-TTg Đ4): an electronic document is a valid original only
when it carries the valid digital signature of the person with authority to sign and
the valid digital signature of the issuing agency (ký số của cơ quan, tổ chức). Only the
document's own files count; a handler's working files (tệp xử lý, assignment set) do not.
"""

from __future__ import annotations

from app.models import LegalStatus, SignatureKind
from app.signatures.documents import own_pdfs


def legal_status_of(document) -> LegalStatus | None:
    """None without a PDF; ``invalid`` if any signature on the document's own PDFs is
    invalid (or a PDF could not be read); ``valid_original`` if one PDF carries a valid
    signature of a person and a valid signature of the agency; else ``person_only``,
    ``agency_only`` or ``unsigned``."""
    pdfs = own_pdfs(document)
    if not pdfs:
        return None
    if any(a.signature_state == "invalid" or any(not s.valid for s in a.signatures)
           for a in pdfs):
        return LegalStatus.invalid
    kinds_per_file = [{s.kind for s in a.signatures if s.valid} for a in pdfs]
    if any({SignatureKind.person, SignatureKind.agency} <= kinds for kinds in kinds_per_file):
        return LegalStatus.valid_original
    valid_kinds = set().union(*kinds_per_file)
    if SignatureKind.person in valid_kinds:
        return LegalStatus.person_only
    if SignatureKind.agency in valid_kinds:
        return LegalStatus.agency_only
    return LegalStatus.unsigned


def refresh_legal_status(session, document) -> LegalStatus | None:
    """Set ``document.legal_status`` from its attachments as they are now."""
    session.flush()
    # ``attachments`` is a read-only relationship: load it again to see new files.
    session.expire(document, ["attachments"])
    document.legal_status = legal_status_of(document)
    return document.legal_status
