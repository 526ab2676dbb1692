"""How the legal status of a document and the result of each signature are shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.models import LegalStatus

LEGAL_STATUS_LABELS = {
    LegalStatus.valid_original: _l("Valid electronic original"),
    LegalStatus.person_only: _l("Signed by the person, not yet by the agency"),
    LegalStatus.agency_only: _l("Signed by the agency only"),
    LegalStatus.invalid: _l("Invalid signature"),
    LegalStatus.unsigned: _l("Not digitally signed"),
}
_BADGE_STYLES = {
    LegalStatus.valid_original: "label-success",
    LegalStatus.person_only: "label-warning",
    LegalStatus.agency_only: "label-warning",
    LegalStatus.invalid: "label-danger",
    LegalStatus.unsigned: "label-default",
}
MODIFICATION_LABELS = {
    "none": _l("No change after signing"),
    "lta_updates": _l("Only validation data added after signing"),
    "form_filling": _l("Form filled in after signing (allowed)"),
    "annotations": _l("Comments or annotations added after signing"),
    "other": _l("Content changed after signing"),
}
REVOCATION_LABELS = {
    "none": _l("No revocation information"),
    "good": _l("Not revoked"),
    "revoked": _l("Revoked"),
}


def legal_badge(status) -> Markup:
    """QĐ 778 Đ6: the badge of a document's legal status (nothing without a PDF)."""
    if not status:
        return Markup("")
    status = LegalStatus(status)
    return Markup('<span class="label {} legal-status legal-{}">{}</span>').format(
        _BADGE_STYLES[status], status.value, str(LEGAL_STATUS_LABELS[status]))


def modification_label(level: str | None) -> str:
    return str(MODIFICATION_LABELS.get(level or "", level or ""))


def revocation_label(value: str | None) -> str:
    return str(REVOCATION_LABELS.get(value or "", value or ""))


def signature_summary(signature) -> dict:
    """One stored signature check as the REST API answers it (times in UTC, ISO 8601)."""
    def iso(value):
        return value.isoformat() + "Z" if value else None

    return {
        "position": signature.position, "kind": signature.kind.value,
        "signer_name": signature.signer_name, "signer_organisation": signature.signer_organisation,
        "signer_title": signature.signer_title, "certificate_issuer": signature.certificate_issuer,
        "certificate_serial": signature.certificate_serial,
        "certificate_valid_to": iso(signature.certificate_valid_to),
        "signed_at": iso(signature.signed_at), "timestamped": signature.timestamped,
        "intact": signature.intact, "cryptographically_valid": signature.cryptographically_valid,
        "trusted": signature.trusted, "trust_problem": signature.trust_problem,
        "revocation": signature.revocation, "modification_level": signature.modification_level,
        "changes_allowed": signature.changes_allowed, "coverage": signature.coverage,
        "valid": signature.valid, "checked_at": iso(signature.checked_at),
    }
