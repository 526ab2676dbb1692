"""The điều hành screens as each person uses them: the văn thư presents a registered
document, the leader fills the routing slip, the department head passes the work on,
the officer records progress with a working file, proposes a reply and completes, and
the leader follows the units' workload. Officers see only the documents they work on."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app import db
from app.models import Assignment, AssignmentRole, IncomingStatus, OutgoingDocument, Urgency
from app.registry import history, incoming
from app.routing import assignments
from app.routing.assignments import Target
from tests.directory_data import BINH_SON, STTTT, account, department
from tests.registry_data import PDF, paper_incoming, upload
from tests.support import WebClient
from tests.test_routing_assignments import received_in_binh_son


@pytest.fixture
def people(app):
    """One signed-in browser per person of Bình Sơn."""
    return {name: WebClient(app).login(f"{name}.binhson")
            for name in ("vanthu", "lanhdao", "truongphong", "chuyenvien")}


def slip(rows, instruction="") -> dict:
    """The leader's routing slip: (assignee value, role, deadline) per row."""
    data = {"instruction": instruction}
    for i, (assignee, role, deadline) in enumerate(rows):
        data.update({f"targets-{i}-assignee": assignee, f"targets-{i}-role": role,
                     f"targets-{i}-deadline": deadline})
    return data


def refreshed(document):
    db.session.expire_all()
    return db.session.get(type(document), document.id)


def test_present_assign_pass_on_progress_reply_complete(people):
    _, document = received_in_binh_son("Về việc kiểm tra công tác cải cách hành chính", due=None)
    document.urgency = Urgency.flash  # on top of the lists, whatever else waits
    db.session.commit()
    noi_vu = department(BINH_SON, "Phòng Nội vụ")
    tai_chinh = department(BINH_SON, "Phòng Tài chính - Kế hoạch")
    clerk, leader = people["vanthu"], people["lanhdao"]
    head, officer = people["truongphong"], people["chuyenvien"]

    # Văn thư: the document waits to be presented, then goes to the chairman.
    assert "kiểm tra công tác cải cách hành chính" in clerk.get("/work/?tab=to_present").text
    response = clerk.submit(f"/routing/present/{document.id}", {
        "leader": str(account("lanhdao.binhson").id), "note": "Kính trình Chủ tịch"})
    assert response.status_code == 302
    document = refreshed(document)
    assert document.presented_to.username == "lanhdao.binhson"
    assert "kiểm tra công tác cải cách hành chính" not in clerk.get("/work/?tab=to_present").text

    # Leader: the slip — Phòng Nội vụ leads, Tài chính co-operates, the officer is informed.
    waiting = leader.get("/work/?tab=to_assign").text
    assert "kiểm tra công tác cải cách hành chính" in waiting
    late = leader.submit(f"/routing/assign/{document.id}", slip([
        (f"d:{noi_vu.id}", "lead", "10/12/2026"), (f"d:{noi_vu.id}", "lead", "09/12/2026")]))
    assert late.status_code == 200 and "Mỗi văn bản chỉ có một đơn vị" in late.text
    response = leader.submit(f"/routing/assign/{document.id}", slip([
        (f"d:{noi_vu.id}", "lead", "10/12/2026"),
        (f"d:{tai_chinh.id}", "cooperate", "08/12/2026"),
        (f"u:{account('chuyenvien.binhson').id}", "inform", ""),
    ], "Phòng Nội vụ chủ trì, báo cáo UBND huyện trước 10/12/2026"))
    assert response.status_code == 302
    document = refreshed(document)
    assert document.status == IncomingStatus.assigned
    lead_part = db.session.query(Assignment).filter_by(
        incoming_id=document.id, department_id=noi_vu.id).one()

    # Department head of Phòng Nội vụ: told at once, the part is in "to process".
    told = head.get("/notifications/").text
    assert "Việc mới: “Về việc kiểm tra công tác cải cách hành chính”" in told
    assert "hạn xử lý 10/12/2026" in told
    mine = head.get("/work/").text
    assert "kiểm tra công tác cải cách hành chính" in mine and "10/12/2026" in mine
    too_late = head.submit(f"/work/part/{lead_part.id}/sub-assign", {
        "officer": str(account("chuyenvien.binhson").id), "role": "lead",
        "deadline": "11/12/2026", "instruction": ""})
    assert too_late.status_code == 200 and "không được muộn hơn 10/12/2026" in too_late.text
    response = head.submit(f"/work/part/{lead_part.id}/sub-assign", {
        "officer": str(account("chuyenvien.binhson").id), "role": "lead",
        "deadline": "09/12/2026", "instruction": "Đồng chí Long tham mưu báo cáo"})
    assert response.status_code == 302
    officer_part = db.session.query(Assignment).filter_by(parent_id=lead_part.id).one()
    assert officer_part.deadline == dt.date(2026, 12, 9)

    # Officer: to process (own part) and for information (the leader's line).
    assert "kiểm tra công tác cải cách hành chính" in officer.get("/work/?tab=process").text
    assert "kiểm tra công tác cải cách hành chính" in officer.get("/work/?tab=inform").text
    response = officer.submit(f"/work/part/{officer_part.id}/progress", {
        "note": "Đã tổng hợp báo cáo của 12/15 xã",
        "files": [upload("Bảng tổng hợp cải cách hành chính.pdf")]})
    assert response.status_code == 302
    page = officer.get(f"/incoming/registered/show/{document.id}").text
    assert "Bảng tổng hợp cải cách hành chính.pdf" in page
    (working,) = refreshed(document).working_files
    assert working.assignment_id == officer_part.id
    assert officer.get(f"/attachments/{working.id}").data == PDF

    response = officer.submit(f"/work/part/{officer_part.id}/reply", {"subject": ""})
    assert response.status_code == 302 and "/outgoing/drafts/edit/" in response.location
    reply = db.session.query(OutgoingDocument).filter_by(response_for_id=document.id).one()
    assert reply.subject.startswith("V/v trả lời văn bản số")
    assert reply.drafting_department_id == noi_vu.id
    assert "V/v trả lời văn bản số" in leader.get(f"/incoming/registered/show/{document.id}").text

    assert officer.submit(f"/work/part/{officer_part.id}/complete",
                          {"note": "Đã trình dự thảo báo cáo"}).status_code == 302
    assert refreshed(document).status == IncomingStatus.processing
    # The head completes the lead part: the whole document is done (06).
    assert head.submit(f"/work/part/{lead_part.id}/complete",
                       {"note": "Đã báo cáo UBND huyện"}).status_code == 302
    document = refreshed(document)
    assert document.status == IncomingStatus.completed
    assert "kiểm tra công tác cải cách hành chính" in head.get("/work/?tab=done").text

    actions = [e.action for e in history.history_of(db.session, document)]
    assert actions[:3] == ["arrived", "registered", "presented"]
    for action in ("assigned", "progress", "working_files", "reply_proposed",
                   "completed_part", "status"):
        assert action in actions
    assert actions[-1] == "status"


def test_only_the_holder_acts_on_a_part_and_officers_see_only_their_documents(people):
    _, document = received_in_binh_son("Về việc quy hoạch khu dân cư Bình Sơn")
    _, other = received_in_binh_son("Về việc đền bù giải phóng mặt bằng")
    (lead,) = assignments.assign(db.session, document, None, [
        Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Tài chính - Kế hoạch"),
               deadline=dt.date(2026, 12, 10))])
    db.session.commit()
    head, officer = people["truongphong"], people["chuyenvien"]  # both of Phòng Nội vụ
    for client in (head, officer):
        assert client.get(f"/work/part/{lead.id}/complete").status_code == 404
        assert client.get(f"/incoming/registered/show/{document.id}").status_code == 404
        listed = client.get("/incoming/registered/list/").text
        assert "quy hoạch khu dân cư" not in listed and "đền bù giải phóng" not in listed
        assert "quy hoạch khu dân cư" not in client.get("/search/?q=quy+hoach&direction=incoming").text
    # The văn thư and the leader read every document of the agency.
    for name in ("vanthu", "lanhdao"):
        listed = people[name].get("/incoming/registered/list/").text
        assert "quy hoạch khu dân cư" in listed and "đền bù giải phóng" in listed
    # Once given a part, the officer sees that document, and only that one.
    assignments.assign(db.session, other, None, [
        Target(AssignmentRole.cooperate, user=account("chuyenvien.binhson"))])
    db.session.commit()
    listed = officer.get("/incoming/registered/list/").text
    assert "đền bù giải phóng" in listed and "quy hoạch khu dân cư" not in listed
    assert officer.get(f"/incoming/registered/show/{other.id}").status_code == 200


def workload_row(page: str, name: str) -> list[str]:
    table = page[page.index("table-condensed workload"):page.index("</table>")]
    row = re.search(r"<td>" + re.escape(name) + r"</td>(.*?)</tr>", table, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def workload_change(before: str, after: str, name: str) -> list[int]:
    return [int(b) - int(a) for a, b in zip(workload_row(before, name),
                                             workload_row(after, name), strict=True)]


def test_the_leader_sees_units_workload_and_overdue_work(people):
    _, document = received_in_binh_son("Về việc báo cáo tình hình thiên tai", due=None)
    noi_vu = department(BINH_SON, "Phòng Nội vụ")
    tai_chinh = department(BINH_SON, "Phòng Tài chính - Kế hoạch")
    before = people["lanhdao"].get("/work/units").text
    assignments.assign(db.session, document, None, [
        Target(AssignmentRole.lead, department=noi_vu, deadline=dt.date(2020, 1, 10)),
        Target(AssignmentRole.cooperate, department=tai_chinh, deadline=dt.date(2099, 1, 10)),
    ])
    db.session.commit()
    page = people["lanhdao"].get("/work/units").text
    # Unit | open | being processed | overdue | due soon | on time | late
    assert workload_change(before, page, "Phòng Nội vụ") == [1, 0, 1, 0, 0, 0]
    assert workload_change(before, page, "Phòng Tài chính - Kế hoạch") == [1, 0, 0, 0, 0, 0]
    assert "Về việc báo cáo tình hình thiên tai" in page[page.index("overdue-work"):]
    # The department head sees their own department, person by person.
    own = people["truongphong"].get("/work/units").text
    assert "Phòng Nội vụ" in own and "Phòng Tài chính - Kế hoạch" not in own
    # The officer has no such view.
    assert people["chuyenvien"].get("/work/units").status_code in (302, 403)


def test_time_limits_of_registration_and_presentation_show_in_the_lists(people):
    arrived = incoming.receive(db.session, paper_incoming(BINH_SON, "Về việc phòng chống dịch"))
    arrived.arrived_at = dt.datetime(2020, 3, 2, 2, 0)  # a Monday, long ago
    db.session.commit()
    pending = people["vanthu"].get("/incoming/pending/list/").text
    assert "Vào sổ trễ hạn từ 03/03/2020" in pending
    incoming.register(db.session, arrived)
    db.session.commit()
    registered = people["vanthu"].get("/incoming/registered/list/").text
    assert "Trình trước" in registered


def test_the_slip_refuses_units_of_other_agencies_and_unknown_ones(people):
    _, document = received_in_binh_son("Về việc tổ chức hội nghị")
    stttt_unit = department(STTTT, "Phòng Công nghệ thông tin")
    response = people["lanhdao"].submit(f"/routing/assign/{document.id}", slip([
        (f"d:{stttt_unit.id}", "lead", "10/12/2026")]))
    assert response.status_code == 200 and "Chọn đơn vị, cá nhân trong danh sách" in response.text
    response = people["lanhdao"].submit(f"/routing/assign/{document.id}", slip([
        ("d:999999", "lead", "10/12/2026")]))
    assert response.status_code == 200 and "Chọn đơn vị, cá nhân trong danh sách" in response.text
    assert refreshed(document).status == IncomingStatus.registered
    assert db.session.query(Assignment).filter_by(incoming_id=document.id).count() == 0


def test_an_overlong_progress_note_is_refused_and_nothing_is_written(people):
    _, document = received_in_binh_son("Về việc rà soát thủ tục hành chính cấp huyện", due=None)
    (part,) = assignments.assign(db.session, document, None, [
        Target(AssignmentRole.lead, user=account("chuyenvien.binhson"))])
    db.session.commit()
    events = len(history.history_of(db.session, document))
    response = people["chuyenvien"].submit(f"/work/part/{part.id}/progress", {"note": "x" * 800})
    assert response.status_code == 200 and "700" in response.text
    assert len(history.history_of(db.session, refreshed(document))) == events
    assert refreshed(part).status.value == "04"
