"""Signing as the competent person and as the agency (QĐ 778 Đ6, Đ7; NĐ 30/2020 Phụ lục I;
TT 41/2017 Đ6.2.b), checked with pyHanko's own validation (trust: the test root only)
and its difference analysis; no mocks. The leader → number → agency PDF is written to
tests/artifacts/signed-outgoing.pdf (and page 1 as PNG when pdftoppm is installed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from flask import current_app
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from pypdf.generic import ContentStream

from app.signatures import keys, sign
from app.signatures.layout import Box
from app.signatures.verify import outside_event_loop
from tests.pki import PASSWORD
from tests.signing_samples import attachment_pdf, decision_pdf, seal_png, signature_png

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ISO_VIETNAM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
NUMBER = "15/QĐ-UBND"
ISSUED_ON = dt.date(2026, 11, 24)
TITLE = "TM. Ủy ban nhân dân\nChủ tịch"


# --- Helpers --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trust(pki) -> ValidationContext:
    def asn1(identity):
        return asn1_x509.Certificate.load(identity.certificate_der())

    return ValidationContext(trust_roots=[asn1(pki.root)], allow_fetching=False,
                             revocation_mode="soft-fail")


def validate(pdf: bytes, trust: ValidationContext) -> dict:
    """Every signature's pyHanko status, by field name (diff analysis included)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    return {s.field_name: outside_event_loop(validate_pdf_signature, s, trust)
            for s in reader.embedded_signatures}


def assert_good(status, level=None) -> None:
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    if level is not None:
        assert status.modification_level == level, status.modification_level


def widget(pdf: bytes, name: str):
    """The field (= widget) dictionary of a field, with pypdf."""
    reader = PdfReader(io.BytesIO(pdf))
    for field in reader.trailer["/Root"]["/AcroForm"]["/Fields"]:
        field = field.get_object()
        if field["/T"] == name:
            return reader, field
    raise AssertionError(f"no field {name}")


def appearance(pdf: bytes, name: str) -> tuple[list[str], list, str]:
    """The texts drawn (their ActualText), the image XObjects and the operators of a
    widget's normal appearance."""
    reader, field = widget(pdf, name)
    stream = field["/AP"]["/N"].get_object()
    texts = [operands[1]["/ActualText"]
             for operands, operator in ContentStream(stream, reader).operations
             if operator == b"BDC" and "/ActualText" in operands[1]]
    images = [xobject.get_object()
              for xobject in stream["/Resources"].get("/XObject", {}).values()
              if xobject.get_object()["/Subtype"] == "/Image"]
    return texts, images, stream.get_data().decode("latin-1")


def rect(field) -> Box:
    return Box.of(field["/Rect"])


# --- Keys -----------------------------------------------------------------------------------


def test_pkcs12_is_read_with_its_password_only(pki):
    data = pki.person.pkcs12()
    info = keys.read_pkcs12(data, PASSWORD)
    assert (info.common_name, info.organization, info.title) == (
        "Nguyễn Văn A", "UBND huyện Bình Sơn", "Chủ tịch")
    assert info.valid_from < keys._naive_utc(dt.datetime.now(dt.UTC)) < info.valid_to
    assert info.der == pki.person.certificate_der()
    with pytest.raises(keys.SigningError) as wrong:
        keys.read_pkcs12(data, "Mat-khau-sai")
    assert wrong.value.code == "wrong_password"
    with pytest.raises(keys.SigningError) as wrong:
        keys.signer_from_pkcs12(data, "")
    assert wrong.value.code == "wrong_password"
    with pytest.raises(keys.SigningError) as garbage:
        keys.read_pkcs12(b"%PDF-1.7 not a key file", PASSWORD)
    assert garbage.value.code == "not_pkcs12"


def test_pkcs12_encrypted_at_rest(pki, monkeypatch):
    data = pki.person.pkcs12()
    blob = keys.seal_pkcs12(data)
    assert data not in blob
    assert not any(data[i:i + 16] in blob for i in range(0, len(data) - 16, 16))
    assert keys.open_pkcs12(blob) == data
    # Rotation: a new key first, the old one still opens what it encrypted.
    monkeypatch.setitem(current_app.config, "EOFFICE_KEY_ENCRYPTION_KEY",
                        "new-key-encryption-key," + current_app.config["SECRET_KEY"])
    assert keys.open_pkcs12(blob) == data
    assert keys.open_pkcs12(keys.seal_pkcs12(data)) == data
    monkeypatch.setitem(current_app.config, "EOFFICE_KEY_ENCRYPTION_KEY", "another-key")
    with pytest.raises(keys.SigningError) as lost:
        keys.open_pkcs12(blob)
    assert lost.value.code == "key_file_unreadable"


def test_certificate_must_be_valid_when_signing(pki):
    expired = keys.signer_from_pkcs12(pki.expired.pkcs12(), PASSWORD)
    with pytest.raises(keys.SigningError) as refused:
        sign.sign_as_person(decision_pdf(), expired, title="Chủ tịch", name="Trần Thị Hết Hạn",
                            image_png=None)
    assert refused.value.code == "certificate_expired"
    info = keys.read_pkcs12(pki.person.pkcs12(), PASSWORD)
    with pytest.raises(keys.SigningError) as early:
        info.check_valid_at(info.valid_from - dt.timedelta(days=1))
    assert early.value.code == "certificate_not_yet_valid"


def test_pkcs11_token_signs(soft_token, trust):
    with pytest.raises(keys.SigningError) as wrong_pin:
        with keys.pkcs11_signer(soft_token.token_label, soft_token.key_label, "000000"):
            pass
    assert wrong_pin.value.code == "wrong_pin"
    with pytest.raises(keys.SigningError) as no_pin:
        with keys.pkcs11_signer(soft_token.token_label, soft_token.key_label, ""):
            pass
    assert no_pin.value.code == "wrong_pin"
    with pytest.raises(keys.SigningError) as no_key:
        with keys.pkcs11_signer(soft_token.token_label, "khong-co", soft_token.pin):
            pass
    assert no_key.value.code == "key_not_found"
    with pytest.raises(keys.SigningError) as no_token:
        with keys.pkcs11_signer("khong-co-token", soft_token.key_label, soft_token.pin):
            pass
    assert no_token.value.code == "token_unavailable"
    with pytest.raises(keys.SigningError) as no_module:
        with keys.pkcs11_signer(soft_token.token_label, soft_token.key_label, soft_token.pin,
                                module="/nonexistent/libpkcs11.so"):
            pass
    assert no_module.value.code == "module_unavailable"
    with keys.pkcs11_signer(soft_token.token_label, soft_token.key_label,
                            soft_token.pin) as signer:
        assert keys.CertificateInfo.of(signer.signing_cert).common_name == "Nguyễn Văn A"
        signed = sign.sign_as_person(decision_pdf(), signer, title="Chủ tịch",
                                     name="Nguyễn Văn A", image_png=signature_png())
    (status,) = validate(signed, trust).values()
    assert_good(status)


# --- The văn bản đi: leader, number, agency -------------------------------------------------


@pytest.fixture(scope="module")
def person_signer(pki):
    return keys.signer_from_pkcs12(pki.person.pkcs12(), PASSWORD)


@pytest.fixture(scope="module")
def agency_signer(pki):
    return keys.signer_from_pkcs12(pki.agency.pkcs12(), PASSWORD)


@pytest.fixture(scope="module")
def leader_signed(app, person_signer) -> bytes:
    with app.app_context():
        return sign.sign_as_person(decision_pdf(), person_signer, title=TITLE,
                                   name="Nguyễn Văn A", image_png=signature_png())


@pytest.fixture(scope="module")
def numbered(leader_signed) -> bytes:
    return sign.write_issue_number(leader_signed, number=NUMBER, place="Bình Sơn",
                                   issued_on=ISSUED_ON)


@pytest.fixture(scope="module")
def signed_at() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def sealed(app, numbered, agency_signer, signed_at) -> bytes:
    with app.app_context():
        return sign.sign_as_agency(numbered, agency_signer, agency_name="UBND huyện Bình Sơn",
                                   seal_png=seal_png(), signed_at=signed_at)


def test_leader_signature_is_valid_and_drawn(leader_signed, trust):
    statuses = validate(leader_signed, trust)
    assert list(statuses) == ["eoffice_person_1"]
    assert_good(statuses["eoffice_person_1"])
    assert statuses["eoffice_person_1"].coverage.name == "ENTIRE_FILE"
    texts, images, _raw = appearance(leader_signed, "eoffice_person_1")
    # NĐ 30 Phụ lục I ô 7: position in capitals, then the image, then the full name.
    assert texts == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn A"]
    (image,) = images
    assert "/SMask" in image  # transparent background kept
    # The issue fields are there, empty, in the signed revision (on page 1).
    reader, number = widget(leader_signed, sign.NUMBER_FIELD)
    _reader, date = widget(leader_signed, sign.DATE_FIELD)
    assert "/V" not in number and "/V" not in date
    assert number["/P"].get_object() == reader.pages[0].get_object()


def test_leader_signature_without_image_leaves_the_gap(person_signer, trust):
    signed = sign.sign_as_person(decision_pdf(pages=2), person_signer, title="Chủ tịch",
                                 name="Nguyễn Văn A", image_png=None)
    texts, images, _raw = appearance(signed, "eoffice_person_1")
    assert texts == ["CHỦ TỊCH", "Nguyễn Văn A"] and images == []
    reader, field = widget(signed, "eoffice_person_1")
    assert field["/P"].get_object() == reader.pages[1].get_object()  # the last page
    assert_good(validate(signed, trust)["eoffice_person_1"])


def test_signing_inside_a_running_event_loop(person_signer, trust):
    """pyHanko runs asyncio.run(); an async server (or a browser-test driver) already
    runs a loop in the thread, so signing must still work there."""
    async def in_loop() -> bytes:
        return sign.sign_as_person(decision_pdf(), person_signer, title="Chủ tịch",
                                   name="Nguyễn Văn A", image_png=None)

    signed = outside_event_loop(asyncio.run, in_loop())
    assert_good(validate(signed, trust)["eoffice_person_1"])


def test_bad_input_is_refused(person_signer):
    with pytest.raises(keys.SigningError) as not_pdf:
        sign.sign_as_person(b"not a pdf", person_signer, title="Chủ tịch", name="A",
                            image_png=None)
    assert not_pdf.value.code == "invalid_pdf"
    with pytest.raises(keys.SigningError) as bad_image:
        sign.sign_as_person(decision_pdf(), person_signer, title="Chủ tịch", name="A",
                            image_png=b"\x89PNG broken")
    assert bad_image.value.code == "bad_image"


def test_issue_number_is_form_filling(numbered, trust):
    statuses = validate(numbered, trust)
    assert_good(statuses["eoffice_person_1"], ModificationLevel.FORM_FILLING)
    _reader, number = widget(numbered, sign.NUMBER_FIELD)
    _reader, date = widget(numbered, sign.DATE_FIELD)
    assert number["/V"] == f"Số: {NUMBER}"
    assert date["/V"] == "Bình Sơn, ngày 24 tháng 11 năm 2026"
    assert number["/AP"]["/N"].get_object().get_data()  # an appearance, not just a value


def test_issue_number_is_refused_out_of_order(leader_signed, numbered, sealed):
    with pytest.raises(keys.SigningError) as unsigned:
        sign.write_issue_number(decision_pdf(), number=NUMBER, place="Bình Sơn",
                                issued_on=ISSUED_ON)
    assert unsigned.value.code == "no_person_signature"
    with pytest.raises(keys.SigningError) as twice:
        sign.write_issue_number(numbered, number="16/QĐ-UBND", place="Bình Sơn",
                                issued_on=ISSUED_ON)
    assert twice.value.code == "number_already_written"
    with pytest.raises(keys.SigningError) as after_agency:
        sign.write_issue_number(sealed, number=NUMBER, place="Bình Sơn", issued_on=ISSUED_ON)
    assert after_agency.value.code == "agency_already_signed"


def test_issue_date_text():
    # NĐ 30 Phụ lục I: a leading zero for days below 10 and for January and February.
    assert sign.issue_date_text("Bình Sơn", dt.date(2027, 2, 5)) == \
        "Bình Sơn, ngày 05 tháng 02 năm 2027"
    assert sign.issue_date_text("Quảng Ngãi", dt.date(2027, 3, 9)) == \
        "Quảng Ngãi, ngày 09 tháng 3 năm 2027"


def test_agency_signs_after_the_leader(sealed, trust, signed_at):
    statuses = validate(sealed, trust)
    assert list(statuses) == ["eoffice_person_1", "eoffice_agency_1"]
    assert_good(statuses["eoffice_person_1"], ModificationLevel.FORM_FILLING)
    assert_good(statuses["eoffice_agency_1"])
    assert statuses["eoffice_agency_1"].coverage.name == "ENTIRE_FILE"
    # NĐ 30 Phụ lục I ô 8: the seal covers about the left third of the signature image.
    reader, person = widget(sealed, "eoffice_person_1")
    _reader, agency = widget(sealed, "eoffice_agency_1")
    assert agency.raw_get("/P").idnum == person.raw_get("/P").idnum
    image = Box.of(person[sign.IMAGE_RECT_KEY])
    assert rect(person).intersection(image) == image
    widget_box = rect(agency)
    seal = Box(widget_box.x0, widget_box.y1 - widget_box.width, widget_box.x1, widget_box.y1)
    left_third = Box(image.x0, image.y0, image.x0 + image.width / 3, image.y1)
    assert seal.intersection(left_third) == left_third
    assert seal.x1 == pytest.approx(left_third.x1, abs=0.5)
    assert (seal.y0 + seal.y1) / 2 == pytest.approx((image.y0 + image.y1) / 2, abs=0.5)
    assert 36 <= seal.width * 25.4 / 72 <= 40  # real seal size, mm
    texts, images, _raw = appearance(sealed, "eoffice_agency_1")
    assert texts[0] == "UBND huyện Bình Sơn"
    assert ISO_VIETNAM.match(texts[1]), texts
    assert texts[1] == sign.iso_time(signed_at)
    assert len(images) == 1
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[1]
    assert signature.self_reported_timestamp == signed_at
    _save(sealed)


def test_agency_needs_the_leader_and_the_number(leader_signed, agency_signer):
    with pytest.raises(keys.SigningError) as unsigned:
        sign.sign_as_agency(decision_pdf(), agency_signer, agency_name="UBND huyện Bình Sơn",
                            seal_png=seal_png())
    assert unsigned.value.code == "no_person_signature"
    with pytest.raises(keys.SigningError) as no_number:
        sign.sign_as_agency(leader_signed, agency_signer, agency_name="UBND huyện Bình Sơn",
                            seal_png=seal_png())
    assert no_number.value.code == "number_not_written"


def test_attachment_signed_top_right_without_image(agency_signer, trust, signed_at):
    signed = sign.sign_attachment_as_agency(attachment_pdf(), agency_signer, number=NUMBER,
                                            signed_at=signed_at)
    statuses = validate(signed, trust)
    assert list(statuses) == ["eoffice_agency_1"]
    assert_good(statuses["eoffice_agency_1"])
    reader, field = widget(signed, "eoffice_agency_1")
    assert field["/P"].get_object() == reader.pages[0].get_object()
    page = Box.of(reader.pages[0].mediabox)
    box = rect(field)
    assert box.x0 >= page.width / 2 and box.y0 >= page.height / 2  # top-right quarter
    texts, images, raw = appearance(signed, "eoffice_agency_1")
    assert texts == [NUMBER, sign.iso_time(signed_at)] and images == []
    assert " 10 Tf" in raw and "0 0 0 rg" in raw  # size 10, black


def _save(pdf: bytes) -> None:
    """For a human to look at: the PDF, and page 1 as PNG when poppler is installed."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "signed-outgoing.pdf"
    target.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(target),
                        str(target.with_suffix(""))], check=True)
