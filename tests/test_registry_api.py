"""The registry REST API: the same rules as the screens, answered in JSON."""

from __future__ import annotations

import io

from app import db
from app.models import IncomingDocument, OutgoingDocument
from tests.directory_data import BINH_SON, STTTT, agency, count
from tests.registry_data import doc_type

PDF = b"%PDF-1.4\n%%EOF\n"


def paper_json(**overrides) -> dict:
    body = {
        "author": "Bộ Nội vụ", "code_number": "77", "code_notation": "BNV-VTLTNN",
        "document_date": "2026-11-18", "document_type": doc_type("Công văn").id,
        "subject": "Về việc hướng dẫn lập hồ sơ điện tử", "urgency": "urgent",
        "page_count": 5,
    }
    body.update(overrides)
    return body


def test_api_paper_incoming_registered_with_attachment(api):
    api.login("vanthu.binhson")
    created = api.post("/api/v1/incoming/", paper_json())
    assert created.status_code == 201, created.text
    pk = created.json["id"]
    files = api.client.post(f"/api/v1/incoming/{pk}/attachments", headers=api.headers,
                            data={"files": [(io.BytesIO(PDF), "Hướng dẫn lập hồ sơ.pdf")]},
                            content_type="multipart/form-data")
    assert files.status_code == 201, files.text
    registered = api.post(f"/api/v1/incoming/{pk}/register", {"arrival_date": "2026-11-24"})
    assert registered.status_code == 200, registered.text
    result = registered.json["result"]
    assert result["status"] == "03" and result["arrival_number"] >= 1  # national code
    attachment_id = files.json["result"][0]["id"]
    content = api.get(f"/api/v1/attachment/{attachment_id}/content")
    assert content.data == PDF
    assert "Hướng dẫn lập hồ sơ.pdf" in content.headers["Content-Disposition"] or \
        "filename*=" in content.headers["Content-Disposition"]


def test_api_refuses_secrets_bad_types_and_unknown_fields(api):
    api.login("vanthu.binhson")
    before = count(IncomingDocument)
    secret = api.post("/api/v1/incoming/", paper_json(secrecy="top_secret"))
    assert secret.status_code == 400
    assert "Không được lưu văn bản mật" in secret.json["errors"]["secrecy"][0]
    bad = api.post("/api/v1/incoming/", paper_json(urgency="very", page_count="many"))
    assert bad.status_code == 400 and {"urgency", "page_count"} <= set(bad.json["errors"])
    assert count(IncomingDocument) == before


def test_api_upload_refusals_store_nothing(api):
    api.login("vanthu.binhson")
    pk = api.post("/api/v1/incoming/", paper_json(subject="Công văn kèm tệp lạ")).json["id"]
    response = api.client.post(f"/api/v1/incoming/{pk}/attachments", headers=api.headers,
                               data={"files": [(io.BytesIO(b"MZ\x90"), "setup.exe")]},
                               content_type="multipart/form-data")
    assert response.status_code == 400
    assert "files" in response.json["errors"]
    assert db.session.get(IncomingDocument, pk).attachments == []


def test_api_outgoing_full_cycle_and_recipient_status(api, app):
    from tests.support import ApiClient

    officer = ApiClient(app).login("chuyenvien.stttt")
    draft = officer.post("/api/v1/outgoing/", {
        "document_type": doc_type("Kế hoạch").id, "subject": "Kế hoạch ứng dụng CNTT năm 2027",
        "urgency": "normal",
    })
    assert draft.status_code == 201, draft.text
    pk = draft.json["id"]
    assert officer.post(f"/api/v1/outgoing/{pk}/submit", {}).status_code == 200
    assert officer.post(f"/api/v1/outgoing/{pk}/approve", {}).status_code == 403  # not a signer
    head = ApiClient(app).login("lanhdao.stttt")
    assert head.post(f"/api/v1/outgoing/{pk}/approve", {}).status_code == 200
    clerk = ApiClient(app).login("vanthu.stttt")
    issued = clerk.post(f"/api/v1/outgoing/{pk}/issue", {})
    assert issued.status_code == 200 and issued.json["result"]["notation"] == "KH-STTTT"
    edit = clerk.put(f"/api/v1/outgoing/{pk}", {"subject": "Sửa sau khi phát hành"})
    assert edit.status_code == 400 and "status" in edit.json["errors"]
    sent = clerk.post(f"/api/v1/outgoing/{pk}/send", {
        "agencies": [agency(BINH_SON).id],
        "external": [{"name": "Văn phòng Chính phủ", "code": "000.00.00.G22"}],
    })
    assert sent.status_code == 200, sent.text
    document = db.session.get(OutgoingDocument, pk)
    assert len(document.recipients) == 2
    unknown = clerk.post(f"/api/v1/outgoing/{pk}/send", {"agencies": [999999]})
    assert unknown.status_code == 400


def test_api_documents_are_scoped_by_agency(api):
    api.login("vanthu.binhson")
    mine = api.post("/api/v1/incoming/", paper_json(subject="Văn bản riêng của Bình Sơn")).json["id"]
    from tests.support import ApiClient

    other = ApiClient(api.client._app).login("vanthu.stttt")
    assert other.get(f"/api/v1/incoming/{mine}").status_code == 404
    assert other.post(f"/api/v1/incoming/{mine}/register", {}).status_code == 404
    listing = other.get("/api/v1/incoming/?q=(page_size:100)").json["result"]
    assert mine not in {row["id"] for row in listing}
    assert agency(STTTT)  # the other clerk's agency exists


def test_api_registers_per_agency(api):
    api.login("vanthu.binhson")
    created = api.post("/api/v1/register/", {"year": 2027, "direction": "incoming",
                                             "name": "Sổ đơn thư khiếu nại"})
    assert created.status_code == 201, created.text
    duplicate = api.post("/api/v1/register/", {"year": 2027, "direction": "incoming",
                                               "name": "Sổ đơn thư khiếu nại"})
    assert duplicate.status_code == 400 and "name" in duplicate.json["errors"]
    from tests.support import ApiClient

    other = ApiClient(api.client._app).login("vanthu.stttt")
    assert other.get(f"/api/v1/register/{created.json['id']}").status_code == 404
