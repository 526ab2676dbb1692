"""QĐ 778 Đ19.1c: an officer of Bình Sơn who is leaving asks for a copy of their data.
The head of another agency neither sees nor decides it; the head of Bình Sơn approves;
only then, and only the officer, downloads a ZIP with the documents they drafted and
the documents given to them — details, files byte for byte, their part of the work —
and nothing else. Each step is in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import zipfile

import pytest
from flask_babel import force_locale, gettext

from app import db
from app.files.pipeline import accept_upload
from app.models import (
    AssignmentRole,
    AuditEntry,
    DataExportRequest,
    DataExportStatus,
    Notification,
    NotificationKind,
    OutgoingDocument,
)
from app.registry import incoming, outgoing
from app.registry.attachments import attach
from app.routing import assignments
from app.routing.assignments import Target
from app.security.roles import AGENCY_HEAD, OFFICER
from tests.directory_data import BINH_SON, STTTT, account, agency
from tests.registry_data import PDF, doc_type, paper_incoming
from tests.support import WebClient
from tests.test_handover import fresh, new_user, translated


def pdf_bytes(marker: str) -> bytes:
    """A PDF of its own (the store keeps each content once)."""
    return PDF.replace(b"%%EOF", f"% {marker}\n%%EOF".encode())


def attach_pdf(document, name: str, content: bytes):
    (row,) = attach(db.session, document, [accept_upload(io.BytesIO(content), name,
                                                         "application/pdf")])
    return row


def own_data(user, tag: str):
    """A draft they wrote (with a file), a document given to them (with a file), and
    things that are not theirs: another officer's document, a document of another
    agency naming them."""
    draft = OutgoingDocument(agency_id=user.agency_id, document_type=doc_type("Công văn"),
                             subject=f"Dự thảo kế hoạch cải cách hành chính {tag}",
                             drafter_id=user.id, created_by_id=user.id)
    outgoing.save_draft(db.session, draft)
    draft_file = attach_pdf(draft, f"du-thao-{tag}.pdf", pdf_bytes(f"draft {tag}"))
    given = incoming.receive(db.session, paper_incoming(
        BINH_SON, f"Về việc rà soát thủ tục hành chính {tag}", code_number="45"))
    given_file = attach_pdf(given, f"cong-van-den-{tag}.pdf", pdf_bytes(f"given {tag}"))
    incoming.register(db.session, given)
    assignments.assign(db.session, given, "Đồng chí chủ trì tham mưu", [
        Target(AssignmentRole.lead, user=user)])
    not_theirs = incoming.receive(db.session, paper_incoming(
        BINH_SON, f"Văn bản của người khác {tag}"))
    elsewhere = OutgoingDocument(agency_id=agency(STTTT).id, document_type=doc_type("Công văn"),
                                 subject=f"Văn bản của cơ quan khác {tag}", drafter_id=user.id,
                                 created_by_id=user.id)
    outgoing.save_draft(db.session, elsewhere)
    db.session.commit()
    return draft, draft_file, given, given_file, not_theirs, elsewhere


def audit(event: str, request_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.query(AuditEntry).filter_by(
        event=event, target=f"data_export:{request_id}").all()


def notifications(user) -> int:
    db.session.expire_all()
    return db.session.query(Notification).filter_by(
        user_id=user.id, kind=NotificationKind.data_export).count()


def ask(client: WebClient, user, reason: str) -> DataExportRequest:
    response = client.submit("/data-export/", {"reason": reason})
    assert response.status_code == 302
    return (db.session.query(DataExportRequest).filter_by(user_id=user.id)
            .order_by(DataExportRequest.id.desc()).first())


def read_csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


@pytest.fixture
def officer(app):
    user = new_user(OFFICER, first_name="Văn Xuất", last_name="Phạm")
    return user, WebClient(app).login(user.username)


def test_approved_export_is_downloaded_by_the_requester_only(app, officer):
    user, browser = officer
    tag = uuid.uuid4().hex[:6]
    draft, draft_file, given, given_file, not_theirs, elsewhere = own_data(user, tag)
    head = account("lanhdao.binhson")
    told_head = notifications(head)

    assert browser.get("/data-export/").status_code == 200
    request = ask(browser, user, "Chuyển công tác sang Sở Nội vụ")
    assert request.status == DataExportStatus.pending and request.agency_id == user.agency_id
    assert notifications(head) == told_head + 1
    assert len(audit("data_export_requested", request.id)) == 1
    again = browser.submit("/data-export/", {"reason": "Lần nữa"})
    assert translated("You already have a request waiting for a decision.") in again.text

    # Not approved yet: no download.
    early = browser.get(f"/data-export/download/{request.id}")
    assert early.status_code == 302 and early.mimetype != "application/zip"
    assert translated("Your request has not been approved yet.") in browser.get(early.location).text
    assert audit("data_export_downloaded", request.id) == []

    # The head of another agency neither sees nor decides it.
    stranger = WebClient(app).login("lanhdao.stttt")
    assert user.username not in stranger.get("/data-export/requests/").text
    assert stranger.get(f"/data-export/requests/{request.id}").status_code == 404
    assert stranger.get(f"/data-export/download/{request.id}").status_code == 404
    assert fresh(DataExportRequest, request.id).status == DataExportStatus.pending

    # The head of Bình Sơn approves; the officer is told.
    leader = WebClient(app).login("lanhdao.binhson")
    assert user.username in leader.get("/data-export/requests/").text
    told_user = notifications(user)
    decided = leader.submit(f"/data-export/requests/{request.id}",
                            {"decision": "approve", "note": "Đồng ý"})
    assert decided.status_code == 302
    request = fresh(DataExportRequest, request.id)
    assert request.status == DataExportStatus.approved and request.decided_by_id == head.id
    assert notifications(user) == told_user + 1
    (decision,) = audit("data_export_decided", request.id)
    assert json.loads(decision.detail)["decision"] == "approved" and decision.actor_id == head.id

    # The officer downloads the ZIP.
    assert f"/data-export/download/{request.id}" in browser.get("/data-export/").text
    download = browser.get(f"/data-export/download/{request.id}")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert user.username in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = set(archive.namelist())
    draft_path = f"van-ban-di/{draft.id}/tep/{draft_file.id}-{draft_file.filename}"
    given_path = f"van-ban-den/{given.id}/tep/{given_file.id}-{given_file.filename}"
    assert {"README.txt", "van-ban-di.csv", "van-ban-den.csv", "phan-cong.csv", "phan-cong.json",
            f"van-ban-di/{draft.id}/metadata.json", draft_path,
            f"van-ban-den/{given.id}/metadata.json", given_path} <= names
    assert not any(f"/{not_theirs.id}/" in name and name.startswith("van-ban-den/")
                   for name in names)
    assert not any(name.startswith(f"van-ban-di/{elsewhere.id}/") for name in names)
    assert archive.read(draft_path) == pdf_bytes(f"draft {tag}")
    assert archive.read(given_path) == pdf_bytes(f"given {tag}")

    draft_meta = json.loads(archive.read(f"van-ban-di/{draft.id}/metadata.json"))
    assert draft_meta["subject"] == draft.subject and draft_meta["drafter"] == user.username
    assert draft_meta["status"] == "draft"
    assert draft_meta["attachments"][0]["sha256"] == draft_file.sha256
    assert [e["action"] for e in draft_meta["history"]][:2] == ["created", "attached"]
    given_meta = json.loads(archive.read(f"van-ban-den/{given.id}/metadata.json"))
    assert given_meta["subject"] == given.subject and given_meta["code_number"] == "45"
    assert given_meta["my_parts"][0]["role"] == "lead"

    with force_locale("vi"):
        subject, role = gettext("Subject"), gettext("Lead")
    outgoing_rows = read_csv(archive, "van-ban-di.csv")
    assert subject in outgoing_rows[0]
    assert [row[outgoing_rows[0].index(subject)] for row in outgoing_rows[1:]] == [draft.subject]
    incoming_rows = read_csv(archive, "van-ban-den.csv")
    assert [row[incoming_rows[0].index(subject)] for row in incoming_rows[1:]] == [given.subject]
    parts = read_csv(archive, "phan-cong.csv")
    assert parts[1][2] == given.subject and role in parts[1]

    request = fresh(DataExportRequest, request.id)
    first = request.downloaded_at
    assert first is not None
    (entry,) = audit("data_export_downloaded", request.id)
    assert json.loads(entry.detail)["files"] == 2 and entry.actor_id == user.id

    # Nobody else, not even the System admin or the approving head, downloads it.
    for other in ("quantri", "lanhdao.binhson", "qtcq.binhson"):
        assert WebClient(app).login(other).get(f"/data-export/download/{request.id}").status_code == 404
    assert len(audit("data_export_downloaded", request.id)) == 1

    # While the approval lasts, the requester may download again; the first time stays.
    assert browser.get(f"/data-export/download/{request.id}").status_code == 200
    assert fresh(DataExportRequest, request.id).downloaded_at == first
    assert len(audit("data_export_downloaded", request.id)) == 2


def test_rejected_request_cannot_be_downloaded(app, officer):
    user, browser = officer
    request = ask(browser, user, "Cần bản sao để lưu")
    leader = WebClient(app).login("lanhdao.binhson")
    without_reason = leader.submit(f"/data-export/requests/{request.id}", {"decision": "reject"})
    assert translated("Say why the request is rejected.") in without_reason.text
    assert fresh(DataExportRequest, request.id).status == DataExportStatus.pending
    told = notifications(user)
    rejected = leader.submit(f"/data-export/requests/{request.id}",
                             {"decision": "reject", "note": "Dữ liệu thuộc hồ sơ đang xử lý"})
    assert rejected.status_code == 302
    assert fresh(DataExportRequest, request.id).status == DataExportStatus.rejected
    assert notifications(user) == told + 1
    assert "Dữ liệu thuộc hồ sơ đang xử lý" in browser.get("/data-export/").text

    refused = browser.get(f"/data-export/download/{request.id}")
    assert refused.status_code == 302
    assert translated("Your request was rejected; the copy cannot be downloaded.") in \
        browser.get(refused.location).text
    assert fresh(DataExportRequest, request.id).downloaded_at is None
    assert audit("data_export_downloaded", request.id) == []
    assert len(audit("data_export_decided", request.id)) == 1


def test_a_head_does_not_decide_their_own_request(app):
    head = new_user(AGENCY_HEAD, department_name=None, first_name="Văn Lãnh", last_name="Võ")
    browser = WebClient(app).login(head.username)
    request = ask(browser, head, "Nghỉ hưu")
    page = browser.submit(f"/data-export/requests/{request.id}", {"decision": "approve"})
    assert translated("You cannot decide your own request; another leader of the agency "
                      "decides it.") in page.text
    assert fresh(DataExportRequest, request.id).status == DataExportStatus.pending
    # Another head of the agency decides it, so the list stays clean for the other tests.
    WebClient(app).login("lanhdao.binhson").submit(
        f"/data-export/requests/{request.id}", {"decision": "reject", "note": "Thử nghiệm"})
    head.active = False
    db.session.commit()


def test_an_approval_lasts_a_limited_time(app, officer):
    """EOFFICE_DATA_EXPORT_DAYS (7 by default) after the decision, the copy is gone."""
    user, browser = officer
    request = ask(browser, user, "Chuyển công tác")
    WebClient(app).login("lanhdao.binhson").submit(
        f"/data-export/requests/{request.id}", {"decision": "approve"})
    request = fresh(DataExportRequest, request.id)
    assert request.status == DataExportStatus.approved
    request.decided_at -= dt.timedelta(days=app.config.get("EOFFICE_DATA_EXPORT_DAYS", 7) + 1)
    db.session.commit()
    expired = browser.get(f"/data-export/download/{request.id}")
    assert expired.status_code == 302
    assert translated("The approval has expired; ask for a copy again.") in \
        browser.get(expired.location).text
    assert audit("data_export_downloaded", request.id) == []
