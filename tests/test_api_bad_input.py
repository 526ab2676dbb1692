"""What the fuzz (tests/test_api_fuzz.py) found, one test per kind of bad input: each is
a structured 400 ``{"message", "errors": {field: [...]}}`` (or a 404 for an id no row can
have), never a 500, and nothing is stored. Runs on SQLite and PostgreSQL, whose refusals
differ (PostgreSQL: 32-bit INTEGER, no NUL in text; SQLite: 64-bit INTEGER).
"""

from __future__ import annotations

import pytest
from flask import current_app

from app import db
from app.models import (
    Agency,
    Assignment,
    DocumentEvent,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
)
from tests.directory_data import count
from tests.registry_data import doc_type
from tests.support import ApiClient
from tests.test_routing_assignments import received_in_binh_son

HUGE = 2**40  # past PostgreSQL's INTEGER; 2**70 is past SQLite's too
HUGER = 2**70


def refused(response, field: str) -> list[str]:
    """The messages of a structured 400 on ``field``."""
    assert response.status_code == 400, f"{response.status_code}: {response.text}"
    assert response.json["message"], response.text
    assert field in response.json["errors"], response.text
    return response.json["errors"][field]


def paper(**fields) -> dict:
    return {"author": "Sở Tài chính", "subject": "Về việc kiểm tra dữ liệu vào", **fields}


@pytest.fixture
def clerk(app) -> ApiClient:
    return ApiClient(app).login("vanthu.binhson")


@pytest.fixture
def admin(app) -> ApiClient:
    return ApiClient(app).login("quantri")


# --- Bodies of the model APIs -----------------------------------------------------------------


def test_unknown_related_id_or_object_is_refused_and_makes_no_row(clerk, admin):
    """marshmallow-sqlalchemy would build a new related row from an unknown id or an
    object; both are refused on the field."""
    before = count(IncomingDocument)
    for value in (-9375, HUGE, "Công văn", {"name": "Loại mới"}, 0.5, True):
        refused(clerk.post("/api/v1/incoming/", paper(document_type=value)), "document_type")
    assert count(IncomingDocument) == before

    agencies, roles = count(Agency), len(current_app.appbuilder.sm.get_all_roles())
    created = admin.post("/api/v1/agency/", {
        "name": "Cơ quan thử quan hệ", "abbreviation": "CQTQH", "kind": "district",
        "parent": {"name": "Cơ quan cha mới", "abbreviation": "CHA", "kind": "province"}})
    refused(created, "parent")
    user = admin.post("/api/v1/user/", {
        "username": "thu.quanhe", "first_name": "Thử", "last_name": "Quan Hệ",
        "email": "thu.quanhe@quangngai.gov.vn", "password": "Kiem-tra-2026!",
        "roles": [{"name": "Vai trò lạ"}]})
    assert "roles" in user.json["errors"], user.text
    assert count(Agency) == agencies
    assert len(current_app.appbuilder.sm.get_all_roles()) == roles


def test_text_that_cannot_be_stored_is_refused(clerk):
    """PostgreSQL stores no NUL; neither engine stores a lone surrogate."""
    before = count(IncomingDocument)
    refused(clerk.post("/api/v1/incoming/", paper(author="Sở\x00Tài chính")), "author")
    raw = clerk.client.post("/api/v1/incoming/", headers=clerk.headers,
                            data=b'{"author": "S\\ud800", "subject": "Thu"}',
                            content_type="application/json")
    refused(raw, "author")
    assert count(IncomingDocument) == before


def test_integer_out_of_range_is_refused(clerk):
    before = count(IncomingDocument)
    assert refused(clerk.post("/api/v1/incoming/", paper(page_count=HUGE)), "page_count")
    refused(clerk.post("/api/v1/incoming/", paper(page_count=-HUGE)), "page_count")
    assert count(IncomingDocument) == before


def test_a_body_that_is_not_a_json_object_is_a_structured_400(clerk):
    before = count(IncomingDocument)
    created = clerk.post("/api/v1/incoming/", paper(subject="Về việc thử thân yêu cầu"))
    assert created.status_code == 201, created.text
    pk = created.json["id"]
    for body in (b"not json", b"{\"author\": ", b"[1, 2]", b"null", b"42"):
        for method, url in (("post", "/api/v1/incoming/"), ("put", f"/api/v1/incoming/{pk}")):
            response = clerk.client.open(url, method=method, headers=clerk.headers, data=body,
                                         content_type="application/json")
            refused(response, "_schema")
    assert count(IncomingDocument) == before + 1
    db.session.expire_all()
    assert db.session.get(IncomingDocument, pk).subject == "Về việc thử thân yêu cầu"


# --- Ids in URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize("pk", [HUGE, HUGER])
def test_an_id_no_row_can_have_is_not_found(admin, clerk, pk):
    for client, method, url in [
        (admin, "get", f"/api/v1/department/{pk}"),
        (admin, "put", f"/api/v1/department/{pk}"),
        (admin, "delete", f"/api/v1/department/{pk}"),
        (clerk, "get", f"/api/v1/incoming/{pk}"),
        (clerk, "post", f"/api/v1/incoming/{pk}/register"),
        (clerk, "get", f"/api/v1/attachment/{pk}/content"),
        (clerk, "post", f"/api/v1/assignment/{pk}/progress"),
    ]:
        call = getattr(client, method)
        response = call(url) if method in ("get", "delete") else call(url, {"name": "x"})
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"


def test_an_id_no_row_can_have_on_a_screen_is_not_a_server_error(web):
    web.login("vanthu.binhson")
    for url in (f"/incoming/registered/show/{HUGE}", f"/incoming/registered/show/{HUGER}",
                f"/routing/present/{HUGER}"):
        assert web.get(url).status_code in (400, 404), url


# --- The q argument of the lists --------------------------------------------------------------


@pytest.mark.parametrize("q", [
    "(page:-1)",
    f"(page:{HUGE})",
    "notrison((",
    "(filters:!((col:nothing,opr:eq,value:1)))",
    "(order_column:nothing)",
    "(filters:!((col:urgency,opr:eq,value:unheard_of)))",
    f"(filters:!((col:register,opr:rel_o_m,value:{HUGER})))",
])
def test_a_list_query_it_cannot_run_is_a_400_on_q(clerk, q):
    refused(clerk.get(f"/api/v1/incoming/?q={q}"), "q")


def test_my_work_page_out_of_range(clerk):
    refused(clerk.get(f"/api/v1/assignment/mine?page={HUGER}"), "page")


# --- Bodies of the steps ----------------------------------------------------------------------


def draft(clerk) -> int:
    created = clerk.post("/api/v1/outgoing/", {
        "subject": "Về việc thử dữ liệu của các bước", "document_type": doc_type("Công văn").id})
    assert created.status_code == 201, created.text
    return created.json["id"]


def history_of(pk: int) -> int:
    db.session.expire_all()
    return db.session.query(DocumentEvent).filter_by(outgoing_id=pk).count()


def test_step_texts_must_be_storable_text(clerk):
    pk = draft(clerk)
    steps = history_of(pk)
    refused(clerk.post(f"/api/v1/outgoing/{pk}/submit", {"comment": ["trình"]}), "comment")
    refused(clerk.post(f"/api/v1/outgoing/{pk}/submit", {"comment": "trình\x00"}), "comment")
    refused(clerk.post(f"/api/v1/outgoing/{pk}/cancel", {"reason": {"lý do": 1}}), "reason")
    long = refused(clerk.post(f"/api/v1/outgoing/{pk}/cancel", {"reason": "x" * 501}), "reason")
    assert "500" in long[0]
    db.session.expire_all()
    document = db.session.get(OutgoingDocument, pk)
    assert document.status == OutgoingStatus.draft and document.cancel_reason is None
    assert history_of(pk) == steps


def test_send_lists_and_ids_are_checked(clerk):
    pk = draft(clerk)
    for body in ({"agencies": 5}, {"agencies": [HUGER]}, {"agencies": ["1"]},
                 {"agencies": [True]}):
        refused(clerk.post(f"/api/v1/outgoing/{pk}/send", body), "agencies")
    for body in ({"external": "Văn phòng Chính phủ"},
                 {"external": [{"name": ["Văn phòng Chính phủ"]}]},
                 {"external": [{"name": "Văn phòng Chính phủ", "code": 22}]}):
        refused(clerk.post(f"/api/v1/outgoing/{pk}/send", body), "external")
    db.session.expire_all()
    assert db.session.get(OutgoingDocument, pk).recipients == []


def test_assign_and_present_bodies_are_checked(app):
    _, document = received_in_binh_son("Về việc thử dữ liệu phân công")
    leader = ApiClient(app).login("lanhdao.binhson")
    clerk = ApiClient(app).login("vanthu.binhson")
    url = f"/api/v1/incoming/{document.id}"
    refused(leader.post(f"{url}/assign", {"targets": [{"user_id": 1, "role": ["lead"]}]}),
            "role")
    refused(leader.post(f"{url}/assign", {"targets": [{"department_id": HUGER,
                                                       "role": "lead"}]}), "targets")
    refused(clerk.post(f"{url}/present", {"leader_id": HUGER}), "leader_id")
    refused(clerk.post(f"{url}/present", {"leader_id": 1, "note": "trình\x00"}), "note")
    db.session.expire_all()
    assert db.session.query(Assignment).filter_by(incoming_id=document.id).count() == 0
    assert db.session.get(IncomingDocument, document.id).presented_to_id is None
