"""QĐ 778 Đ19.2b, Đ19.1c: an officer of Bình Sơn leaves. The agency admin opens "Hand
over and leave", picks the officer, sees their open work, draft, the document presented
to them and their signing key, picks a colleague and confirms: everything moves to the
colleague with a history entry on each document, the colleague is told, the key is
removed, the account is closed and the handover is in the audit log. Refusals change
nothing; another agency's admin gets 404."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from flask_babel import force_locale, gettext

from app import db
from app.demo import DEMO_PASSWORD
from app.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    AuditEntry,
    DocumentEvent,
    Notification,
    OutgoingDocument,
    SigningProfile,
    UserAccount,
)
from app.registry import outgoing
from app.routing import assignments
from app.routing.assignments import Target
from app.security.roles import OFFICER
from tests.directory_data import BINH_SON, STTTT, account, agency, new_account
from tests.registry_data import doc_type
from tests.support import WebClient, csrf_token
from tests.test_routing_assignments import received_in_binh_son


def new_user(role: str, agency_code: str = BINH_SON, department_name: str | None = "Phòng Nội vụ",
             first_name: str = "Văn Nghỉ", last_name: str = "Trần", active: bool = True) -> UserAccount:
    return new_account(role, agency_code, prefix="bg", first_name=first_name,
                       last_name=last_name, department_name=department_name, active=active)


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def holdings(leaver: UserAccount, tag: str):
    """An open part of the work, a completed one, a draft, a document presented to them
    and a signing key."""
    _, worked = received_in_binh_son(f"Về việc kiểm kê tài sản công {tag}")
    (open_part,) = assignments.assign(db.session, worked, "Đồng chí xử lý", [
        Target(AssignmentRole.lead, user=leaver, deadline=dt.date(2026, 12, 10))])
    _, finished = received_in_binh_son(f"Về việc báo cáo đã xong {tag}")
    (done_part,) = assignments.assign(db.session, finished, None, [
        Target(AssignmentRole.lead, user=leaver)])
    assignments.complete(db.session, done_part, "Đã báo cáo")
    draft = OutgoingDocument(agency_id=agency(BINH_SON).id, document_type=doc_type("Công văn"),
                             subject=f"Dự thảo công văn về chuyển đổi số {tag}", drafter_id=leaver.id)
    outgoing.save_draft(db.session, draft)
    _, presented = received_in_binh_son(f"Về việc xin ý kiến chỉ đạo {tag}")
    assignments.present(db.session, presented, leaver)
    db.session.add(SigningProfile(
        owner=f"user:{leaver.id}", user_id=leaver.id, agency_id=leaver.agency_id,
        key_source="pkcs12", pkcs12_encrypted=b"sealed key bytes",
        certificate_subject=f"CN={leaver.get_full_name()} {tag}"))
    db.session.commit()
    return open_part, done_part, draft, presented


def audit_entries(event: str, target: str) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.query(AuditEntry).filter_by(event=event, target=target).all()


def translated(message: str, **values) -> str:
    with force_locale("vi"):
        return gettext(message, **values)


def test_handover_moves_the_work_to_the_successor_and_closes_the_account(app, web):
    tag = uuid.uuid4().hex[:6]
    leaver = new_user(OFFICER, first_name="Văn Nghỉ", last_name="Trần")
    successor = new_user(OFFICER, first_name="Thị Tiếp", last_name="Lê")
    open_part, done_part, draft, presented = holdings(leaver, tag)
    notifications_before = db.session.query(Notification).filter_by(user_id=successor.id).count()
    admin = web.login("qtcq.binhson")

    # Step 1: the leaver is among the agency's accounts; another agency's people are not.
    choose = admin.get("/handover/")
    assert choose.status_code == 200
    assert leaver.username in choose.text
    assert "qtcq.stttt" not in choose.text and "quantri" not in choose.text
    step = admin.submit("/handover/", {"leaver": str(leaver.id)})
    assert step.status_code == 302 and step.location.endswith(f"/handover/{leaver.id}")

    # Step 2: what they hold.
    review = admin.get(f"/handover/{leaver.id}").text
    for shown in (open_part.incoming.subject, draft.subject, presented.subject,
                  f"CN={leaver.get_full_name()} {tag}"):
        assert shown in review
    assert done_part.incoming.subject not in review  # completed work stays where it is
    assert "hồ sơ công việc" in review  # no dossiers in the system yet, said so

    done = admin.submit(f"/handover/{leaver.id}", {"successor": str(successor.id), "confirm": "y"})
    assert done.status_code == 302
    assert leaver.get_full_name() in admin.get(done.location).text  # the confirmation

    # Everything moved, with history on each document, by the admin.
    admin_id = account("qtcq.binhson").id
    assert fresh(Assignment, open_part.id).user_id == successor.id
    assert fresh(Assignment, done_part.id).user_id == leaver.id
    assert fresh(OutgoingDocument, draft.id).drafter_id == successor.id
    assert fresh(type(presented), presented.id).presented_to_id == successor.id
    for column, document in ((DocumentEvent.incoming_id, open_part.incoming),
                             (DocumentEvent.outgoing_id, draft),
                             (DocumentEvent.incoming_id, presented)):
        (event,) = db.session.query(DocumentEvent).filter(
            column == document.id, DocumentEvent.action == "handed_over").all()
        assert event.actor_id == admin_id
        assert leaver.get_full_name() in event.comment and successor.get_full_name() in event.comment
    assert db.session.query(DocumentEvent).filter_by(
        incoming_id=done_part.incoming_id, action="handed_over").count() == 0

    # The successor is told, and finds the work in "My work".
    told = db.session.query(Notification).filter_by(user_id=successor.id).count()
    assert told - notifications_before == 3  # the part, the presented document, the draft
    mine = WebClient(app).login(successor.username)
    assert open_part.incoming.subject in mine.get("/work/").text

    # The key is personal: removed, not handed over; the account is closed.
    profile = db.session.query(SigningProfile).filter_by(owner=f"user:{leaver.id}").one()
    assert profile.key_source is None and profile.pkcs12_encrypted is None
    assert db.session.query(SigningProfile).filter_by(owner=f"user:{successor.id}").count() == 0
    closed = fresh(UserAccount, leaver.id)
    assert closed.active is False
    assert closed.inactive_reason == translated(
        "Left or moved; work handed over to %(name)s", name=successor.get_full_name())

    (entry,) = audit_entries("handover", f"user:{leaver.id}")
    detail = json.loads(entry.detail)
    assert entry.actor_id == admin_id and entry.agency_id == agency(BINH_SON).id
    assert (detail["assignments"], detail["drafts"], detail["presented"]) == (1, 1, 1)
    assert detail["successor"]["username"] == successor.username
    assert detail["signing_key_removed"] is True

    # The leaver can no longer sign in.
    browser = WebClient(app)
    page = browser.get("/login/")
    attempt = browser.client.post("/login/", data={
        "username": leaver.username, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page.text)})
    assert "/login" in attempt.location
    assert "/login" in browser.get("/data-export/").location


def _post(client: WebClient, url: str, data: dict):
    """Post with the session's CSRF token taken from a page that has a form."""
    token = csrf_token(client.get("/handover/").text)
    return client.client.post(url, data={"csrf_token": token, **data})


def test_refusals_change_nothing(web):
    tag = uuid.uuid4().hex[:6]
    leaver = new_user(OFFICER)
    open_part, _, draft, _ = holdings(leaver, tag)
    other_agency = new_user(OFFICER, agency_code=STTTT, department_name=None)
    inactive = new_user(OFFICER, active=False)
    admin = web.login("qtcq.binhson")
    url = f"/handover/{leaver.id}"
    cases = [
        ({"successor": "", "confirm": "y"}, "Choose the successor who takes over the work."),
        ({"successor": str(other_agency.id), "confirm": "y"},
         "The successor must belong to the same agency as the person leaving."),
        ({"successor": str(inactive.id), "confirm": "y"}, "The successor's account is inactive."),
        ({"successor": str(leaver.id), "confirm": "y"},
         "The successor must be someone other than the person leaving."),
        ({"successor": str(account("chuyenvien.binhson").id)}, "Tick the box to confirm the handover."),
    ]
    for data, message in cases:
        page = admin.submit(url, data)
        assert page.status_code == 200, data
        assert translated(message).replace("'", "&#39;") in page.text, message
        assert fresh(UserAccount, leaver.id).active is True
        assert fresh(Assignment, open_part.id).user_id == leaver.id
        assert fresh(OutgoingDocument, draft.id).drafter_id == leaver.id
    assert audit_entries("handover", f"user:{leaver.id}") == []

    # An account already closed: not offered, and a forced post is refused.
    gone = new_user(OFFICER, active=False)
    assert gone.username not in admin.get("/handover/").text
    refused = _post(admin, f"/handover/{gone.id}", {"successor": str(account("chuyenvien.binhson").id),
                                                    "confirm": "y"})
    assert refused.status_code == 200
    assert translated("This account is already inactive; there is nothing to hand over.") in refused.text
    assert audit_entries("handover", f"user:{gone.id}") == []


def test_another_agency_and_protected_accounts_are_out_of_reach(app, web):
    leaver = new_user(OFFICER)
    open_part, *_ = holdings(leaver, uuid.uuid4().hex[:6])
    stranger = web.login("qtcq.stttt")
    assert leaver.username not in stranger.get("/handover/").text
    assert stranger.get(f"/handover/{leaver.id}").status_code == 404
    forced = _post(stranger, f"/handover/{leaver.id}", {
        "successor": str(account("chuyenvien.stttt").id), "confirm": "y"})
    assert forced.status_code == 404
    assert fresh(UserAccount, leaver.id).active is True
    assert fresh(Assignment, open_part.id).user_id == leaver.id
    # A System admin's account is protected, even in the admin's own agency.
    assert stranger.get(f"/handover/{account('quantri').id}").status_code == 404
    chosen = stranger.submit("/handover/", {"leaver": str(account("quantri").id)})
    assert chosen.status_code == 200  # refused on the form, no next step
    # Only admins hand over: an officer is turned away.
    officer = WebClient(app).login("chuyenvien.binhson")
    assert officer.get("/handover/").status_code in (302, 403)
    assert fresh(Assignment, open_part.id).status == AssignmentStatus.assigned
