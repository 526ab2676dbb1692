"""The REST API of điều hành: the same flow and rules as the screens
(tests/test_routing_screens.py), answered in JSON — trình, phân công, giao chuyên viên,
tiến độ, tệp xử lý, dự thảo trả lời, hoàn thành; only the holder acts on a part, officers
read only the documents they work on, other agencies nothing."""

from __future__ import annotations

import io

import pytest

from app import db
from app.models import Assignment, Attachment, IncomingStatus, OutgoingDocument
from tests.directory_data import BINH_SON, STTTT, account, department
from tests.registry_data import PDF
from tests.support import ApiClient
from tests.test_routing_assignments import received_in_binh_son


@pytest.fixture
def people(app):
    """One API client per person of Bình Sơn, and one of the other agency."""
    clients = {name: ApiClient(app).login(f"{name}.binhson")
               for name in ("vanthu", "lanhdao", "truongphong", "chuyenvien")}
    clients["stttt"] = ApiClient(app).login("chuyenvien.stttt")
    clients["lanhdao.stttt"] = ApiClient(app).login("lanhdao.stttt")
    return clients


def parts_of(document) -> list[Assignment]:
    db.session.expire_all()
    return (db.session.query(Assignment).filter_by(incoming_id=document.id)
            .order_by(Assignment.id).all())


def listed(client, document) -> set[int]:
    """Ids of the parts of ``document`` that GET /api/v1/assignment/ shows ``client``."""
    query = f"(filters:!((col:incoming,opr:rel_o_m,value:{document.id})),page_size:100)"
    response = client.get(f"/api/v1/assignment/?q={query}")
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json["result"]}


def mine(client, tab: str) -> dict:
    response = client.get(f"/api/v1/assignment/mine?tab={tab}")
    assert response.status_code == 200, response.text
    return response.json


def post_files(client, url: str, *files):
    return client.client.post(url, headers=client.headers, data={"files": list(files)},
                              content_type="multipart/form-data")


def test_present_assign_pass_on_progress_files_reply_complete(people):
    _, document = received_in_binh_son("Về việc cấp nước sạch nông thôn năm 2027")
    noi_vu = department(BINH_SON, "Phòng Nội vụ")
    tai_chinh = department(BINH_SON, "Phòng Tài chính - Kế hoạch")
    clerk, leader = people["vanthu"], people["lanhdao"]
    head, officer = people["truongphong"], people["chuyenvien"]
    url = f"/api/v1/incoming/{document.id}"

    # Văn thư: trình the chairman.
    presented = clerk.post(f"{url}/present", {"leader_id": account("lanhdao.binhson").id,
                                              "note": "Kính trình Chủ tịch"})
    assert presented.status_code == 200, presented.text
    result = presented.json["result"]
    assert result["presented_to"]["id"] == account("lanhdao.binhson").id
    assert result["presented_at"]
    # The văn thư does not assign: that is the leader's verb.
    assert clerk.post(f"{url}/assign", {"targets": [
        {"department_id": noi_vu.id, "role": "lead"}]}).status_code == 403

    # Leader: Nội vụ leads, Tài chính co-operates, the officer is informed.
    assigned = leader.post(f"{url}/assign", {
        "instruction": "Phòng Nội vụ chủ trì, báo cáo UBND huyện trước 10/12/2026",
        "targets": [
            {"department_id": noi_vu.id, "role": "lead", "deadline": "2026-12-10"},
            {"department_id": tai_chinh.id, "role": "cooperate", "deadline": "2026-12-08"},
            {"user_id": account("chuyenvien.binhson").id, "role": "inform"},
        ],
    })
    assert assigned.status_code == 200, assigned.text
    assert assigned.json["result"]["status"] == "04"
    lead_id, cooperate_id, inform_id = assigned.json["assignments"]
    assert [p.id for p in parts_of(document)] == [lead_id, cooperate_id, inform_id]
    lead = head.get(f"/api/v1/assignment/{lead_id}").json["result"]
    assert (lead["role"], lead["department"]["id"], lead["deadline"], lead["status"]) == \
        ("lead", noi_vu.id, "2026-12-10", "04")
    assert lead["incoming"]["id"] == document.id and lead["parent"] is None

    # Department head: the part is in "to process"; a later deadline than their own is
    # refused and nothing is written; then the officer gets it.
    work = mine(head, "process")
    assert lead_id in {row["id"] for row in work["result"]}
    assert work["counts"]["process"] >= 1
    officer_id = account("chuyenvien.binhson").id
    too_late = head.post(f"/api/v1/assignment/{lead_id}/sub-assign",
                         {"officer_id": officer_id, "deadline": "2026-12-11"})
    assert too_late.status_code == 400
    assert "10/12/2026" in too_late.json["errors"]["deadline"][0]
    assert len(parts_of(document)) == 3
    passed = head.post(f"/api/v1/assignment/{lead_id}/sub-assign", {
        "officer_id": officer_id, "deadline": "2026-12-09",
        "instruction": "Đồng chí Long tham mưu báo cáo"})
    assert passed.status_code == 201, passed.text
    part_id = passed.json["id"]
    child = passed.json["result"]
    assert (child["parent"]["id"], child["user"]["id"], child["deadline"], child["role"]) == \
        (lead_id, officer_id, "2026-12-09", "lead")

    # Officer: own part to process, the leader's line for information.
    assert part_id in {row["id"] for row in mine(officer, "process")["result"]}
    assert inform_id in {row["id"] for row in mine(officer, "inform")["result"]}
    progress = officer.post(f"/api/v1/assignment/{part_id}/progress",
                            {"note": "Đã tổng hợp báo cáo của 12/15 xã"})
    assert progress.status_code == 200, progress.text
    assert progress.json["result"]["status"] == "05"
    assert officer.get(url).json["result"]["status"] == "05"

    files = post_files(officer, f"/api/v1/assignment/{part_id}/files",
                       (io.BytesIO(PDF), "Bảng tổng hợp thủ tục hành chính.pdf"))
    assert files.status_code == 201, files.text
    (file_id,) = [row["id"] for row in files.json["result"]]
    working = db.session.get(Attachment, file_id)
    assert (working.assignment_id, working.incoming_id) == (part_id, document.id)
    assert officer.get(f"/api/v1/attachment/{file_id}/content").data == PDF

    reply = officer.post(f"/api/v1/assignment/{part_id}/reply", {})
    assert reply.status_code == 201, reply.text
    draft = db.session.get(OutgoingDocument, reply.json["id"])
    assert draft.response_for_id == document.id == reply.json["result"]["response_for_id"]
    assert draft.subject.startswith("V/v trả lời văn bản số")
    assert draft.drafting_department_id == noi_vu.id
    assert officer.get(f"/api/v1/outgoing/{draft.id}").status_code == 200

    done = officer.post(f"/api/v1/assignment/{part_id}/complete",
                        {"note": "Đã trình dự thảo báo cáo"})
    assert done.status_code == 200 and done.json["result"]["status"] == "06"
    assert done.json["result"]["completed_at"]
    again = officer.post(f"/api/v1/assignment/{part_id}/complete", {})
    assert again.status_code == 400 and "status" in again.json["errors"]
    assert leader.get(url).json["result"]["status"] == "05"  # the lead part is still open

    # The head completes the lead part: the document is done (06).
    assert head.post(f"/api/v1/assignment/{lead_id}/complete",
                     {"note": "Đã báo cáo UBND huyện"}).status_code == 200
    assert leader.get(url).json["result"]["status"] == "06"
    assert lead_id in {row["id"] for row in mine(head, "done")["result"]}
    db.session.expire_all()
    assert db.session.get(type(document), document.id).status == IncomingStatus.completed


def test_only_the_holder_acts_and_officers_list_only_their_documents(people):
    _, theirs = received_in_binh_son("Về việc di dời chợ đầu mối Bình Sơn")
    _, shared = received_in_binh_son("Về việc nâng cấp bến xe khách huyện")
    leader, head, officer = people["lanhdao"], people["truongphong"], people["chuyenvien"]
    tai_chinh = department(BINH_SON, "Phòng Tài chính - Kế hoạch")
    (tai_chinh_part,) = leader.post(f"/api/v1/incoming/{theirs.id}/assign", {"targets": [
        {"department_id": tai_chinh.id, "role": "lead", "deadline": "2026-12-10"}]}
    ).json["assignments"]
    shared_parts = leader.post(f"/api/v1/incoming/{shared.id}/assign", {"targets": [
        {"department_id": tai_chinh.id, "role": "lead"},
        {"user_id": account("chuyenvien.binhson").id, "role": "cooperate"}]}
    ).json["assignments"]

    # Someone else's part: 404 on every step, to people of another department and of
    # another agency alike, and nothing changes.
    for client in (head, officer, people["stttt"], people["lanhdao.stttt"]):
        part_url = f"/api/v1/assignment/{tai_chinh_part}"
        for step, body in (("progress", {"note": "Không phải việc của tôi"}),
                           ("complete", {}), ("reply", {}),
                           ("sub-assign", {"officer_id": account("chuyenvien.binhson").id})):
            assert client.post(f"{part_url}/{step}", body).status_code == 404, (client, step)
        assert post_files(client, f"{part_url}/files",
                          (io.BytesIO(PDF), "a.pdf")).status_code == 404
    assert {p.status.value for p in parts_of(theirs)} == {"04"}
    assert len(parts_of(theirs)) == 1

    # The officer reads the parts of the document they work on (theirs and the
    # others'), never those of a document they have no part in.
    assert officer.get(f"/api/v1/assignment/{tai_chinh_part}").status_code == 404
    assert listed(officer, theirs) == set()
    assert listed(officer, shared) == set(shared_parts)
    mine_documents = {a.incoming_id for a in db.session.query(Assignment).filter_by(
        user_id=account("chuyenvien.binhson").id)}
    everything = officer.get("/api/v1/assignment/?q=(page_size:100)").json["result"]
    assert everything and {row["incoming"]["id"] for row in everything} <= mine_documents
    # The department head of Phòng Nội vụ: the officer's document, through the officer.
    assert listed(head, shared) == set(shared_parts) and listed(head, theirs) == set()
    # Leaders read every part of their agency.
    assert listed(leader, theirs) == {tai_chinh_part}
    # Another agency never sees them, whoever asks.
    for client in (people["stttt"], people["lanhdao.stttt"]):
        assert listed(client, theirs) == set() and listed(client, shared) == set()
        assert client.get(f"/api/v1/assignment/{shared_parts[1]}").status_code == 404
        assert shared_parts[1] not in {row["id"] for row in mine(client, "cooperate")["result"]}


def test_bad_bodies_answer_structured_400_and_write_nothing(people):
    _, document = received_in_binh_son("Về việc sửa chữa cầu treo dân sinh")
    clerk, leader = people["vanthu"], people["lanhdao"]
    url = f"/api/v1/incoming/{document.id}"

    def refused(response, *fields):
        assert response.status_code == 400, response.text
        assert response.json["message"] and set(fields) <= set(response.json["errors"]), \
            response.json
        return response.json["errors"]

    # Trình: the leader is a leader of the agency, given by id.
    for leader_id in (None, "abc", True, account("chuyenvien.binhson").id,
                      account("lanhdao.stttt").id, 999999):
        refused(clerk.post(f"{url}/present", {"leader_id": leader_id}), "leader_id")
    not_json = clerk.client.post(f"{url}/present", headers=clerk.headers, data="{leader_id: 1",
                                 content_type="application/json")
    refused(not_json, "leader_id")
    refused(clerk.post(f"{url}/present", [account("lanhdao.binhson").id]), "leader_id")
    refused(clerk.post(f"{url}/present", {"leader_id": account("lanhdao.binhson").id,
                                          "note": "x" * 5000}), "note")

    # Phân công: unknown or other-agency units and people, bad roles and dates.
    errors = refused(leader.post(f"{url}/assign", {"instruction": 12, "targets": [
        {"department_id": 999999, "role": "lead"},
        {"department_id": department(STTTT, "Phòng Công nghệ thông tin").id, "role": "lead"},
        {"user_id": account("chuyenvien.stttt").id, "role": "inform"},
        {"department_id": department(BINH_SON, "Phòng Nội vụ").id,
         "user_id": account("chuyenvien.binhson").id, "role": "lead"},
        {"department_id": str(department(BINH_SON, "Phòng Nội vụ").id), "role": "lead"},
        {"department_id": department(BINH_SON, "Phòng Nội vụ").id, "role": "boss",
         "deadline": "10/12/2026"},
        "Phòng Nội vụ",
    ]}), "targets", "role", "deadline", "instruction")
    assert errors["targets"] == ["Chọn đơn vị, cá nhân trong danh sách."]
    assert errors["deadline"] == ["Ngày không hợp lệ."]
    refused(leader.post(f"{url}/assign", {"targets": "Phòng Nội vụ"}), "targets")
    refused(leader.post(f"{url}/assign", {}), "targets")
    two_leads = leader.post(f"{url}/assign", {"targets": [
        {"department_id": department(BINH_SON, "Phòng Nội vụ").id, "role": "lead"},
        {"department_id": department(BINH_SON, "Phòng Tài chính - Kế hoạch").id,
         "role": "lead"}]})
    assert "Mỗi văn bản chỉ có một đơn vị" in refused(two_leads, "targets")["targets"][0]
    late = leader.post(f"{url}/assign", {"targets": [
        {"department_id": department(BINH_SON, "Phòng Nội vụ").id, "role": "lead",
         "deadline": "2026-12-20"}]})  # after the document's own deadline (15/12)
    refused(late, "deadline")
    db.session.expire_all()
    assert parts_of(document) == []
    assert db.session.get(type(document), document.id).status == IncomingStatus.registered
    assert db.session.get(type(document), document.id).presented_at is None

    # Giao chuyên viên, tiến độ, tệp, Việc của tôi.
    (lead_id,) = leader.post(f"{url}/assign", {"targets": [
        {"department_id": department(BINH_SON, "Phòng Nội vụ").id, "role": "lead",
         "deadline": "2026-12-10"}]}).json["assignments"]
    head = people["truongphong"]
    part_url = f"/api/v1/assignment/{lead_id}"
    refused(head.post(f"{part_url}/sub-assign", {}), "officer_id")
    refused(head.post(f"{part_url}/sub-assign", {"officer_id": account("chuyenvien.stttt").id}),
            "officer_id")
    refused(head.post(f"{part_url}/sub-assign", {
        "officer_id": account("chuyenvien.binhson").id, "role": "boss",
        "deadline": "tomorrow"}), "role", "deadline")
    refused(head.post(f"{part_url}/progress", {}), "note")
    refused(head.post(f"{part_url}/progress", {"note": ["a", "b"]}), "note")
    refused(post_files(head, f"{part_url}/files"), "files")
    refused(post_files(head, f"{part_url}/files", (io.BytesIO(b"MZ\x90"), "setup.exe")), "files")
    refused(head.get("/api/v1/assignment/mine?tab=everything"), "tab")
    (lead,) = parts_of(document)
    assert (lead.status.value, lead.children) == ("04", [])
    assert db.session.query(Attachment).filter_by(assignment_id=lead.id).count() == 0


def test_the_api_is_read_only_as_a_model_api_and_documented(people, api):
    _, document = received_in_binh_son("Về việc xây dựng trạm y tế xã Bình Hải")
    leader = people["lanhdao"]
    (part_id,) = leader.post(f"/api/v1/incoming/{document.id}/assign", {"targets": [
        {"user_id": account("chuyenvien.binhson").id, "role": "lead"}]}).json["assignments"]
    assert leader.post("/api/v1/assignment/", {"role": "lead"}).status_code in (404, 405)
    assert leader.put(f"/api/v1/assignment/{part_id}", {"status": "06"}).status_code in (404, 405)
    assert leader.delete(f"/api/v1/assignment/{part_id}").status_code in (404, 405)
    assert leader.get("/api/v1/assignment/related/user").status_code == 404
    # A person's part is not passed on; the clerk reads parts but does not act.
    assert people["chuyenvien"].post(f"/api/v1/assignment/{part_id}/sub-assign", {
        "officer_id": account("chuyenvien.binhson").id}).status_code == 404
    assert people["vanthu"].get(f"/api/v1/assignment/{part_id}").status_code == 200
    assert people["vanthu"].post(f"/api/v1/assignment/{part_id}/progress",
                                 {"note": "x"}).status_code == 403
    assert parts_of(document)[0].status.value == "04"

    paths = api.login("qtcq.binhson").get("/api/v1/_openapi").json["paths"]
    for path in ("/api/v1/assignment/", "/api/v1/assignment/mine",
                 "/api/v1/assignment/{pk}/sub-assign", "/api/v1/incoming/{pk}/assign",
                 "/api/v1/incoming/{pk}/present"):
        assert path in paths, path
