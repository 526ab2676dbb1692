"""Ký số on a văn bản đi end to end through the screens and the REST API: the leader's
and the văn thư's signing profiles, the leader signs and approves, the văn thư issues,
writes number and date and applies the agency signature; both signatures stay valid and
the document becomes a valid electronic original (QĐ 778 Đ6, Đ7; NĐ 30 Phụ lục I)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app import db
from app.models import (
    DocumentEvent,
    LegalStatus,
    OutgoingDocument,
    OutgoingStatus,
    SignatureKind,
    SigningAuthority,
    SigningProfile,
)
from app.registry.numbering import display_number
from app.signatures.workflow import signature_title
from tests.directory_data import BINH_SON, STTTT, account, department
from tests.pki import PASSWORD
from tests.registry_data import doc_type
from tests.sample_files import EICAR, EICAR_SIGNATURE
from tests.signing_samples import attachment_pdf, decision_pdf, seal_png, signature_png
from tests.support import ApiClient, WebClient

LEADER, CLERK, OFFICER = "lanhdao.binhson", "vanthu.binhson", "chuyenvien.binhson"


def file(name: str, content: bytes):
    return (io.BytesIO(content), name)


def profile_of(owner: str) -> SigningProfile | None:
    db.session.expire_all()
    return db.session.query(SigningProfile).filter_by(owner=owner).one_or_none()


def set_up_profile(client: WebClient, url: str, identity, image: bytes) -> None:
    response = client.submit(url, {"form": "pkcs12", "pkcs12": file("khoa.p12", identity.pkcs12()),
                                   "password": PASSWORD})
    assert response.status_code == 302, response.text[:2000]
    response = client.submit(url, {"form": "image", "image": file("anh.png", image)})
    assert response.status_code == 302, response.text[:2000]


@pytest.fixture(scope="module")
def profiles(app, pki):
    """The Bình Sơn leader's key and signature, the agency's key and seal."""
    with app.app_context():
        set_up_profile(WebClient(app).login(LEADER), "/signing/mine", pki.person,
                       signature_png())
        set_up_profile(WebClient(app).login(CLERK), "/signing/agency", pki.agency, seal_png())


def draft_for_signing(app, subject: str, officer_name: str = OFFICER,
                      unit: tuple[str, str] = (BINH_SON, "Phòng Nội vụ")) -> OutgoingDocument:
    officer = WebClient(app).login(officer_name)
    response = officer.submit("/outgoing/drafts/add", {
        "document_type": str(doc_type("Quyết định").id), "subject": subject,
        "urgency": "normal", "secrecy": "none", "signing_authority": "TM",
        "drafting_department": str(department(*unit).id),
        "files": [file("Quyết định.pdf", decision_pdf(subject)),
                  file("Phụ lục danh sách.pdf", attachment_pdf())],
    })
    assert response.status_code == 302, response.text[:2000]
    draft = db.session.query(OutgoingDocument).filter_by(subject=subject).one()
    assert officer.submit(f"/outgoing/drafts/review/{draft.id}/submit",
                          {"comment": ""}).status_code == 302
    return draft


def reload(document):
    db.session.expire_all()
    return db.session.get(type(document), document.id)


def test_a_wrong_password_keeps_no_key(web, pki):
    head = account("truongphong.binhson")
    web.login(head.username)
    response = web.submit("/signing/mine", {"form": "pkcs12", "pkcs12": file(
        "khoa.p12", pki.person.pkcs12()), "password": "sai-mat-khau"})
    assert response.status_code == 200 and "alert-danger" in response.text
    assert profile_of(f"user:{head.id}") is None


def test_the_key_is_stored_encrypted_and_the_password_never(web, profiles, pki):
    profile = profile_of(f"user:{account(LEADER).id}")
    assert profile.key_source == "pkcs12" and "Nguyễn Văn A" in profile.certificate_subject
    assert pki.person.pkcs12() not in profile.pkcs12_encrypted
    assert PASSWORD.encode() not in profile.pkcs12_encrypted
    page = web.login(LEADER).get("/signing/mine")
    assert "Nguyễn Văn A" in page.text and f"/signing/image/{profile.id}" in page.text
    assert web.get(f"/signing/image/{profile.id}").mimetype == "image/png"
    # Another agency's people do not see it.
    other = WebClient(web.app).login("lanhdao.stttt")
    assert other.get(f"/signing/image/{profile.id}").status_code == 404


def test_leader_signs_clerk_numbers_and_seals_both_stay_valid(app, profiles):
    subject = "Quyết định về việc thành lập Tổ công tác chuyển đổi số huyện"
    draft = draft_for_signing(app, subject)
    leader = WebClient(app).login(LEADER)
    page = leader.get(f"/outgoing/drafts/show/{draft.id}")
    assert f"/outgoing/signing/sign/{draft.id}" in page.text
    main = min(draft.attachments, key=lambda a: a.id)
    unsigned_sha = main.sha256

    # A wrong password: refused beside the field; nothing signed, nothing approved.
    refused = leader.submit(f"/outgoing/signing/sign/{draft.id}", {"secret": "sai"})
    assert refused.status_code == 200 and "alert-danger" in refused.text
    draft = reload(draft)
    assert draft.status == OutgoingStatus.in_review
    assert min(draft.attachments, key=lambda a: a.id).sha256 == unsigned_sha

    done = leader.submit(f"/outgoing/signing/sign/{draft.id}",
                         {"secret": PASSWORD, "comment": "Đồng ý ban hành"})
    assert done.status_code == 302, done.text[:2000]
    draft = reload(draft)
    main = min(draft.attachments, key=lambda a: a.id)
    assert draft.status == OutgoingStatus.approved
    assert main.sha256 != unsigned_sha and main.signature_state == "valid"
    [person] = main.signatures
    assert person.kind == SignatureKind.person and person.valid and person.trusted
    assert person.signer_name == "Nguyễn Văn A"
    assert draft.legal_status == LegalStatus.person_only

    # The văn thư issues (number, date), then applies the agency's signature.
    clerk = WebClient(app).login(CLERK)
    issue_page = clerk.get(f"/outgoing/pending/issue/{draft.id}")
    register = re.search(r'name="register"[^>]*>\s*<option[^>]*value="(\d+)"', issue_page.text)
    assert clerk.submit(f"/outgoing/pending/issue/{draft.id}",
                        {"register": register.group(1)}).status_code == 302
    draft = reload(draft)
    assert draft.status == OutgoingStatus.issued
    shown = clerk.get(f"/outgoing/issued/show/{draft.id}")
    assert f"/outgoing/signing/agency/{draft.id}" in shown.text
    sealed = clerk.submit(f"/outgoing/signing/agency/{draft.id}", {"secret": PASSWORD})
    assert sealed.status_code == 302, sealed.text[:2000]

    draft = reload(draft)
    main, annex = sorted(draft.attachments, key=lambda a: a.id)
    assert draft.legal_status == LegalStatus.valid_original
    assert [(s.kind, s.valid) for s in main.signatures] == [
        (SignatureKind.person, True), (SignatureKind.agency, True)]
    assert main.signatures[0].modification_level == "form_filling"
    assert [(s.kind, s.valid) for s in annex.signatures] == [(SignatureKind.agency, True)]
    actions = [e.action for e in db.session.query(DocumentEvent).filter_by(outgoing_id=draft.id)]
    assert {"signed", "agency_signed", "signatures_verified"} <= set(actions)

    # The number is in the file; the badge is in the list and the filter finds it.
    number = display_number(draft.number, draft.notation)  # "Số: 01/QĐ-UBND"
    shown = clerk.get(f"/outgoing/issued/show/{draft.id}")
    assert "legal-valid_original" in shown.text and "Nguyễn Văn A" in shown.text
    listed = clerk.get("/outgoing/issued/list/?_flt_0_legal_status=valid_original")
    assert subject in listed.text and "legal-valid_original" in listed.text
    assert subject not in clerk.get("/outgoing/issued/list/?_flt_0_legal_status=unsigned").text
    fields = PdfReader(io.BytesIO(clerk.get(f"/attachments/{main.id}").data)).get_fields()
    assert fields["eoffice_so_ky_hieu"]["/V"] == number
    # No further agency signature is offered.
    assert f"/outgoing/signing/agency/{draft.id}" not in shown.text


def test_signing_through_the_api(app, profiles):
    subject = "Quyết định phê duyệt kế hoạch ứng dụng công nghệ thông tin"
    draft = draft_for_signing(app, subject)
    leader = ApiClient(app).login(LEADER)
    wrong = leader.post(f"/api/v1/outgoing/{draft.id}/sign", json={"secret": "sai"})
    assert wrong.status_code == 400 and "secret" in wrong.json["errors"]
    signed = leader.post(f"/api/v1/outgoing/{draft.id}/sign", json={"secret": PASSWORD})
    assert signed.status_code == 200, signed.text
    assert signed.json["result"]["legal_status"] == "person_only"
    clerk = ApiClient(app).login(CLERK)
    assert clerk.post(f"/api/v1/outgoing/{draft.id}/agency-sign",
                      json={"secret": PASSWORD}).status_code == 400  # not issued yet
    assert clerk.post(f"/api/v1/outgoing/{draft.id}/issue", json={}).status_code == 200
    sealed = clerk.post(f"/api/v1/outgoing/{draft.id}/agency-sign", json={"secret": PASSWORD})
    assert sealed.status_code == 200, sealed.text
    assert sealed.json["result"]["legal_status"] == "valid_original"
    main = min(reload(draft).attachments, key=lambda a: a.id)
    checks = clerk.get(f"/api/v1/attachment/{main.id}/signatures")
    assert checks.status_code == 200 and checks.json["signature_state"] == "valid"
    assert [c["kind"] for c in checks.json["result"]] == ["person", "agency"]
    assert all(c["valid"] and c["trusted"] for c in checks.json["result"])


def test_a_leader_signs_with_a_pkcs11_token(app, soft_token):
    """USB tokens and HSMs are PKCS#11: the key never leaves the token (SoftHSM2 here)."""
    leader = WebClient(app).login("lanhdao.stttt")
    form = {"form": "pkcs11", "token_label": soft_token.token_label,
            "key_label": soft_token.key_label}
    wrong = leader.submit("/signing/mine", {**form, "pin": "000000"})
    assert wrong.status_code == 200 and "alert-danger" in wrong.text
    assert profile_of(f"user:{account('lanhdao.stttt').id}") is None
    assert leader.submit("/signing/mine", {**form, "pin": soft_token.pin}).status_code == 302
    profile = profile_of(f"user:{account('lanhdao.stttt').id}")
    assert profile.key_source == "pkcs11" and profile.pkcs12_encrypted is None
    assert soft_token.pin not in (profile.pkcs11_token_label + profile.pkcs11_key_label)

    draft = draft_for_signing(app, "Quyết định ban hành quy chế sử dụng chữ ký số",
                              "chuyenvien.stttt", (STTTT, "Phòng Công nghệ thông tin"))
    assert leader.submit(f"/outgoing/signing/sign/{draft.id}",
                         {"secret": soft_token.pin}).status_code == 302
    draft = reload(draft)
    [person] = min(draft.attachments, key=lambda a: a.id).signatures
    assert draft.status == OutgoingStatus.approved and person.valid
    assert person.signer_name == "Nguyễn Văn A"  # the certificate on the token


def test_signing_files_pass_the_malware_scanner(web):
    """A signature image or key file is a file entering the system like any other."""
    web.login("truongphong.binhson")
    before = profile_of(f"user:{account('truongphong.binhson').id}")
    for form in ({"form": "image", "image": file("chu-ky.png", signature_png() + EICAR)},
                 {"form": "pkcs12", "pkcs12": file("khoa.p12", EICAR), "password": "x"}):
        response = web.submit("/signing/mine", form)
        assert response.status_code == 200 and EICAR_SIGNATURE in response.text
    assert profile_of(f"user:{account('truongphong.binhson').id}") == before


@pytest.mark.parametrize("authority, position, expected", [
    (SigningAuthority.own, "Chủ tịch", "CHỦ TỊCH"),
    (SigningAuthority.on_behalf, "Chủ tịch", "TM. ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN\nCHỦ TỊCH"),
    (SigningAuthority.deputy, "Phó Chủ tịch", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"),
    (SigningAuthority.acting, "Chủ tịch", "Q. CHỦ TỊCH"),
])
def test_the_title_above_the_signature_follows_the_signing_authority(authority, position,
                                                                     expected):
    """NĐ 30 Phụ lục I, ô 7a: TM., KT., Q. before the signer's position."""
    leader = account(LEADER)
    document = OutgoingDocument(agency=leader.agency, signing_authority=authority,
                                signer_position=position)
    assert signature_title(document, leader) == expected
