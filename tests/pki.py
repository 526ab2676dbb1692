"""A throw-away public key infrastructure for the signature tests.

It mirrors the Government specialised CA of Ban Cơ yếu Chính phủ in shape only:
root → intermediate (issuing CA) → end-entity certificates for a person and for an
agency, plus the certificates a validator must reject (expired, chained to a root the
operator does not trust). Keys are RSA 2048 and everything is made in memory; write the
trust folder with ``write_trust_roots()``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = "Mat-khau-ky-so-1"
AGENCY_NAME = "UBND huyện Bình Sơn"


@dataclass
class Identity:
    """A key with its certificate and the CA certificates above it (nearest first)."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)

    def pkcs12(self, password: str = PASSWORD) -> bytes:
        """The identity as the .p12 file a CA hands out (key, certificate, chain)."""
        return pkcs12.serialize_key_and_certificates(
            b"eoffice-test", self.key, self.certificate, self.chain,
            serialization.BestAvailableEncryption(password.encode()),
        )

    def key_der(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())

    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass
class Pki:
    root: Identity
    intermediate: Identity
    person: Identity  # Chủ tịch Nguyễn Văn A, a leader who signs
    agency: Identity  # the agency's own certificate (khóa bí mật con dấu), used by the văn thư
    expired: Identity  # a person whose certificate ran out a year ago
    untrusted_root: Identity
    stranger: Identity  # a signer chained to untrusted_root

    def write_trust_roots(self, directory: Path) -> Path:
        """The operator's trust folder: only our root, as PEM."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "root-ca.pem").write_bytes(
            self.root.certificate.public_bytes(serialization.Encoding.PEM))
        return directory


def _name(common_name: str, organisation: str | None = None, **extra: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                  x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Quảng Ngãi")]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if "title" in extra:
        attributes.append(x509.NameAttribute(NameOID.TITLE, extra["title"]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _issue(subject: x509.Name, issuer: Identity | None, *, ca: bool,
           not_before: dt.datetime, not_after: dt.datetime) -> Identity:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_name = issuer.certificate.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False)
    if ca:
        usage = dict(digital_signature=False, content_commitment=False, key_cert_sign=True,
                     crl_sign=True)
    else:
        usage = dict(digital_signature=True, content_commitment=True, key_cert_sign=False,
                     crl_sign=False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    builder = builder.add_extension(x509.KeyUsage(
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        encipher_only=False, decipher_only=False, **usage), critical=True)
    certificate = builder.sign(signing_key, hashes.SHA256())
    chain = ([issuer.certificate] + issuer.chain) if issuer else []
    # A CA's own chain stops before the root: a .p12 carries the intermediates only.
    return Identity(key, certificate, [c for c in chain if c.issuer != c.subject])


def build_pki(now: dt.datetime | None = None) -> Pki:
    now = now or dt.datetime.now(dt.UTC)
    year = dt.timedelta(days=365)
    long = dict(not_before=now - 2 * year, not_after=now + 10 * year)
    root = _issue(_name("Test Root CA Chính phủ", "Ban Cơ yếu Chính phủ"), None, ca=True, **long)
    intermediate = _issue(
        _name("Test CA phục vụ các cơ quan Nhà nước", "Ban Cơ yếu Chính phủ"), root, ca=True,
        **long)
    person = _issue(_name("Nguyễn Văn A", AGENCY_NAME, title="Chủ tịch"), intermediate,
                    ca=False, not_before=now - year, not_after=now + 2 * year)
    agency = _issue(_name(AGENCY_NAME, AGENCY_NAME), intermediate, ca=False,
                    not_before=now - year, not_after=now + 2 * year)
    expired = _issue(_name("Trần Thị Hết Hạn", AGENCY_NAME), intermediate, ca=False,
                     not_before=now - 2 * year, not_after=now - year)
    untrusted_root = _issue(_name("Unknown Root CA", "Nobody"), None, ca=True, **long)
    stranger = _issue(_name("Kẻ Lạ", "Nobody"), untrusted_root, ca=False,
                      not_before=now - year, not_after=now + year)
    return Pki(root, intermediate, person, agency, expired, untrusted_root, stranger)
