"""Signed PDFs for the signature tests, made with pyHanko directly (not with the app's
signing code, so verification is tested against an independent signer).

- ``form_pdf()``: a one-page văn bản with an empty text field for the issue number;
- ``sign(data, identity)``: a PAdES signature in a new field, as an incremental update;
- ``fill_text_field`` / ``add_comment`` / ``replace_page_content``: what can happen to a
  signed file afterwards (allowed form filling, a comment, changed content);
- ``issue``, ``crl`` and ``embed_crl``: extra certificates (with a CRL distribution
  point, or a time-stamping authority) and revocation lists for the revocation and
  timestamp cases.
"""

from __future__ import annotations

import datetime as dt
import io

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen import canvas

from app.signatures.verify import outside_event_loop
from tests.pki import Identity

TEXT = b"QUYET DINH VE VIEC PHE DUYET KE HOACH"
NUMBER_FIELD = "so_ky_hieu"


def form_pdf() -> bytes:
    """Uncompressed page content (the tests edit bytes of it) and an empty text field."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0)
    page.drawString(72, 760, TEXT.decode())
    page.acroForm.textfield(name=NUMBER_FIELD, x=72, y=700, width=200, height=20, value="")
    page.save()
    return buffer.getvalue()


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def signer(identity: Identity) -> signers.SimpleSigner:
    return signers.SimpleSigner(
        signing_cert=asn1_certificate(identity.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(identity.key_der()),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_certificate(c) for c in identity.chain]),
    )


def sign(data: bytes, identity: Identity, field_name: str = "ChuKySo1",
         timestamper: DummyTimeStamper | None = None) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name=field_name)
    output = outside_event_loop(signers.sign_pdf, writer, meta, signer=signer(identity),
                                timestamper=timestamper)
    return output.getvalue()


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def fill_text_field(data: bytes, name: str, value: str) -> bytes:
    """Form filling in an incremental update: the field's value changes, nothing else."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    for reference in writer.root["/AcroForm"]["/Fields"]:
        field = reference.get_object()
        if field.get("/T") == name:
            field["/V"] = generic.TextStringObject(value)
            writer.update_container(field)
            return _write(writer)
    raise KeyError(name)


def _first_page(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    return writer.root["/Pages"]["/Kids"][0].get_object()


def add_comment(data: bytes, text: str = "Đề nghị sửa lại") -> bytes:
    """A sticky-note annotation on page 1, added after signing."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = _first_page(writer)
    note = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (72, 600, 92, 620)]),
        generic.NameObject("/Contents"): generic.TextStringObject(text),
    }))
    page["/Annots"] = generic.ArrayObject([*page.get("/Annots", []), note])
    writer.update_container(page)
    return _write(writer)


def replace_page_content(data: bytes, text: str = "NOI DUNG DA BI THAY DOI") -> bytes:
    """Other text on page 1, in an incremental update (what a forger would do)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = _first_page(writer)
    stream = generic.StreamObject(stream_data=f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode())
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    return _write(writer)


def flip_signed_byte(data: bytes) -> bytes:
    """One letter of the page text changed in place: inside the signed byte range."""
    at = data.index(TEXT) + 1
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


# --- extra certificates and revocation lists ------------------------------------------


def issue(issuer: Identity, common_name: str, organisation: str, *, crl_url: str | None = None,
          time_stamping: bool = False, not_before: dt.datetime | None = None,
          not_after: dt.datetime | None = None) -> Identity:
    """An end-entity certificate from ``issuer`` (the test PKI's intermediate)."""
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer.certificate.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=30))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.key.public_key()), critical=False)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=not time_stamping,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
    certificate = builder.sign(issuer.key, hashes.SHA256())
    return Identity(key, certificate, [issuer.certificate, *issuer.chain])


def crl(issuer: Identity, revoked: list[tuple[x509.Certificate, dt.datetime]]) -> bytes:
    """A current CRL of ``issuer`` listing ``revoked`` (certificate, revocation time)."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now - dt.timedelta(hours=1)).next_update(now + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.key.public_key()), critical=False)
    )
    for certificate, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(certificate.serial_number)
            .revocation_date(when).build())
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def embed_crl(data: bytes, crl_der: bytes) -> bytes:
    """Add the CRL to the document security store (DSS), as an incremental update."""
    buffer = io.BytesIO(data)
    DocumentSecurityStore.add_dss(buffer, None, crls=[asn1_crl.CertificateList.load(crl_der)],
                                  force_write=True)
    return buffer.getvalue()


def timestamper(tsa: Identity, at: dt.datetime) -> DummyTimeStamper:
    """A time-stamping authority that says the time is ``at``."""
    return DummyTimeStamper(
        tsa_cert=asn1_certificate(tsa.certificate),
        tsa_key=asn1_keys.PrivateKeyInfo.load(tsa.key_der()),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [asn1_certificate(c) for c in tsa.chain]),
        fixed_dt=at,
    )
