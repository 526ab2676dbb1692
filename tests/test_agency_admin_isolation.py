"""QĐ 778 Đ8.2c, Đ19.1d: an agency admin manages only the accounts of their own agency
and can never hand out System admin or Operator — on the screens and on the REST API."""

from __future__ import annotations

import re

import pytest

from app.demo import DEMO_USERS
from app.models import UserAccount
from app.security.roles import OFFICER, OPERATOR, SYSTEM_ADMIN
from tests.directory_data import BINH_SON, STTTT, account, agency, count, role_id


def new_user_form(username: str, agency_id: int, role_ids: list[int]) -> dict:
    return {
        "username": username,
        "first_name": "Văn Mới",
        "last_name": "Nguyễn",
        "email": f"{username}@quangngai.gov.vn",
        "agency": str(agency_id),
        "roles": [str(r) for r in role_ids],
        "active": "y",
        "password": "Quang-Ngai-2026!",
        "conf_password": "Quang-Ngai-2026!",
    }


def new_user_json(username: str, agency_id: int, role_ids: list[int]) -> dict:
    return {
        "username": username,
        "first_name": "Thị Mới",
        "last_name": "Trần",
        "email": f"{username}@quangngai.gov.vn",
        "agency": agency_id,
        "roles": role_ids,
        "active": True,
        "password": "Quang-Ngai-2026!",
    }


# --- Screens -------------------------------------------------------------------------


def test_agency_admin_lists_only_own_agency_users(web):
    page = web.login("qtcq.binhson").get("/users/list/")
    assert page.status_code == 200
    assert "vanthu.binhson" in page.text and "chuyenvien.binhson" in page.text
    assert "vanthu.stttt" not in page.text and "quantri" not in page.text


def test_agency_admin_cannot_open_edit_or_delete_user_of_other_agency(web, db_session):
    target = account("vanthu.stttt")
    web.login("qtcq.binhson")
    for url in (f"/users/show/{target.id}", f"/users/edit/{target.id}"):
        assert web.get(url).status_code == 404, url
    response = web.client.post(f"/users/edit/{target.id}", data={"first_name": "Hacked"})
    assert response.status_code in (400, 404)
    response = web.client.post(f"/users/delete/{target.id}")
    assert response.status_code in (400, 404)
    assert web.get(f"/resetpassword/form?pk={target.id}").status_code == 404
    db_session.expire_all()
    assert account("vanthu.stttt").first_name == "Thị Dung"


def test_agency_admin_cannot_create_user_in_other_agency(web, db_session):
    before = count(UserAccount)
    web.login("qtcq.binhson")
    form = new_user_form("xamnhap.stttt", agency(STTTT).id, [role_id(OFFICER)])
    page = web.submit("/users/add", form)
    assert page.status_code == 200  # the form comes back with the error
    assert "Not a valid choice" in page.text or "Lựa chọn không hợp lệ" in page.text
    assert count(UserAccount) == before


def test_agency_admin_creates_user_in_own_agency(web, db_session):
    web.login("qtcq.binhson")
    form = new_user_form("moi.binhson", agency(BINH_SON).id, [role_id(OFFICER)])
    response = web.submit("/users/add", form)
    assert response.status_code == 302
    created = account("moi.binhson")
    assert created.agency.code == BINH_SON
    assert [role.name for role in created.roles] == [OFFICER]


@pytest.mark.parametrize("protected", [SYSTEM_ADMIN, OPERATOR])
def test_agency_admin_cannot_grant_protected_role_on_screens(web, db_session, protected):
    before = count(UserAccount)
    web.login("qtcq.binhson")
    add_page = web.get("/users/add").text
    roles_select = re.search(r'<select[^>]*name="roles".*?</select>', add_page, re.S)
    assert roles_select, "the add form has no roles list"
    assert f'value="{role_id(protected)}"' not in roles_select.group(0)  # not even offered
    form = new_user_form(f"leoquyen.{protected[:3].lower()}", agency(BINH_SON).id, [role_id(protected)])
    page = web.submit("/users/add", form)
    assert page.status_code == 200
    assert count(UserAccount) == before
    # Nor by editing an existing account of the agency.
    officer = account("chuyenvien.binhson")
    edit = {
        "username": officer.username, "first_name": officer.first_name,
        "last_name": officer.last_name, "email": officer.email,
        "agency": str(officer.agency_id), "roles": [str(role_id(protected))], "active": "y",
    }
    page = web.submit(f"/users/edit/{officer.id}", edit)
    assert page.status_code == 200
    db_session.expire_all()
    assert [role.name for role in account("chuyenvien.binhson").roles] == [OFFICER]


def test_agency_admin_cannot_touch_system_admin_of_own_agency(web):
    """quantri (System admin) works at Sở TT&TT; that agency's admin still cannot edit it."""
    sysadmin = account("quantri")
    web.login("qtcq.stttt")
    assert web.get(f"/users/edit/{sysadmin.id}").status_code == 404
    assert web.get(f"/resetpassword/form?pk={sysadmin.id}").status_code == 404


def test_system_admin_sees_and_edits_every_agency(web):
    """Positive control: the same requests work for the System admin."""
    target = account("vanthu.stttt")
    web.login("quantri")
    listing = web.get("/users/list/?psize_UserAccountView=100").text
    assert "vanthu.stttt" in listing and "vanthu.binhson" in listing
    assert web.get(f"/users/edit/{target.id}").status_code == 200
    assert f'value="{role_id(SYSTEM_ADMIN)}"' in web.get("/users/add").text


# --- REST API ----------------------------------------------------------------------------


def test_api_agency_admin_lists_only_own_agency(api):
    response = api.login("qtcq.binhson").get("/api/v1/user/?q=(page_size:100)")
    assert response.status_code == 200
    usernames = {row["username"] for row in response.json["result"]}
    assert usernames and all(name.endswith(".binhson") for name in usernames)
    assert response.json["count"] == len(usernames)


def test_api_agency_admin_cannot_read_edit_or_delete_other_agency(api, db_session):
    target = account("vanthu.stttt")
    api.login("qtcq.binhson")
    assert api.get(f"/api/v1/user/{target.id}").status_code == 404
    assert api.put(f"/api/v1/user/{target.id}", {"first_name": "Hacked"}).status_code == 404
    assert api.delete(f"/api/v1/user/{target.id}").status_code == 404
    db_session.expire_all()
    assert account("vanthu.stttt").first_name == "Thị Dung"


def test_api_create_is_forced_into_own_agency(api, db_session):
    api.login("qtcq.binhson")
    body = new_user_json("api.ep.binhson", agency(STTTT).id, [role_id(OFFICER)])
    response = api.post("/api/v1/user/", body)
    assert response.status_code == 201, response.text
    assert "password" not in response.json["result"]
    created = account("api.ep.binhson")
    assert created.agency.code == BINH_SON  # the posted Sở TT&TT id was not trusted


@pytest.mark.parametrize("protected", [SYSTEM_ADMIN, OPERATOR])
def test_api_agency_admin_cannot_grant_protected_role(api, db_session, protected):
    before = count(UserAccount)
    api.login("qtcq.binhson")
    body = new_user_json(f"api.leo.{protected[:3].lower()}", agency(BINH_SON).id, [role_id(protected)])
    response = api.post("/api/v1/user/", body)
    assert response.status_code == 400
    assert "roles" in response.json["errors"]
    assert count(UserAccount) == before
    officer = account("chuyenvien.binhson")
    response = api.put(f"/api/v1/user/{officer.id}", {"roles": [role_id(protected)]})
    assert response.status_code == 400
    assert "roles" in response.json["errors"]
    db_session.expire_all()
    assert [role.name for role in account("chuyenvien.binhson").roles] == [OFFICER]


def test_api_system_admin_can_grant_operator(api, db_session):
    api.login("quantri")
    body = new_user_json("vanhanh2", agency(STTTT).id, [role_id(OPERATOR)])
    response = api.post("/api/v1/user/", body)
    assert response.status_code == 201, response.text
    assert [role.name for role in account("vanhanh2").roles] == [OPERATOR]


@pytest.mark.parametrize(
    "spec", [s for s in DEMO_USERS if s.role != SYSTEM_ADMIN], ids=lambda s: s.username
)
def test_every_demo_user_sees_only_own_agency_accounts(web, spec):
    """Acceptance: each demo account sees only its own agency's users (or none at all
    for roles without the directory of people, such as the Operator)."""
    page = web.login(spec.username).get("/users/list/?psize_UserAccountView=100")
    if page.status_code != 200:
        assert page.status_code in (302, 403)
        return
    own = {u.username for u in DEMO_USERS if u.agency_code == spec.agency_code}
    others = {u.username for u in DEMO_USERS} - own
    listed = set(re.findall(r"<td>\s*([a-z.]+)\s*</td>", page.text))
    assert spec.username in listed
    assert not listed & others, f"{spec.username} sees {listed & others}"
