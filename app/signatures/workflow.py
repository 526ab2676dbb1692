"""Digital signatures on a văn bản đi, step by step (QĐ 778 Đ6, Đ7; NĐ 30 Đ32–33,
Phụ lục I; QĐ 28/2018 Đ4).

1. ``sign_and_approve``: the leader puts their visible signature on the main document
   (the draft's first PDF file) and so approves it.
2. The văn thư issues it (``app.registry.outgoing.issue``: number and date).
3. ``apply_agency_signature``: the văn thư writes the number and date into the main
   document — as form filling, which keeps the leader's signature valid — and signs it
   with the agency key and seal; every other PDF file of the document gets the agency
   signature on its first page, top right, without image.

A signed file replaces the attachment's bytes (the earlier bytes stay in the store, the
history says which); it is verified again at once, so the document's legal status and
history show the result.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l

from app.files.store import get_store
from app.i18n import utcnow
from app.models import (
    Attachment,
    LegalStatus,
    OutgoingDocument,
    OutgoingStatus,
    SignatureKind,
    SigningAuthority,
    SigningProfile,
    UserAccount,
)
from app.registry import history, outgoing
from app.signatures import profiles
from app.signatures.documents import main_pdf, own_pdfs
from app.signatures.keys import SigningError, open_pkcs12, pkcs11_signer, signer_from_pkcs12
from app.signatures.sign import (
    sign_as_agency,
    sign_as_person,
    sign_attachment_as_agency,
    write_issue_number,
)
from app.signatures.verify import verify_and_record
from app.validation import refusal

log = logging.getLogger(__name__)


@contextmanager
def signer_for(profile: SigningProfile | None, secret: str) -> Iterator[object]:
    """The pyHanko signer of a profile, opened with the password or PIN just typed; any
    failure to sign (wrong password, token missing, expired certificate) is a refusal
    on ``secret`` and leaves the files as they were."""
    try:
        if profile is None or not profile.key_source:
            raise SigningError("no_key", _l("No signing key is set up yet."))
        if profile.key_source == "pkcs12":
            yield signer_from_pkcs12(open_pkcs12(profile.pkcs12_encrypted), secret)
            return
        with pkcs11_signer(profile.pkcs11_token_label, profile.pkcs11_key_label,
                           secret) as signer:
            yield signer
    except SigningError as error:
        log.warning("signing refused: %s", error.code)
        raise refusal("secret", error.message) from error


def read_file(attachment: Attachment) -> bytes:
    with get_store().open(attachment.sha256) as blob:
        return blob.read()


def replace_file(session, attachment: Attachment, data: bytes) -> str:
    """The signed bytes become the attachment's; returns the earlier sha256."""
    earlier = attachment.sha256
    blob = get_store().put(io.BytesIO(data))
    attachment.sha256, attachment.size = blob.sha256, blob.size
    return earlier


def _needs(condition: bool, field: str, message) -> None:
    if not condition:
        raise refusal(field, message)


def _valid_signature(attachment: Attachment, kind: SignatureKind) -> bool:
    return any(s.valid and s.kind == kind for s in attachment.signatures)


def signature_title(document: OutgoingDocument, user: UserAccount) -> str:
    """Ô 7a of NĐ 30 Phụ lục I: the authority line, then the signer's position, upper
    case ("TM. UBND HUYỆN BÌNH SƠN / CHỦ TỊCH", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
    "Q. CHỦ TỊCH"). For TL. and TUQ. the head's position is not known here, so only the
    signer's position is shown."""
    position = (document.signer_position or user.position or "").upper()
    authority = document.signing_authority
    if authority == SigningAuthority.on_behalf:
        return f"TM. {document.agency.name.upper()}\n{position}"
    if authority == SigningAuthority.deputy and position.startswith("PHÓ "):
        return f"KT. {position.removeprefix('PHÓ ')}\n{position}"
    if authority == SigningAuthority.acting:
        return f"Q. {position}"
    return position


def sign_and_approve(session, document: OutgoingDocument, user: UserAccount, secret: str,
                     comment: str | None = None) -> Attachment:
    """Ký số của người có thẩm quyền on the main document, then approval."""
    _needs(document.status == OutgoingStatus.in_review, "status",
           _l("Only a document submitted for approval can be signed."))
    attachment = main_pdf(document)
    _needs(attachment is not None, "files", _l("The document has no PDF file to sign."))
    profile = profiles.find_profile(session, user=user)
    title = signature_title(document, user)
    with signer_for(profile, secret) as signer:
        signed = sign_as_person(read_file(attachment), signer, title=title,
                                name=user.get_full_name(), image_png=profiles.image_of(profile))
    earlier = replace_file(session, attachment, signed)
    history.record(session, document, "signed", comment=_signed_comment(attachment, earlier))
    verify_and_record(session, attachment)
    outgoing.transition(session, document, "approve", comment, signer=user)
    return attachment


def apply_agency_signature(session, document: OutgoingDocument, user: UserAccount,
                           secret: str) -> list[Attachment]:
    """Ký số của cơ quan by the văn thư, after issuance: number and date into the main
    document, then the agency key and seal; separate attachment files top right."""
    _needs(document.status == OutgoingStatus.issued, "status",
           _l("The agency signs a document only after it is issued."))
    pdfs = own_pdfs(document)
    _needs(bool(pdfs), "files", _l("The document has no PDF file to sign."))
    attachment, *others = pdfs
    # NĐ 30 Đ33.1.b: the văn thư signs only what the competent person has signed.
    _needs(_valid_signature(attachment, SignatureKind.person), "files",
           _l("The main document has no valid signature of the person who signed it."))
    _needs(document.legal_status != LegalStatus.valid_original
           and not _valid_signature(attachment, SignatureKind.agency), "files",
           _l("The agency has already signed this document."))
    agency = document.agency
    profile = profiles.find_profile(session, agency_id=document.agency_id)
    signed_at = utcnow()
    number = document.number_display
    with signer_for(profile, secret) as signer:
        numbered = write_issue_number(read_file(attachment), number=number,
                                      place=agency.place_name or agency.name,
                                      issued_on=document.issued_date)
        main = sign_as_agency(numbered, signer, agency_name=agency.name,
                              seal_png=profiles.image_of(profile), signed_at=signed_at)
        separate = [sign_attachment_as_agency(read_file(other), signer, number=number,
                                              signed_at=signed_at) for other in others]
    for row, data in zip(pdfs, [main, *separate], strict=True):
        earlier = replace_file(session, row, data)
        history.record(session, document, "agency_signed", comment=_signed_comment(row, earlier))
    verify_and_record(session, *pdfs)
    return pdfs


def _signed_comment(attachment: Attachment, earlier: str) -> str:
    return f"{attachment.filename}: {earlier[:12]}… → {attachment.sha256[:12]}…"
