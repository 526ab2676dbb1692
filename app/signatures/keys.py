"""Signing keys: PKCS#12 files kept encrypted, keys on PKCS#11 tokens (USB tokens, HSMs).

A person's or an agency's key (khóa bí mật; for the agency, the "khóa bí mật con dấu"
of QĐ 778 Đ7) comes either as a PKCS#12 file (.p12/.pfx) — stored in the signing profile
encrypted with ``EOFFICE_KEY_ENCRYPTION_KEY``, its password asked at every signing and
never stored — or lives on a PKCS#11 token whose PIN is likewise asked every time.
Everything that can go wrong is a :class:`SigningError` with a stable ``code`` and a
message for the user.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pkcs11
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import lazy_gettext as _l
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers import SimpleSigner

# HKDF label of the key that encrypts PKCS#12 files; changing it makes stored files unreadable.
KEY_ENCRYPTION_INFO = b"eoffice/signing-profile/pkcs12-at-rest/v1"


class SigningError(Exception):
    """Signing cannot go on. ``code`` is stable (logs, tests); ``message`` is shown."""

    def __init__(self, code: str, message) -> None:
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# --- Certificates ---------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateInfo:
    """What the eOffice shows and keeps of a signing certificate."""

    subject: str  # RFC 4514
    common_name: str | None
    organization: str | None
    title: str | None  # chức vụ, when the CA put it in the certificate
    issuer: str
    serial: str  # hexadecimal
    valid_from: dt.datetime  # naive UTC, as every timestamp the eOffice stores
    valid_to: dt.datetime
    der: bytes

    @classmethod
    def of(cls, certificate) -> CertificateInfo:
        """From DER bytes, a ``cryptography`` certificate or an asn1crypto one (pyHanko's
        ``signer.signing_cert``)."""
        if isinstance(certificate, asn1_x509.Certificate):
            certificate = certificate.dump()
        if isinstance(certificate, bytes):
            certificate = x509.load_der_x509_certificate(certificate)

        def attribute(oid) -> str | None:
            values = certificate.subject.get_attributes_for_oid(oid)
            return str(values[0].value) if values else None

        return cls(
            subject=certificate.subject.rfc4514_string(),
            common_name=attribute(NameOID.COMMON_NAME),
            organization=attribute(NameOID.ORGANIZATION_NAME),
            title=attribute(NameOID.TITLE),
            issuer=certificate.issuer.rfc4514_string(),
            serial=format(certificate.serial_number, "x"),
            valid_from=certificate.not_valid_before_utc.replace(tzinfo=None),
            valid_to=certificate.not_valid_after_utc.replace(tzinfo=None),
            der=certificate.public_bytes(serialization.Encoding.DER),
        )

    def check_valid_at(self, when: dt.datetime) -> None:
        """Refuse a certificate that is not valid at ``when`` (naive = UTC)."""
        when = _naive_utc(when)
        if when > self.valid_to:
            raise SigningError("certificate_expired", _l(
                "The signing certificate expired on %(date)s.",
                date=self.valid_to.strftime("%d/%m/%Y")))
        if when < self.valid_from:
            raise SigningError("certificate_not_yet_valid", _l(
                "The signing certificate is valid only from %(date)s.",
                date=self.valid_from.strftime("%d/%m/%Y")))


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def check_signer_valid_at(signer, when: dt.datetime) -> CertificateInfo:
    """The certificate of a pyHanko signer, refused unless valid at ``when``."""
    info = CertificateInfo.of(signer.signing_cert)
    info.check_valid_at(when)
    return info


# --- PKCS#12 files -----------------------------------------------------------------------


def _password_bytes(password: str | None) -> bytes | None:
    return password.encode("utf-8") if password else None


def _load_pkcs12(data: bytes, password: str | None) -> pkcs12.PKCS12KeyAndCertificates:
    try:
        asn1_pkcs12.Pfx.load(data).native  # noqa: B018 - parses the whole structure
    except Exception as error:  # asn1crypto raises ValueError, TypeError, …
        raise SigningError("not_pkcs12", _l(
            "The file is not a PKCS#12 key file (.p12, .pfx).")) from error
    try:
        bundle = pkcs12.load_pkcs12(data, _password_bytes(password))
    except ValueError as error:
        raise SigningError("wrong_password", _l(
            "The password of the key file is not correct.")) from error
    if bundle.key is None or bundle.cert is None:
        raise SigningError("not_pkcs12", _l(
            "The key file holds no private key with its certificate."))
    return bundle


def read_pkcs12(data: bytes, password: str | None) -> CertificateInfo:
    """Open a PKCS#12 file with its password and describe its certificate."""
    return CertificateInfo.of(_load_pkcs12(data, password).cert.certificate)


def signer_from_pkcs12(data: bytes, password: str | None):
    """A pyHanko signer for the key of a PKCS#12 file, with the CA certificates the file
    carries (embedded in every signature so that verifiers can build the chain)."""
    _load_pkcs12(data, password)  # the same errors as read_pkcs12, before pyHanko's own
    return SimpleSigner.load_pkcs12_data(data, other_certs=(),
                                         passphrase=_password_bytes(password))


# --- PKCS#12 at rest ------------------------------------------------------------------------


def _fernet() -> MultiFernet:
    configured = current_app.config.get("EOFFICE_KEY_ENCRYPTION_KEY") or ""
    secrets = [part.strip() for part in configured.split(",") if part.strip()]
    if not secrets:
        secrets = [current_app.config["SECRET_KEY"]]

    def derive(secret: str) -> Fernet:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_ENCRYPTION_INFO)
        return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8"))))

    return MultiFernet([derive(secret) for secret in secrets])


def seal_pkcs12(data: bytes) -> bytes:
    """Encrypt a PKCS#12 file for the database (Fernet: AES-128-CBC + HMAC-SHA256)."""
    return _fernet().encrypt(data)


def open_pkcs12(blob: bytes) -> bytes:
    """The PKCS#12 file that :func:`seal_pkcs12` encrypted."""
    try:
        return _fernet().decrypt(bytes(blob))
    except InvalidToken as error:
        raise SigningError("key_file_unreadable", _l(
            "The stored key file cannot be decrypted: the key encryption key of the "
            "eOffice has changed. Upload the key file again.")) from error


# --- PKCS#11 tokens ---------------------------------------------------------------------------


def _pkcs11_error(error: Exception, *, loading_key: bool = False) -> SigningError:
    if isinstance(error, pkcs11.PinIncorrect | pkcs11.PinLenRange | pkcs11.PinInvalid):
        return SigningError("wrong_pin", _l("The PIN of the token is not correct."))
    if isinstance(error, pkcs11.PinLocked):
        return SigningError("pin_locked", _l(
            "The token is locked after too many wrong PINs; unlock it with its SO PIN."))
    if loading_key:
        return SigningError("key_not_found", _l(
            "The token has no signing key with its certificate under that label."))
    return SigningError("token_unavailable", _l(
        "The token cannot be reached: check that it is plugged in and its label is right."))


@contextmanager
def pkcs11_signer(token_label: str, key_label: str, pin: str,
                  module: str | None = None) -> Iterator[object]:
    """A pyHanko PKCS11Signer for the key ``key_label`` (and the certificate with the same
    label) on the token ``token_label``, logged in with ``pin``; the session is closed
    on leaving. The token's other certificates (the CA chain) go into the signatures."""
    module = module or current_app.config["EOFFICE_PKCS11_MODULE"]
    if not os.path.isfile(module):
        raise SigningError("module_unavailable", _l(
            "The PKCS#11 module of the signing tokens is not installed on the server."))
    if not pin:  # without logging in, a token shows no private key at all
        raise SigningError("wrong_pin", _l("Type the PIN of the token."))
    try:
        session = open_pkcs11_session(module, token_criteria=TokenCriteria(label=token_label),
                                      user_pin=pin)
    except pkcs11.PKCS11Error as error:
        raise _pkcs11_error(error) from error
    except (OSError, RuntimeError) as error:  # the module itself cannot be loaded
        raise SigningError("module_unavailable", _l(
            "The PKCS#11 module of the signing tokens cannot be loaded.")) from error
    try:
        signer = PKCS11Signer(session, cert_label=key_label, key_label=key_label,
                              other_certs_to_pull=None)
        try:
            signer.signing_cert  # noqa: B018 - loads the key and certificates now
        except pkcs11.PKCS11Error as error:
            raise _pkcs11_error(error, loading_key=True) from error
        yield signer
    finally:
        session.close()
