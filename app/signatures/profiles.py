"""Signing profiles: how a person or an agency signs (hồ sơ ký số).

A person keeps their own: the image of their handwritten signature and their key. The
agency's profile — the seal image and the agency key (khóa bí mật con dấu) — is kept by
the văn thư (NĐ 30 Đ32–33: the văn thư holds the seal and the agency signing device;
TT 41/2017 Đ6.2.b).

Every file given here passes the upload pipeline (size, type, malware scan) first. A
PKCS#12 file is stored encrypted and only after its password opened it; the password
itself is never kept (it is asked at every signing), nor is a token's PIN.
"""

from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from app.files.pipeline import UploadRefused, accept_upload, inspect_small_upload
from app.files.store import get_store
from app.i18n import utcnow
from app.models import SigningProfile, UserAccount
from app.signatures.keys import (
    CertificateInfo,
    SigningError,
    pkcs11_signer,
    read_pkcs12,
    seal_pkcs12,
)
from app.validation import refusal

PKCS12_TYPES = ("p12", "pfx")
PKCS12_MAX_BYTES = 64 * 1024  # a key with its chain is a few kilobytes
IMAGE_MAX_SIDE = 2000  # pixels; a scanned signature or seal is far smaller


def owner_of(user: UserAccount | None = None, agency_id: int | None = None) -> str:
    return f"user:{user.id}" if user is not None else f"agency:{agency_id}"


def find_profile(session, user: UserAccount | None = None,
                 agency_id: int | None = None) -> SigningProfile | None:
    return session.query(SigningProfile).filter_by(owner=owner_of(user, agency_id)).one_or_none()


def profile_for(session, user: UserAccount | None = None,
                agency_id: int | None = None) -> SigningProfile:
    """The person's (``user``) or the agency's profile, created empty when missing."""
    profile = find_profile(session, user, agency_id)
    if profile is None:
        profile = SigningProfile(
            owner=owner_of(user, agency_id), user_id=getattr(user, "id", None),
            agency_id=user.agency_id if user is not None else agency_id)
        session.add(profile)
    return profile


def set_image(session, profile: SigningProfile, storage) -> None:
    """The signature (blue) or seal (red) image: a PNG, transparent background
    (NĐ 30 Phụ lục I)."""
    try:
        accepted = accept_upload(storage.stream, storage.filename, storage.mimetype)
    except UploadRefused as refused:
        raise refusal("image", refused.message) from refused
    if accepted.mime_type != "image/png":
        raise refusal("image", _l("The image must be a PNG file with a transparent "
                                       "background."))
    with get_store().open(accepted.sha256) as blob:
        try:
            with Image.open(io.BytesIO(blob.read())) as image:
                width, height = image.size
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        except (UnidentifiedImageError, OSError) as error:
            raise refusal("image", _l("The image cannot be read.")) from error
    if max(width, height) > IMAGE_MAX_SIDE:
        raise refusal("image", _l("The image is too large (at most %(size)s pixels a "
                                       "side).", size=IMAGE_MAX_SIDE))
    if not transparent:
        raise refusal("image", _l("The image must have a transparent background."))
    profile.image_sha256 = accepted.sha256
    profile.updated_at = utcnow()


def image_of(profile: SigningProfile | None) -> bytes | None:
    if profile is None or not profile.image_sha256:
        return None
    with get_store().open(profile.image_sha256) as blob:
        return blob.read()


def _keep_certificate(profile: SigningProfile, info: CertificateInfo) -> None:
    profile.certificate_der = info.der
    profile.certificate_subject = info.subject
    profile.certificate_valid_to = info.valid_to
    profile.updated_at = utcnow()


def set_pkcs12(session, profile: SigningProfile, storage, password: str) -> CertificateInfo:
    """Keep a PKCS#12 key file, encrypted, once its password has opened it."""
    try:
        data = inspect_small_upload(storage.stream, storage.filename, PKCS12_TYPES,
                                    PKCS12_MAX_BYTES)
    except UploadRefused as refused:
        raise refusal("pkcs12", refused.message) from refused
    try:
        info = read_pkcs12(data, password or "")
    except SigningError as error:
        raise refusal("password", error.message) from error
    profile.key_source = "pkcs12"
    profile.pkcs12_encrypted = seal_pkcs12(data)
    profile.pkcs11_token_label = profile.pkcs11_key_label = None
    _keep_certificate(profile, info)
    return info


def set_pkcs11(session, profile: SigningProfile, token_label: str, key_label: str,
               pin: str) -> CertificateInfo:
    """Use a key on a PKCS#11 token (USB token, HSM); the PIN proves it works now."""
    try:
        with pkcs11_signer(token_label, key_label, pin or "") as signer:
            info = CertificateInfo.of(signer.signing_cert)
    except SigningError as error:
        raise refusal("pin", error.message) from error
    profile.key_source = "pkcs11"
    profile.pkcs11_token_label, profile.pkcs11_key_label = token_label, key_label
    profile.pkcs12_encrypted = None
    _keep_certificate(profile, info)
    return info
