"""Every PDF signature is verified against the operator's trust roots (QĐ 778 Đ6, Đ7;
TT 41/2017 Đ9.1): who signed, when, intact, trusted (or why not), revocation, what
changed after signing — stored per signature and summed up as the document's legal
status. The files are signed with pyHanko directly, with the test PKI of tests/pki.py."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
from cryptography.hazmat.primitives import serialization
from flask_babel import force_locale
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from app import db
from app.i18n import format_date
from app.models import (
    Attachment,
    AttachmentSignature,
    DocumentEvent,
    IncomingDocument,
    LegalStatus,
    SignatureKind,
)
from app.signatures.trust import trust_roots
from app.signatures.verify import AttachmentCheck, UnreadablePdf, signer_kind, verify_pdf
from tests import signed_pdfs
from tests.pki import AGENCY_NAME
from tests.registry_data import doc_type


def english(text) -> str:
    """A message as its English msgid, whatever the catalogue says in Vietnamese."""
    with force_locale("en"):
        return str(text)


def naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def verified(tmp_path, data: bytes, name: str = "van-ban.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    return verify_pdf(path)


@pytest.fixture(scope="module")
def person_signed(pki) -> bytes:
    return signed_pdfs.sign(signed_pdfs.form_pdf(), pki.person)


# --- one signature, as the clerk sees it -------------------------------------------


def test_a_correctly_signed_document_validates_with_the_signers_details(pki, tmp_path):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    data = signed_pdfs.sign(signed_pdfs.form_pdf(), pki.person)
    (report,) = verified(tmp_path, data)
    assert (report.intact, report.cryptographically_valid, report.trusted) == (True, True, True)
    assert report.valid and report.trust_problem is None
    assert report.signer_name == "Nguyễn Văn A"
    assert report.signer_organisation == AGENCY_NAME
    assert report.signer_title == "Chủ tịch"
    assert report.kind == SignatureKind.person
    assert report.position == 1 and report.field_name == "ChuKySo1"
    assert report.signed_at is not None and report.signed_at.tzinfo is None
    assert before <= report.signed_at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert not report.timestamped
    assert "Test CA phục vụ các cơ quan Nhà nước" in report.certificate_issuer
    assert report.certificate_serial == format(pki.person.certificate.serial_number, "X")
    assert report.certificate_valid_to == naive_utc(pki.person.certificate.not_valid_after_utc)
    assert report.revocation == "none"  # nothing in the file, nothing fetched
    assert (report.modification_level, report.changes_allowed) == ("none", True)
    assert report.coverage == "entire_file"


def test_the_agency_certificate_is_classified_as_the_agencys_signature(pki, tmp_path,
                                                                       person_signed):
    both = signed_pdfs.sign(person_signed, pki.agency, field_name="ChuKySo2")
    person, agency = verified(tmp_path, both)
    assert (person.kind, agency.kind) == (SignatureKind.person, SignatureKind.agency)
    assert agency.signer_name == agency.signer_organisation == AGENCY_NAME
    assert person.valid and agency.valid
    # The later signature is an allowed change for the earlier one.
    assert (person.modification_level, person.changes_allowed) == ("form_filling", True)
    assert (agency.position, agency.modification_level) == (2, "none")


def test_agency_rule_compares_names_after_unicode_and_space_normalisation():
    decomposed = "UBND  huye\u0302\u0323n Bi\u0300nh So\u031bn"  # NFD, double space
    assert signer_kind(decomposed, ["ubnd huyện bình sơn"]) == SignatureKind.agency
    assert signer_kind("Văn phòng", [None, "VĂN PHÒNG "]) == SignatureKind.agency  # an OU
    assert signer_kind("Nguyễn Văn A", [AGENCY_NAME]) == SignatureKind.person
    assert signer_kind(None, [AGENCY_NAME]) == SignatureKind.person


def test_tampered_bytes_are_not_intact_and_invalid(tmp_path, person_signed):
    (report,) = verified(tmp_path, signed_pdfs.flip_signed_byte(person_signed))
    assert not report.intact and not report.valid and not report.trusted
    assert report.signer_name == "Nguyễn Văn A"  # still says whose signature it claims to be
    assert "does not match the signed content" in english(report.trust_problem)


def test_signer_chained_to_an_unknown_root_is_not_trusted(pki, tmp_path):
    (report,) = verified(tmp_path, signed_pdfs.sign(signed_pdfs.form_pdf(), pki.stranger))
    assert report.intact and report.cryptographically_valid
    assert not report.trusted and not report.valid
    assert "unknown root" in english(report.trust_problem)


def test_an_expired_certificate_is_reported_as_expired_with_its_date(pki, tmp_path):
    (report,) = verified(tmp_path, signed_pdfs.sign(signed_pdfs.form_pdf(), pki.expired))
    assert report.intact and not report.trusted and not report.valid
    expired_on = format_date(naive_utc(pki.expired.certificate.not_valid_after_utc))
    assert english(report.trust_problem) == f"The certificate expired on {expired_on}."


def test_a_certificate_not_yet_valid_is_reported_with_its_start_date(pki, tmp_path):
    starts = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    early = signed_pdfs.issue(pki.intermediate, "Phạm Văn Sớm", AGENCY_NAME, not_before=starts)
    (report,) = verified(tmp_path, signed_pdfs.sign(signed_pdfs.form_pdf(), early))
    assert report.intact and not report.trusted and not report.valid
    assert english(report.trust_problem) == \
        f"The certificate is not valid before {format_date(naive_utc(starts))}."


def test_a_certificate_not_meant_for_signing_is_refused_for_its_key_usage(pki, tmp_path):
    # The issuing CA's own certificate may sign certificates and CRLs, not documents.
    (report,) = verified(tmp_path, signed_pdfs.sign(signed_pdfs.form_pdf(), pki.intermediate))
    assert report.intact and not report.trusted and not report.valid
    assert "wrong key usage" in english(report.trust_problem)


def test_a_timestamp_from_when_the_certificate_was_valid_keeps_the_signature_valid(
        pki, tmp_path):
    now = dt.datetime.now(dt.UTC)
    tsa = signed_pdfs.issue(pki.intermediate, "TSA thử nghiệm", "Ban Cơ yếu Chính phủ",
                            time_stamping=True, not_before=now - dt.timedelta(days=900))
    stamped_at = now - dt.timedelta(days=500)  # pki.expired was valid then
    data = signed_pdfs.sign(signed_pdfs.form_pdf(), pki.expired,
                            timestamper=signed_pdfs.timestamper(tsa, stamped_at))
    (report,) = verified(tmp_path, data)
    assert report.timestamped and report.trusted and report.valid
    assert report.signed_at == naive_utc(stamped_at)


@pytest.mark.parametrize("change", [signed_pdfs.add_comment, signed_pdfs.replace_page_content],
                         ids=["comment", "page-content"])
def test_changes_after_signing_other_than_form_filling_are_not_allowed(tmp_path, person_signed,
                                                                       change):
    (report,) = verified(tmp_path, change(person_signed))
    assert report.intact and report.trusted  # the signed revision itself is fine …
    assert report.modification_level in ("annotations", "other")  # … but it was changed
    assert not report.changes_allowed and not report.valid
    assert report.coverage == "entire_revision"


def test_filling_a_form_field_after_signing_is_allowed(tmp_path, person_signed):
    filled = signed_pdfs.fill_text_field(person_signed, signed_pdfs.NUMBER_FIELD, "15/QĐ-UBND")
    (report,) = verified(tmp_path, filled)
    assert (report.modification_level, report.changes_allowed) == ("form_filling", True)
    assert report.valid


def test_revocation_data_embedded_in_the_file_is_used(pki, tmp_path):
    signer = signed_pdfs.issue(pki.intermediate, "Lê Văn Thu Hồi", AGENCY_NAME,
                               crl_url="http://crl.ca.gov.vn/test.crl")
    data = signed_pdfs.sign(signed_pdfs.form_pdf(), signer)
    (bare,) = verified(tmp_path, data, "bare.pdf")
    assert (bare.valid, bare.revocation) == (True, "none")

    good = signed_pdfs.embed_crl(data, signed_pdfs.crl(pki.intermediate, []))
    (report,) = verified(tmp_path, good, "good.pdf")
    assert (report.valid, report.revocation, report.modification_level) == (
        True, "good", "lta_updates")

    revoked_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    revoked = signed_pdfs.embed_crl(
        data, signed_pdfs.crl(pki.intermediate, [(signer.certificate, revoked_at)]))
    (report,) = verified(tmp_path, revoked, "revoked.pdf")
    assert (report.trusted, report.valid, report.revocation) == (False, False, "revoked")
    assert english(report.trust_problem) == \
        f"The certificate was revoked on {format_date(naive_utc(revoked_at))}."


def test_unreadable_and_password_protected_pdfs_raise_a_clear_problem(tmp_path, person_signed):
    with pytest.raises(UnreadablePdf) as broken:
        verified(tmp_path, person_signed[: len(person_signed) // 2])
    assert "could not be read as a PDF" in english(broken.value.message)

    locked = io.BytesIO()
    page = canvas.Canvas(locked, encrypt=StandardEncryption("mat-khau", canPrint=0))
    page.drawString(72, 760, "MAT")
    page.save()
    with pytest.raises(UnreadablePdf) as protected:
        verified(tmp_path, locked.getvalue(), "locked.pdf")
    assert "protected by a password" in english(protected.value.message)

    # Protected only against editing (empty open password): read, and simply unsigned.
    restricted = io.BytesIO()
    page = canvas.Canvas(restricted, encrypt=StandardEncryption("", "chu-so-huu", canModify=0))
    page.drawString(72, 760, "HAN CHE")
    page.save()
    assert verified(tmp_path, restricted.getvalue(), "restricted.pdf") == []


def test_trust_roots_are_read_again_when_the_folder_changes(pki, tmp_path):
    folder = tmp_path / "roots"
    assert not trust_roots(folder)  # missing folder: no roots, no error
    folder.mkdir()
    (folder / "README.txt").write_text("not a certificate")
    (folder / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    assert not trust_roots(folder)
    (folder / "root.der").write_bytes(pki.root.certificate.public_bytes(serialization.Encoding.DER))
    bundle = b"".join(c.public_bytes(serialization.Encoding.PEM)
                      for c in (pki.root.certificate, pki.untrusted_root.certificate))
    (folder / "bundle.crt").write_bytes(bundle)
    roots = trust_roots(folder)
    assert len(roots.certificates) == 2  # the same root twice counts once
    assert trust_roots(folder) is roots  # unchanged folder: the cached roots
    (folder / "bundle.crt").unlink()
    assert len(trust_roots(folder).certificates) == 1


def test_without_trust_roots_every_signature_is_untrusted_with_a_reason(app, pki, tmp_path,
                                                                       monkeypatch, person_signed):
    monkeypatch.setitem(app.config, "TRUST_ROOTS_DIR", str(tmp_path / "empty"))
    (report,) = verified(tmp_path, person_signed)
    assert report.intact and not report.trusted and not report.valid
    assert "No trusted root certificate is configured" in english(report.trust_problem)


# --- through the real upload flow -------------------------------------------------


def new_incoming(api, subject: str) -> int:
    body = {
        "author": "Sở Nội vụ", "code_number": "41", "code_notation": "SNV-VP",
        "document_date": "2026-11-18", "document_type": doc_type("Quyết định").id,
        "subject": subject, "urgency": "normal", "page_count": 1,
    }
    created = api.post("/api/v1/incoming/", body)
    assert created.status_code == 201, created.text
    return created.json["id"]


def upload(api, pk: int, name: str, data: bytes) -> int:
    response = api.client.post(f"/api/v1/incoming/{pk}/attachments", headers=api.headers,
                               data={"files": [(io.BytesIO(data), name)]},
                               content_type="multipart/form-data")
    assert response.status_code == 201, response.text
    return response.json["result"][0]["id"]


def stored(pk: int, attachment_id: int) -> tuple[IncomingDocument, Attachment, list[str]]:
    db.session.expire_all()
    document = db.session.get(IncomingDocument, pk)
    attachment = db.session.get(Attachment, attachment_id)
    comments = [e.comment for e in db.session.query(DocumentEvent).filter_by(
        incoming_id=pk, action="signatures_verified").order_by(DocumentEvent.id)]
    return document, attachment, comments


def summary_of(attachment: Attachment) -> str:
    """The history line of a file, in the install's language as stored."""
    from flask import current_app

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return AttachmentCheck(attachment, tuple(attachment.signatures)).summary()


def english_summary(attachment: Attachment) -> str:
    with force_locale("en"):
        return AttachmentCheck(attachment, tuple(attachment.signatures)).summary()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_of_a_pdf_signed_by_person_and_agency_makes_a_valid_original(api, pki,
                                                                            person_signed):
    api.login("vanthu.binhson")
    pk = new_incoming(api, "Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027")
    both = signed_pdfs.sign(person_signed, pki.agency, field_name="ChuKySo2")
    attachment_id = upload(api, pk, "quyet-dinh.pdf", both)
    document, attachment, comments = stored(pk, attachment_id)
    assert attachment.signature_state == "valid"
    rows = attachment.signatures
    assert [(s.position, s.kind, s.valid) for s in rows] == [
        (1, SignatureKind.person, True), (2, SignatureKind.agency, True)]
    assert rows[0].signer_name == "Nguyễn Văn A" and rows[0].signer_title == "Chủ tịch"
    assert rows[0].trusted and rows[0].intact and rows[0].trust_problem is None
    assert all(s.agency_id == attachment.agency_id and s.checked_at for s in rows)
    assert document.legal_status == LegalStatus.valid_original
    assert comments == [summary_of(attachment)]
    assert english_summary(attachment) == "quyet-dinh.pdf: 2 signature(s), valid"

    # A second, unsigned PDF (an annex) does not take the status away.
    annex_id = upload(api, pk, "phu-luc.pdf", signed_pdfs.form_pdf())
    document, annex, comments = stored(pk, annex_id)
    assert document.legal_status == LegalStatus.valid_original
    assert comments[-1] == summary_of(annex)
    assert english_summary(annex) == "phu-luc.pdf: no digital signature"


def test_upload_signed_by_the_person_only_or_unsigned(api, pki, person_signed):
    api.login("vanthu.binhson")
    person_pk = new_incoming(api, "Công văn chỉ có chữ ký cá nhân")
    attachment_id = upload(api, person_pk, "cong-van.pdf", person_signed)
    document, attachment, _comments = stored(person_pk, attachment_id)
    assert attachment.signature_state == "valid"
    assert [s.kind for s in attachment.signatures] == [SignatureKind.person]
    assert document.legal_status == LegalStatus.person_only

    unsigned_pk = new_incoming(api, "Công văn chưa ký số")
    attachment_id = upload(api, unsigned_pk, "ban-scan.pdf", signed_pdfs.form_pdf())
    document, attachment, comments = stored(unsigned_pk, attachment_id)
    assert attachment.signature_state == "unsigned" and attachment.signatures == []
    assert document.legal_status == LegalStatus.unsigned
    assert comments == [summary_of(attachment)]

    picture_pk = new_incoming(api, "Văn bản chỉ có ảnh chụp")
    attachment_id = upload(api, picture_pk, "anh-chup.png", png())
    document, attachment, comments = stored(picture_pk, attachment_id)
    assert attachment.signature_state is None and attachment.signatures == []
    assert document.legal_status is None and comments == []


def test_upload_of_an_invalid_signature_says_why_in_the_history(api, pki):
    api.login("vanthu.binhson")
    pk = new_incoming(api, "Văn bản ký bằng chứng thư hết hạn")
    data = signed_pdfs.sign(signed_pdfs.form_pdf(), pki.expired)
    attachment_id = upload(api, pk, "het-han.pdf", data)
    document, attachment, comments = stored(pk, attachment_id)
    assert attachment.signature_state == "invalid"
    (row,) = attachment.signatures
    assert not row.valid and not row.trusted and row.trust_problem
    assert document.legal_status == LegalStatus.invalid
    (comment,) = comments
    assert comment.startswith("het-han.pdf: ") and "Trần Thị Hết Hạn" in comment
    assert row.trust_problem in comment


def test_a_broken_pdf_upload_is_stored_and_reported_not_crashing(app, api, tmp_path,
                                                                 person_signed):
    api.login("vanthu.binhson")
    pk = new_incoming(api, "Văn bản có tệp PDF hỏng")
    truncated = person_signed[: len(person_signed) // 2]
    assert truncated.startswith(b"%PDF-")
    attachment_id = upload(api, pk, "bi-hong.pdf", truncated)
    document, attachment, comments = stored(pk, attachment_id)
    assert attachment.signature_state == "invalid" and attachment.signatures == []
    assert document.legal_status == LegalStatus.invalid
    with pytest.raises(UnreadablePdf) as unreadable:
        verified(tmp_path, truncated)
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        assert comments == [f"bi-hong.pdf: {unreadable.value.message}"]


def test_cli_verifies_again_after_the_trust_roots_changed(app, api, pki, tmp_path,
                                                          monkeypatch, person_signed):
    folder = tmp_path / "trust-roots"
    shutil.copytree(app.config["TRUST_ROOTS_DIR"], folder)
    monkeypatch.setitem(app.config, "TRUST_ROOTS_DIR", str(folder))
    api.login("vanthu.binhson")
    pk = new_incoming(api, "Quyết định kiểm tra lại chữ ký sau khi đổi chứng thư gốc")
    both = signed_pdfs.sign(person_signed, pki.agency, field_name="ChuKySo2")
    attachment_id = upload(api, pk, "quyet-dinh-goc.pdf", both)
    document, attachment, _comments = stored(pk, attachment_id)
    assert document.legal_status == LegalStatus.valid_original
    runner = app.test_cli_runner()
    try:
        for pem in folder.glob("*.pem"):
            pem.unlink()  # the operator removes the root
        result = runner.invoke(args=["eoffice", "signatures", "verify", "--all"])
        assert result.exit_code == 0, result.output
        assert "PDF files checked:" in result.output

        document, attachment, comments = stored(pk, attachment_id)
        assert attachment.signature_state == "invalid"
        assert all(s.intact and not s.trusted and not s.valid for s in attachment.signatures)
        assert document.legal_status == LegalStatus.invalid
        assert len(comments) == 2  # the result changed: a new history entry
        assert db.session.query(AttachmentSignature).filter_by(
            attachment_id=attachment_id).count() == 2  # replaced, not added

        # Checking one file again changes nothing more: no new history entry.
        again = runner.invoke(args=["eoffice", "signatures", "verify",
                                    "--attachment", str(attachment_id)])
        assert again.exit_code == 0 and "PDF files checked: 1" in again.output
        assert len(stored(pk, attachment_id)[2]) == 2
        assert runner.invoke(args=["eoffice", "signatures", "verify"]).exit_code == 2
    finally:
        monkeypatch.undo()  # the real roots again, and the stored results as they were
        runner.invoke(args=["eoffice", "signatures", "verify", "--all"])
    document, attachment, _comments = stored(pk, attachment_id)
    assert document.legal_status == LegalStatus.valid_original
