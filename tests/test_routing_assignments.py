"""NĐ 30 Đ23–24: an incoming document is registered, assigned to two departments (lead
and co-operating), passed on to an officer, worked on and completed; statuses, deadlines
and the history follow at each step, and the sender sees the national codes live."""

from __future__ import annotations

import datetime as dt

import pytest

from app import db
from app.models import AssignmentRole, AssignmentStatus, IncomingStatus
from app.registry import history, incoming, outgoing
from app.routing import assignments
from app.routing.assignments import Target
from app.validation import DomainValidationError
from tests.directory_data import BINH_SON, STTTT, account, agency, department
from tests.registry_data import approved_outgoing, paper_incoming


def received_in_binh_son(subject: str, due: dt.date | None = dt.date(2026, 12, 15)):
    sent = approved_outgoing(STTTT, subject, "Công văn")
    outgoing.issue(db.session, sent)
    (recipient,) = outgoing.send(db.session, sent, [agency(BINH_SON)])
    document = recipient.incoming
    document.due_date = due
    incoming.register(db.session, document)
    db.session.commit()
    return sent, document


def test_register_assign_sub_assign_progress_complete():
    sent, document = received_in_binh_son("Về việc rà soát hồ sơ đất đai năm 2026")
    noi_vu = department(BINH_SON, "Phòng Nội vụ")
    tai_chinh = department(BINH_SON, "Phòng Tài chính - Kế hoạch")
    lead, cooperate = assignments.assign(db.session, document, "Phòng Nội vụ chủ trì, báo cáo trước 10/12", [
        Target(AssignmentRole.lead, department=noi_vu, deadline=dt.date(2026, 12, 10)),
        Target(AssignmentRole.cooperate, department=tai_chinh, deadline=dt.date(2026, 12, 8)),
    ])
    db.session.commit()
    assert document.status == IncomingStatus.assigned
    assert outgoing.recipient_statuses(sent) == [(agency(BINH_SON).name, "04")]

    officer = account("chuyenvien.binhson")  # Phòng Nội vụ
    part = assignments.sub_assign(db.session, lead, officer, dt.date(2026, 12, 9), "Đồng chí Long xử lý")
    db.session.commit()
    assert part.parent_id == lead.id and part.deadline == dt.date(2026, 12, 9)

    assignments.record_progress(db.session, part, "Đã rà soát 30/45 hồ sơ")
    db.session.commit()
    assert (part.status, lead.status) == (AssignmentStatus.processing, AssignmentStatus.processing)
    assert document.status == IncomingStatus.processing
    assert outgoing.recipient_statuses(sent) == [(agency(BINH_SON).name, "05")]

    assignments.complete(db.session, part, "Đã rà soát xong")
    assignments.complete(db.session, cooperate, "Đã góp ý")
    db.session.commit()
    assert document.status == IncomingStatus.processing  # the lead's part is still open
    assignments.complete(db.session, lead, "Đã báo cáo UBND huyện")
    db.session.commit()
    assert document.status == IncomingStatus.completed
    assert outgoing.recipient_statuses(sent) == [(agency(BINH_SON).name, "06")]

    actions = [e.action for e in history.history_of(db.session, document)]
    assert actions == ["arrived", "registered", "assigned", "assigned", "status", "assigned",
                       "progress", "status", "completed_part", "completed_part",
                       "completed_part", "status"]
    tree = assignments.routing_tree(db.session, document)
    assert [a.assignee_name for a in tree] == ["Phòng Nội vụ", "Phòng Tài chính - Kế hoạch"]
    assert [c.user_id for c in tree[0].children] == [officer.id]


def test_sub_deadline_cannot_be_later_than_the_parent():
    _, document = received_in_binh_son("Về việc báo cáo công tác cải cách hành chính")
    (lead,) = assignments.assign(db.session, document, None, [
        Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Nội vụ"),
               deadline=dt.date(2026, 12, 10))])
    db.session.commit()
    with pytest.raises(DomainValidationError) as refused:
        assignments.sub_assign(db.session, lead, account("chuyenvien.binhson"), dt.date(2026, 12, 11))
    assert "10/12/2026" in refused.value.errors["deadline"][0]
    db.session.rollback()


def test_department_deadline_cannot_be_after_the_documents_deadline():
    _, document = received_in_binh_son("Về việc kiểm tra công vụ", due=dt.date(2026, 12, 1))
    with pytest.raises(DomainValidationError) as refused:
        assignments.assign(db.session, document, None, [
            Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Nội vụ"),
                   deadline=dt.date(2026, 12, 5))])
    assert "deadline" in refused.value.errors
    db.session.rollback()


def test_one_lead_and_own_agency_only():
    _, document = received_in_binh_son("Về việc tổng kết năm 2026")
    noi_vu = department(BINH_SON, "Phòng Nội vụ")
    with pytest.raises(DomainValidationError):
        assignments.assign(db.session, document, None, [
            Target(AssignmentRole.lead, department=noi_vu),
            Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Tài chính - Kế hoạch")),
        ])
    db.session.rollback()
    with pytest.raises(DomainValidationError) as refused:
        assignments.assign(db.session, document, None, [
            Target(AssignmentRole.lead, department=department(STTTT, "Phòng Công nghệ thông tin"))])
    assert "assignee" in refused.value.errors
    db.session.rollback()


def test_officer_must_belong_to_the_assigned_department():
    _, document = received_in_binh_son("Về việc tuyển dụng công chức")
    (lead,) = assignments.assign(db.session, document, None, [
        Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Tài chính - Kế hoạch"))])
    db.session.commit()
    with pytest.raises(DomainValidationError) as refused:
        assignments.sub_assign(db.session, lead, account("chuyenvien.binhson"), None)  # Phòng Nội vụ
    assert "assignee" in refused.value.errors
    db.session.rollback()


def test_unregistered_documents_are_not_assigned():
    document = incoming.receive(db.session, paper_incoming(BINH_SON, "Văn bản chưa vào sổ"))
    db.session.commit()
    with pytest.raises(DomainValidationError):
        assignments.assign(db.session, document, None, [
            Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Nội vụ"))])
    db.session.rollback()


def test_document_page_shows_the_routing_tree_with_deadlines_and_statuses(web):
    _, document = received_in_binh_son("Về việc lập quy hoạch sử dụng đất")
    (lead,) = assignments.assign(db.session, document, "Khẩn trương thực hiện", [
        Target(AssignmentRole.lead, department=department(BINH_SON, "Phòng Nội vụ"),
               deadline=dt.date(2026, 12, 10))])
    assignments.sub_assign(db.session, lead, account("chuyenvien.binhson"), dt.date(2026, 12, 9))
    db.session.commit()
    page = web.login("vanthu.binhson").get(f"/incoming/registered/show/{document.id}").text
    tree = page[page.index("routing-tree"):]
    assert "Phòng Nội vụ" in tree and "Chủ trì" in tree and "10/12/2026" in tree
    assert "↳ Trương Văn Long" in tree and "09/12/2026" in tree
    assert "04 Phân công" in tree and "Khẩn trương thực hiện" in tree
