"""Checking every signature of a PDF attachment (QĐ 778 Đ6, Đ7; TT 41/2017 Đ9.1).

``verify_pdf(path)`` validates each signature with pyHanko against the operator's trust
roots (``app.signatures.trust``) and says, in a ``SignatureReport``, what a clerk needs
to see: who signed (name, organisation, title), when, whether the signed bytes are
intact, whether the certificate chains to a trusted root (and if not, why, in words),
revocation data found in the file, and whether — and how — the document changed after
signing. A file that cannot be read as a PDF raises ``UnreadablePdf``; nothing else
escapes, whatever the bytes.

``check_attachment(session, attachment)`` stores those reports as AttachmentSignature
rows and sets ``attachment.signature_state``; ``verify_and_record(session, *attachments)``
also refreshes the documents' legal status and writes the result into their history.
Every upload (``app.registry.attachments``) and every signing calls it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from asn1crypto import core, crl, ocsp, x509
from flask import current_app
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import (
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    KeyUsageConstraints,
    validate_pdf_signature,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.status import PdfSignatureStatus

from app.files.store import get_store
from app.i18n import format_date, utcnow
from app.models import Attachment, AttachmentSignature, SignatureKind
from app.signatures.documents import is_pdf
from app.signatures.trust import TrustRoots, trust_roots, validation_context

log = logging.getLogger(__name__)

MODIFICATION_LEVELS = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "lta_updates",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}
# What may change after a signature and leave it valid: validation data (DSS, document
# timestamps), further signatures and form filling — and only as far as the signature's
# own DocMDP / field locks allow (pyHanko's docmdp_ok). Comments and annotations are not
# accepted: pyHanko cannot tell a harmless comment from one that hides content.
ALLOWED_CHANGES = frozenset({"none", "lta_updates", "form_filling"})
HISTORY_COMMENT_MAX = 1000
# A signing certificate must allow signing: digitalSignature or nonRepudiation (as PDF
# readers accept), where pyHanko alone would insist on nonRepudiation.
SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                        match_all_key_usages=False)
Problem = LazyString | str


class UnreadablePdf(Exception):
    """The file is not a PDF pyHanko can read (broken, truncated, password-protected);
    ``message`` says so in words for people. The caller marks the file invalid."""

    def __init__(self, message: Problem) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class SignatureReport:
    """One signature as the verification saw it; the fields of AttachmentSignature."""

    position: int  # 1 = signed first
    field_name: str | None
    kind: SignatureKind
    signer_name: str | None
    signer_organisation: str | None
    signer_title: str | None
    certificate_issuer: str | None
    certificate_serial: str | None
    certificate_valid_to: dt.datetime | None  # naive UTC
    signed_at: dt.datetime | None  # naive UTC: the timestamp's time, else the signer's
    timestamped: bool
    intact: bool  # the signed bytes are unchanged
    cryptographically_valid: bool
    trusted: bool  # the certificate chains to a trust root and was good at signing
    trust_problem: Problem | None  # why not trusted, for people (lazy, translated later)
    revocation: str  # "none" (no data in the file), "good", "revoked"
    modification_level: str | None  # none, lta_updates, form_filling, annotations, other
    changes_allowed: bool
    coverage: str | None  # pyHanko's SignatureCoverageLevel, lower case
    valid: bool  # all of the above hold


# --- person or agency ---------------------------------------------------------------


def _normalised(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def signer_kind(common_name: str | None, organisations: Iterable[str | None]) -> SignatureKind:
    """Chữ ký số của cơ quan, tổ chức or of a person.

    TT 41/2017/TT-BTTTT Đ6.2.b: the certificate of an agency or organisation names the
    agency itself as its subject. So a certificate whose common name equals its
    organisation (O) or organisational unit (OU) — compared after Unicode NFC, casefold
    and whitespace normalisation — is the agency's; anything else is a person's.
    This is a heuristic on the certificate's names; replace it here (e.g. by a
    certificate policy OID of Ban Cơ yếu Chính phủ, or a list of agency certificates)
    when a firmer rule is available.
    """
    name = _normalised(common_name)
    if name and any(name == _normalised(org) for org in organisations if org):
        return SignatureKind.agency
    return SignatureKind.person


# --- reading the file ----------------------------------------------------------------


def verify_pdf(path: str | Path, roots: TrustRoots | None = None) -> list[SignatureReport]:
    """Every signature of the PDF at ``path``, in signing order (document timestamps are
    validation data, not signatures, and are not listed). An empty list: not signed.
    Raises ``UnreadablePdf`` if the file cannot be read as a PDF."""
    with open(path, "rb") as stream:
        return verify_stream(stream, roots)


def verify_stream(stream: BinaryIO, roots: TrustRoots | None = None) -> list[SignatureReport]:
    """``verify_pdf`` for an open, seekable binary stream."""
    roots = roots if roots is not None else trust_roots()
    try:
        reader = _reader(stream)
        signatures = reader.embedded_regular_signatures
        revinfo = _dss_revinfo(reader)
    except UnreadablePdf:
        raise
    except Exception as error:  # untrusted bytes: any parser failure means "unreadable"
        log.warning("PDF could not be read for signature checks: %r", error,
                    exc_info=log.isEnabledFor(logging.DEBUG))
        raise UnreadablePdf(_l("The file could not be read as a PDF (damaged or "
                               "incomplete).")) from error
    return [_report(position, signature, roots, revinfo)
            for position, signature in enumerate(signatures, start=1)]


def _reader(stream: BinaryIO) -> PdfFileReader:
    try:
        reader = PdfFileReader(stream)
    except PdfStrictReadError as error:
        # Not quite valid PDF syntax. An unsigned file is still simply unsigned; a signed
        # one cannot be checked safely (lenient parsing opens the door to tricks that
        # show other content than what was signed).
        stream.seek(0)
        lenient = PdfFileReader(stream, strict=False)
        _decrypt(lenient)
        if lenient.embedded_signatures:
            raise UnreadablePdf(_l("The file does not follow the PDF format strictly, so "
                                   "its signatures cannot be checked safely.")) from error
        return lenient
    _decrypt(reader)
    return reader


def _decrypt(reader: PdfFileReader) -> None:
    """Files protected only against editing open with the empty password; files that
    need a password to open cannot be checked."""
    if not reader.encrypted:
        return
    try:
        opened = reader.decrypt("").status != AuthStatus.FAILED
    except Exception:  # e.g. a certificate-based (public key) security handler
        opened = False
    if not opened:
        raise UnreadablePdf(_l("The PDF is protected by a password, so its signatures "
                               "cannot be checked."))


@dataclass(frozen=True)
class _Revinfo:
    certs: tuple[x509.Certificate, ...] = ()
    crls: tuple[crl.CertificateList, ...] = ()
    ocsps: tuple[ocsp.OCSPResponse, ...] = ()

    def plus(self, other: _Revinfo) -> _Revinfo:
        return _Revinfo(self.certs + other.certs, self.crls + other.crls,
                        self.ocsps + other.ocsps)


def _dss_revinfo(reader: PdfFileReader) -> _Revinfo:
    """Certificates and revocation data of the document security store (PAdES)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        return _Revinfo(
            certs=tuple(dss.load_certs()),
            crls=tuple(crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
                       for ref in dss.crls),
            ocsps=tuple(ocsp.OCSPResponse.load(
                ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)) for ref in dss.ocsps),
        )
    except NoDSSFoundError:
        return _Revinfo()
    except Exception as error:  # a damaged DSS: check the signatures without it
        log.warning("the PDF's document security store could not be read: %r", error)
        return _Revinfo()


def _signature_revinfo(signature: EmbeddedPdfSignature) -> _Revinfo:
    """Revocation data the signer put in the signature itself (Adobe's attribute)."""
    try:
        archival = find_unique_cms_attribute(
            signature.signer_info["signed_attrs"], "adobe_revocation_info_archival")
    except (MultivaluedAttributeError, NonexistentAttributeError):
        return _Revinfo()

    def items(name: str) -> tuple:
        value = archival[name]
        return () if isinstance(value, core.Void) else tuple(value)

    return _Revinfo(crls=items("crl"), ocsps=items("ocsp"))


# --- one signature -------------------------------------------------------------------


def _report(position: int, signature: EmbeddedPdfSignature, roots: TrustRoots,
            file_revinfo: _Revinfo) -> SignatureReport:
    field_name = _field_name(signature)
    try:
        certificate = signature.signer_cert
    except Exception:
        certificate = None
    try:
        revinfo = file_revinfo.plus(_signature_revinfo(signature))
        status, soft_failures = _validate(signature, roots, revinfo)
    except Exception as error:  # a damaged or unsupported signature: invalid, say why
        log.warning("signature %s could not be validated: %s", field_name, error,
                    exc_info=True)
        return _broken_report(position, field_name, certificate)
    return _status_report(position, field_name, status, roots, revinfo, soft_failures)


def _validate(signature: EmbeddedPdfSignature, roots: TrustRoots,
              revinfo: _Revinfo) -> tuple[PdfSignatureStatus, bool]:
    """pyHanko's verdict, at the time of a trusted signature timestamp if there is one
    (a certificate that expired after a proven signing time does not spoil the
    signature), else now. Also whether revocation checks soft-failed."""

    def context(moment=None):
        return validation_context(roots, other_certs=revinfo.certs, crls=revinfo.crls,
                                  ocsps=revinfo.ocsps, moment=moment)

    signer_context = context()
    status = outside_event_loop(validate_pdf_signature, signature, signer_context,
                                key_usage_settings=SIGNING_KEY_USAGE)
    stamp = status.timestamp_validity
    if not status.trusted and stamp is not None and stamp.intact and stamp.valid \
            and stamp.trusted:
        signer_context = context(moment=stamp.timestamp)
        status = outside_event_loop(validate_pdf_signature, signature, signer_context,
                                    ts_validation_context=context(),
                                    key_usage_settings=SIGNING_KEY_USAGE)
    return status, bool(signer_context.soft_fail_exceptions)


def outside_event_loop(function, *args, **kwargs):
    """pyHanko's synchronous API runs its own event loop (asyncio.run), which fails in
    a thread that already runs one (an async server, a browser-test driver): then the
    call runs in a short-lived worker thread instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(function, *args, **kwargs).result()


def _status_report(position: int, field_name: str | None, status: PdfSignatureStatus,
                   roots: TrustRoots, revinfo: _Revinfo, soft_failures: bool) -> SignatureReport:
    certificate = status.signing_cert
    level = MODIFICATION_LEVELS.get(status.modification_level) \
        if status.modification_level is not None else None
    changes_allowed = level in ALLOWED_CHANGES and bool(status.docmdp_ok)
    stamp = status.timestamp_validity
    stamp_ok = stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    trusted = status.trusted
    return SignatureReport(
        **_certificate_fields(position, field_name, certificate),
        signed_at=_naive_utc(stamp.timestamp if stamp_ok else status.signer_reported_dt),
        timestamped=stamp is not None,
        intact=status.intact,
        cryptographically_valid=status.valid,
        trusted=trusted,
        trust_problem=_trust_problem(status, roots),
        revocation=_revocation(status, certificate, revinfo, soft_failures),
        modification_level=level,
        changes_allowed=changes_allowed,
        coverage=status.coverage.name.lower() if status.coverage is not None else None,
        valid=bool(status.intact and status.valid and trusted and changes_allowed
                   and status.bottom_line),
    )


def _broken_report(position: int, field_name: str | None,
                   certificate: x509.Certificate | None) -> SignatureReport:
    return SignatureReport(
        **_certificate_fields(position, field_name, certificate),
        signed_at=None, timestamped=False, intact=False, cryptographically_valid=False,
        trusted=False,
        trust_problem=_l("The signature is damaged or of a kind that cannot be checked."),
        revocation="none", modification_level=None, changes_allowed=False, coverage=None,
        valid=False,
    )


def _field_name(signature: EmbeddedPdfSignature) -> str | None:
    try:
        return str(signature.field_name)[:200] or None
    except Exception:
        return None


def _certificate_fields(position: int, field_name: str | None,
                        certificate: x509.Certificate | None) -> dict:
    if certificate is None:
        return dict(position=position, field_name=field_name, kind=SignatureKind.person,
                    signer_name=None, signer_organisation=None, signer_title=None,
                    certificate_issuer=None, certificate_serial=None,
                    certificate_valid_to=None)
    subject = certificate.subject.native
    name = _first(subject.get("common_name"))
    organisation = _first(subject.get("organization_name"))
    units = _all(subject.get("organizational_unit_name"))
    return dict(
        position=position, field_name=field_name,
        kind=signer_kind(name, [organisation, *units]),
        signer_name=_clip(name, 255),
        signer_organisation=_clip(organisation or (units[0] if units else None), 255),
        signer_title=_clip(_first(subject.get("title")), 255),
        certificate_issuer=_clip(_issuer(certificate), 500),
        certificate_serial=format(certificate.serial_number, "X")[:100],
        certificate_valid_to=_naive_utc(certificate.not_valid_after),
    )


def _issuer(certificate: x509.Certificate) -> str:
    issuer = certificate.issuer.native
    parts = [_first(issuer.get("common_name")), _first(issuer.get("organization_name"))]
    parts = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
    return ", ".join(parts) or certificate.issuer.human_friendly


def _first(value) -> str | None:
    values = _all(value)
    return values[0] if values else None


def _all(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _clip(text: str | None, length: int) -> str | None:
    return text[:length] if text else None


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


# --- why a certificate was not trusted, in words ------------------------------------

_NO_CHAIN = {AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND,
             AdESIndeterminate.NO_SIGNING_CERTIFICATE_FOUND}
_EXPIRED = {AdESIndeterminate.EXPIRED, AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
            AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED}
_NOT_YET_VALID = {AdESIndeterminate.NOT_YET_VALID, AdESFailure.NOT_YET_VALID}
_WEAK = {AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE,
         AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE}


def _trust_problem(status: PdfSignatureStatus, roots: TrustRoots) -> Problem | None:
    if not (status.intact and status.valid):
        return _l("The signature does not match the signed content, so its certificate "
                  "was not checked.")
    if not status.trusted:
        return _certificate_problem(status, roots)
    stamp = status.timestamp_validity
    if stamp is not None and not (stamp.intact and stamp.valid and stamp.trusted):
        return _l("The signature's timestamp could not be verified.")
    return None


def _certificate_problem(status: PdfSignatureStatus, roots: TrustRoots) -> Problem:
    indication = status.trust_problem_indic
    certificate = status.signing_cert
    moment = status.validation_time or dt.datetime.now(dt.UTC)
    if status.revocation_details is not None:
        when = format_date(_naive_utc(status.revocation_details.revocation_date))
        if status.revocation_details.ca_revoked:
            return _l("A certificate authority of the chain was revoked on %(date)s.",
                      date=when)
        return _l("The certificate was revoked on %(date)s.", date=when)
    if indication in _NO_CHAIN:
        if not roots:
            return _l("No trusted root certificate is configured on this system "
                      "(TRUST_ROOTS_DIR), so no signature can be trusted.")
        return _l("The certificate was not issued by a certification authority trusted "
                  "here (unknown root).")
    if indication in _EXPIRED or certificate.not_valid_after < moment:
        return _l("The certificate expired on %(date)s.",
                  date=format_date(_naive_utc(certificate.not_valid_after)))
    if indication in _NOT_YET_VALID or certificate.not_valid_before > moment:
        return _l("The certificate is not valid before %(date)s.",
                  date=format_date(_naive_utc(certificate.not_valid_before)))
    if indication == AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE:
        return _l("The certificate may not be used to sign documents (wrong key usage).")
    if indication in _WEAK:
        return _l("The signature uses an algorithm that is no longer considered safe.")
    if indication == AdESIndeterminate.TRY_LATER:
        return _l("The revocation information in the file is out of date.")
    return _l("The certificate chain could not be validated.")


# --- revocation ----------------------------------------------------------------------


def _revocation(status: PdfSignatureStatus, certificate: x509.Certificate,
                revinfo: _Revinfo, soft_failures: bool) -> str:
    """"revoked" as pyHanko found; "good" only when pyHanko really checked data from the
    file for this certificate (it declares where its status is published, the file
    carries a CRL of its issuer or an OCSP answer for it, and nothing soft-failed);
    otherwise "none" — in a closed network nothing is fetched."""
    if status.revoked:
        return "revoked"
    declared = bool(certificate.crl_distribution_points or certificate.ocsp_urls)
    if status.trusted and declared and not soft_failures and _covers(certificate, revinfo):
        return "good"
    return "none"


def _covers(certificate: x509.Certificate, revinfo: _Revinfo) -> bool:
    if any(item["tbs_cert_list"]["issuer"] == certificate.issuer for item in revinfo.crls):
        return True
    for response in revinfo.ocsps:
        try:
            basic = response["response_bytes"]["response"].parsed
            answers = basic["tbs_response_data"]["responses"]
        except (KeyError, TypeError, ValueError):
            continue
        if any(answer["cert_id"]["serial_number"].native == certificate.serial_number
               for answer in answers):
            return True
    return False


# --- storing the result --------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentCheck:
    """What one verification of an attachment stored."""

    attachment: Attachment
    rows: tuple[AttachmentSignature, ...]
    problem: str | None = None  # why the file could not be checked at all

    def summary(self) -> str:
        """One line for the document history: "quyet-dinh.pdf: 2 signature(s), valid"."""
        name = self.attachment.filename
        if self.problem:
            return f"{name}: {self.problem}"
        if not self.rows:
            return str(_l("%(file)s: no digital signature", file=name))
        if all(row.valid for row in self.rows):
            return str(_l("%(file)s: %(count)d signature(s), valid", file=name,
                          count=len(self.rows)))
        reasons = "; ".join(f"{row.signer_name or '?'}: {_reason(row)}"
                            for row in self.rows if not row.valid)
        return str(_l("%(file)s: %(count)d signature(s), not valid (%(reasons)s)",
                      file=name, count=len(self.rows), reasons=reasons))


def _reason(row: AttachmentSignature) -> str:
    if not (row.intact and row.cryptographically_valid):
        return str(_l("the signed content was altered"))
    if not row.changes_allowed:
        return str(_l("the document was changed after signing"))
    return row.trust_problem or str(_l("not valid"))


def check_attachment(session, attachment: Attachment,
                     roots: TrustRoots | None = None) -> AttachmentCheck:
    """Verify a PDF attachment's signatures now and store them (replacing earlier rows);
    sets ``signature_state``: "unsigned", "valid" (all valid) or "invalid" (any invalid,
    or the file cannot be read), and says why a file could not be checked. Any other
    type: no rows, state None."""
    if attachment.id is None:
        session.flush()
    if attachment.signatures:
        attachment.signatures.clear()
        session.flush()
    if not is_pdf(attachment):
        attachment.signature_state = None
        return AttachmentCheck(attachment, ())
    with _stored_locale():
        try:
            reports = _verify_blob(attachment.sha256, roots)
        except UnreadablePdf as unreadable:
            attachment.signature_state = "invalid"
            return AttachmentCheck(attachment, (), str(unreadable.message))
        except OSError as error:  # the stored copy is missing or cannot be read
            log.error("attachment %s: stored file %s cannot be read: %r", attachment.id,
                      attachment.sha256, error)
            attachment.signature_state = "invalid"
            return AttachmentCheck(attachment, (), str(_l("The stored file could not be "
                                                          "opened.")))
        rows = tuple(_row(attachment, report) for report in reports)
    attachment.signatures.extend(rows)
    session.flush()
    if not rows:
        attachment.signature_state = "unsigned"
    else:
        attachment.signature_state = "valid" if all(r.valid for r in rows) else "invalid"
    return AttachmentCheck(attachment, rows)


def _verify_blob(sha256: str, roots: TrustRoots | None) -> list[SignatureReport]:
    with get_store().open(sha256) as blob:
        if blob.seekable():
            return verify_stream(blob, roots)
        return verify_stream(io.BytesIO(blob.read()), roots)


def _stored_locale():
    """Stored words (trust problems, history) are in the install's language, not in the
    language of whoever happened to upload the file."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi"))


def _row(attachment: Attachment, report: SignatureReport) -> AttachmentSignature:
    values = {name: getattr(report, name) for name in report.__dataclass_fields__}
    if values["trust_problem"] is not None:
        values["trust_problem"] = str(values["trust_problem"])[:500]
    return AttachmentSignature(agency_id=attachment.agency_id, checked_at=utcnow(), **values)


def verify_and_record(session, *attachments: Attachment,
                      record_unchanged: bool = True) -> list[AttachmentCheck]:
    """Verify and store the signatures of these attachments, refresh the legal status of
    their documents and write one "signatures_verified" history entry per document
    (a line per PDF). With ``record_unchanged=False`` (re-checks in bulk) the history
    entry is written only when a file's state or the document's legal status changed.
    Used after every upload and every signing."""
    from app.registry import history
    from app.signatures.legal import refresh_legal_status

    by_document: dict[tuple[str, int], tuple[object, list[AttachmentCheck], bool]] = {}
    checks = []
    for attachment in attachments:
        before = attachment.signature_state
        check = check_attachment(session, attachment)
        checks.append(check)
        if not is_pdf(attachment):
            continue
        document = attachment.outgoing or attachment.incoming
        key = (type(document).__name__, document.id)
        _doc, entries, changed = by_document.get(key, (document, [], False))
        entries.append(check)
        by_document[key] = (document, entries, changed or before != attachment.signature_state)
    for document, entries, changed in by_document.values():
        before = document.legal_status
        refresh_legal_status(session, document)
        if record_unchanged or changed or before != document.legal_status:
            with _stored_locale():
                comment = "; ".join(check.summary() for check in entries)
            if len(comment) > HISTORY_COMMENT_MAX:
                comment = comment[:HISTORY_COMMENT_MAX - 1] + "…"
            history.record(session, document, "signatures_verified", comment=comment)
    return checks
