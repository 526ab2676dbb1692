"""The văn thư's screens end to end through the web forms: paper registration with a
scan, a draft with an attachment taken to issuance and sent, received and registered by
the other agency; attachments only for those who may see the document."""

from __future__ import annotations

import re

from app import db
from app.models import Direction, IncomingDocument, IncomingStatus, OutgoingDocument, OutgoingStatus
from app.registry.numbering import display_number
from app.registry.registers import open_year
from app.registry.text import fold
from tests.directory_data import BINH_SON, agency, count, department
from tests.registry_data import PDF, doc_type, upload


def paper_form(**overrides) -> dict:
    form = {
        "author": "Sở Tài chính tỉnh Quảng Ngãi",
        "code_number": "456",
        "code_notation": "STC-NS",
        "document_date": "20/11/2026",
        "document_type": str(doc_type("Công văn").id),
        "subject": "Về việc thẩm định dự toán ngân sách năm 2027",
        "signer_name": "Nguyễn Văn Tài",
        "urgency": "urgent",
        "secrecy": "none",
        "page_count": "3",
        "arrival_date": "24/11/2026",
        "due_date": "05/12/2026",
        "to_places": "Phòng Tài chính - Kế hoạch",
    }
    form.update(overrides)
    return form


def register_id_from(page_text: str) -> str:
    return re.search(r'<select[^>]*name="register"[^>]*>\s*<option[^>]*value="(\d+)"', page_text).group(1)


def test_clerk_registers_a_paper_document_with_its_scan(web):
    web.login("vanthu.binhson")
    page = web.get("/incoming/pending/paper")
    assert page.status_code == 200 and "số tiếp theo" in page.text.lower()
    form = paper_form(register=register_id_from(page.text),
                      files=[upload("Công văn 456 về dự toán.pdf")])
    response = web.submit("/incoming/pending/paper", form)
    assert response.status_code == 302, response.text[:2000]
    document = db.session.query(IncomingDocument).filter_by(code_notation="STC-NS").one()
    assert document.status == IncomingStatus.registered and document.arrival_number >= 1
    assert document.agency.code == BINH_SON
    assert [a.filename for a in document.attachments] == ["Công văn 456 về dự toán.pdf"]
    shown = web.get(response.headers["Location"])
    assert "Về việc thẩm định dự toán ngân sách năm 2027" in shown.text
    download = web.get(f"/attachments/{document.attachments[0].id}")
    assert download.status_code == 200 and download.data == PDF


def test_paper_form_refusals_keep_input_and_store_nothing(web):
    before = count(IncomingDocument)
    web.login("vanthu.binhson")
    page = web.get("/incoming/pending/paper")
    register = register_id_from(page.text)
    secret = web.submit("/incoming/pending/paper", paper_form(register=register, secrecy="secret"))
    assert "Không được lưu văn bản mật" in secret.text
    assert "Về việc thẩm định dự toán ngân sách năm 2027" in secret.text  # input kept
    renamed = web.submit("/incoming/pending/paper", paper_form(
        register=register, files=[upload("virus.pdf", b"MZ\x90\x00 not a pdf")]))
    assert "có thể tệp đã bị đổi tên" in renamed.text
    forbidden = web.submit("/incoming/pending/paper", paper_form(
        register=register, files=[upload("cai-dat.exe", b"MZ\x90\x00")]))
    assert "Không chấp nhận tệp loại .exe" in forbidden.text
    assert count(IncomingDocument) == before


def test_outgoing_from_draft_to_registration_by_the_other_agency(web, app):
    # An officer of Sở TT&TT drafts with an attachment and submits.
    officer = web.login("chuyenvien.stttt")
    response = officer.submit("/outgoing/drafts/add", {
        "document_type": str(doc_type("Công văn").id),
        "subject": "Về việc triển khai chữ ký số cho cán bộ, công chức",
        "urgency": "urgent", "secrecy": "none", "signing_authority": "KT",
        "drafting_department": str(department("000.00.11.H48", "Phòng Công nghệ thông tin").id),
        "page_count": "2", "files": [upload("Dự thảo công văn chữ ký số.pdf")],
    })
    assert response.status_code == 302, response.text[:3000]
    draft = db.session.query(OutgoingDocument).filter_by(
        subject="Về việc triển khai chữ ký số cho cán bộ, công chức").one()
    assert draft.status == OutgoingStatus.draft and len(draft.attachments) == 1
    assert officer.submit(f"/outgoing/drafts/review/{draft.id}/submit", {"comment": ""}).status_code == 302
    # The head approves; the officer may not.
    assert officer.get(f"/outgoing/drafts/approve/{draft.id}").status_code in (302, 403)
    from tests.support import WebClient

    head = WebClient(app).login("lanhdao.stttt")
    assert head.submit(f"/outgoing/drafts/approve/{draft.id}", {"comment": "Đồng ý"}).status_code == 302
    # The văn thư issues: number and date by the system, next number shown beforehand.
    clerk = WebClient(app).login("vanthu.stttt")
    issue_page = clerk.get(f"/outgoing/pending/issue/{draft.id}")
    assert "số tiếp theo" in issue_page.text.lower()
    response = clerk.submit(f"/outgoing/pending/issue/{draft.id}",
                            {"register": register_id_from(issue_page.text)})
    assert response.status_code == 302
    db.session.expire_all()
    issued = db.session.get(OutgoingDocument, draft.id)
    assert issued.status == OutgoingStatus.issued
    assert display_number(issued.number, issued.notation).endswith("/STTTT-CNTT")
    # Issued documents cannot be edited any more.
    assert clerk.get(f"/outgoing/drafts/edit/{issued.id}").status_code == 404
    # Sent to Bình Sơn: it arrives at once, waiting for their văn thư.
    response = clerk.submit(f"/outgoing/issued/send/{issued.id}",
                            {"agencies": [str(agency(BINH_SON).id)]})
    assert response.status_code == 302
    shown = clerk.get(f"/outgoing/issued/show/{issued.id}")
    assert "01 Đã đến" in shown.text
    receiver = WebClient(app).login("vanthu.binhson")
    pending = receiver.get("/incoming/pending/list/")
    assert "Về việc triển khai chữ ký số cho cán bộ, công chức" in pending.text
    arrived = db.session.query(IncomingDocument).filter_by(source_outgoing_id=issued.id).one()
    form_page = receiver.get(f"/incoming/pending/register/{arrived.id}")
    assert issued.notation in form_page.text  # the metadata came with the document
    form = paper_form(author=arrived.author, code_number=arrived.code_number,
                      code_notation=arrived.code_notation, subject=arrived.subject,
                      register=register_id_from(form_page.text), document_date="")
    response = receiver.submit(f"/incoming/pending/register/{arrived.id}", form)
    assert response.status_code == 302, response.text[:3000]
    assert "03 Đã tiếp nhận" in clerk.get(f"/outgoing/issued/show/{issued.id}").text
    # The attachment travelled with it; each agency reads its own copy only.
    db.session.expire_all()
    received = db.session.get(IncomingDocument, arrived.id)
    (attachment,) = received.attachments
    assert receiver.get(f"/attachments/{attachment.id}").data == PDF
    assert clerk.get(f"/attachments/{attachment.id}").status_code == 404
    assert receiver.get(f"/attachments/{issued.attachments[0].id}").status_code == 404
    assert fold("chữ ký số") in received.search_text


def test_clerk_returns_an_arrived_document_with_a_reason(web, app):
    from app.registry import outgoing as service
    from tests.registry_data import approved_outgoing

    sent = approved_outgoing("000.00.11.H48", "Thông báo gửi nhầm cơ quan", "Thông báo")
    service.issue(db.session, sent)
    (recipient,) = service.send(db.session, sent, [agency(BINH_SON)])
    db.session.commit()
    web.login("vanthu.binhson")
    empty = web.submit(f"/incoming/pending/return/{recipient.incoming_id}", {"reason": ""})
    assert empty.status_code == 200  # reason is mandatory
    done = web.submit(f"/incoming/pending/return/{recipient.incoming_id}",
                      {"reason": "Không thuộc thẩm quyền của huyện"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(IncomingDocument, recipient.incoming_id).status == IncomingStatus.returned


def test_urgent_documents_come_first_in_every_list(web):
    from app.models import Urgency
    from app.registry import incoming as service
    from tests.registry_data import paper_incoming

    for subject, urgency in (("Thư mời họp thường lệ", Urgency.normal),
                             ("Công điện hỏa tốc về phòng chống bão", Urgency.flash),
                             ("Báo cáo định kỳ tháng", Urgency.normal),
                             ("Công văn khẩn về dịch bệnh", Urgency.urgent)):
        document = service.receive(db.session, paper_incoming(BINH_SON, subject, urgency=urgency))
        assert document.priority == {Urgency.normal: 0, Urgency.urgent: 1, Urgency.flash: 3}[urgency]
    db.session.commit()
    page = web.login("vanthu.binhson").get("/incoming/pending/list/").text
    order = [page.index(s) for s in ("Công điện hỏa tốc về phòng chống bão",
                                     "Công văn khẩn về dịch bệnh", "Báo cáo định kỳ tháng",
                                     "Thư mời họp thường lệ")]
    assert order == sorted(order)  # flash, urgent, then the newest normal ones


def test_an_unknown_list_action_is_not_found(web):
    """A mistyped or forged action URL answers 404, never a server error."""
    web.login("vanthu.binhson")
    [register, *_] = open_year(db.session, agency(BINH_SON).id, Direction.outgoing, 2026)
    db.session.commit()
    url = f"/registerview/action/khong-co/{register.id}"
    assert web.client.get(url).status_code == 404
    assert web.client.post(url, data={"csrf_token": web.csrf()}).status_code == 404
