"""Password policy of local accounts (app/security/passwords.py): applied wherever a
password is set (user add form, admin reset, "reset my password", REST user API), never
at login: the demo's "Demo@2026" keeps logging in."""

from __future__ import annotations

import html
import uuid

import pytest
from flask import current_app

from app.demo import DEMO_PASSWORD
from app.models import UserAccount
from app.security import passwords
from app.security.roles import OFFICER
from tests.directory_data import BINH_SON, STTTT, account, agency, count, new_account, role_id
from tests.support import ApiClient, WebClient

GOOD = "Cong-Van-Den-2026!"


def unique(stem: str) -> str:
    return f"{stem}{uuid.uuid4().hex[:6]}"


def messages(password: str, names=()) -> list[str]:
    with current_app.test_request_context("/"):
        return passwords.problems(password, names)


def rule(password: str, names=()) -> str:
    """The one message a password breaking one rule gets."""
    found = messages(password, names)
    assert len(found) == 1, found
    return found[0]


def shown(page: str) -> str:
    return html.unescape(page)


# --- The rules ------------------------------------------------------------------------------------


def test_a_good_password_passes():
    assert messages(GOOD, passwords.account_names("vanthu.binhson", "vanthu.binhson@quangngai.gov.vn")) == []
    assert messages("Quản-Lý-Văn-Bản-9", ["vanthu"]) == []  # Vietnamese letters count as letters


def test_too_short():
    assert "10" in rule("Ab1!xyz9")
    with current_app.test_request_context("/"):
        current_app.config["EOFFICE_PASSWORD_MIN_LENGTH"] = 4  # never below 8
        try:
            assert passwords.min_length() == 8
        finally:
            current_app.config["EOFFICE_PASSWORD_MIN_LENGTH"] = 10


@pytest.mark.parametrize("password", ["NguyenVanA-2026!", "x-nguyenvana@QuangNgai.gov.vn-1",
                                      "2026!NGUYENVANA"])
def test_not_the_user_name_nor_the_mailbox(password):
    names = passwords.account_names("nguyenvana@quangngai.gov.vn", "nguyenvana@quangngai.gov.vn")
    contains_name = rule("Bat-Ky-Ten-2026!", ["bat-ky"])
    assert messages(password, names) == [contains_name]


def test_contains_name_message_is_its_own():
    names = passwords.account_names("vanthu.binhson", "thu.nguyen@quangngai.gov.vn")
    assert names == ["vanthu.binhson", "thu.nguyen@quangngai.gov.vn", "thu.nguyen"]
    by_username = rule("Vanthu.Binhson-2026", names)
    by_mailbox = rule("Xyz-THU.NGUYEN-2026", names)
    assert by_username == by_mailbox
    assert rule("Bat-Ky-Ten-2026!", ["bat-ky"]) == by_username


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "Quangngai@123", "MATKHAU@123",
                                      "123456a@123", "Vietnam@2026", "1q2w3e4r5t", "Demo@2026"])
def test_common_passwords_are_refused(password):
    found = messages(password)
    common = rule("Quangngai@2026")  # long enough, mixed, but common
    assert common in found


def test_common_list_is_shipped_and_covers_vietnamese_ones():
    common = passwords.common_passwords()
    assert len(common) > 5000
    for word in ("123456a@", "quangngai", "quangngai@123", "matkhau@123", "password123",
                 "anhyeuem123", "demo@2026"):
        assert word in common, word
    assert all(len(word) >= 8 for word in common)


def test_character_classes():
    assert passwords.character_classes("abcdefghij") == 1
    assert passwords.character_classes("Abcdefghij") == 2
    assert passwords.character_classes("Abcdefghi1") == 3
    assert passwords.character_classes("Ábcdefgh1!") == 4
    found = messages("zxcvbnmasdfg")
    assert len(found) == 1 and "3" in found[0]


def test_login_never_checks_the_policy(web):
    """The demo password is short and common, and still logs in."""
    assert messages(DEMO_PASSWORD), "Demo@2026 would not be accepted as a new password"
    assert web.login("vanthu.binhson").get("/").status_code == 200
    api = ApiClient(current_app._get_current_object()).login("vanthu.stttt")
    assert api.headers


def test_fab_backstop_validator_is_configured():
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    assert current_app.config["FAB_PASSWORD_COMPLEXITY_ENABLED"] is True
    validator = current_app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"]
    with current_app.test_request_context("/"):
        validator(GOOD)
        with pytest.raises(PasswordComplexityValidationError):
            validator("1234567890")


# --- Where passwords are set -----------------------------------------------------------------------


def new_user_form(username: str, password: str) -> dict:
    return {
        "username": username, "first_name": "Văn Mới", "last_name": "Nguyễn",
        "email": f"{username}@quangngai.gov.vn", "agency": str(agency(BINH_SON).id),
        "roles": [str(role_id(OFFICER))], "active": "y",
        "password": password, "conf_password": password,
    }


def test_user_add_form_refuses_a_weak_password(web, db_session):
    web.login("qtcq.binhson")
    username = unique("zmoi") + ".binhson"
    before = count(UserAccount)
    for weak in (f"{username.upper()}-2026", "Quangngai@123", "ngắn1!A"):
        page = web.submit("/users/add", new_user_form(username, weak))
        assert page.status_code == 200, weak
        assert any(m in shown(page.text) for m in messages(weak, [username])), weak
        assert count(UserAccount) == before
    response = web.submit("/users/add", new_user_form(username, GOOD))
    assert response.status_code == 302
    assert count(UserAccount) == before + 1
    WebClient(current_app._get_current_object()).login(username, GOOD)


def make_user(password: str = GOOD) -> UserAccount:
    return new_account(OFFICER, STTTT, prefix="zmatkhau", suffix=".stttt",
                       first_name="Thị Mật", last_name="Trần", password=password)


def test_admin_reset_follows_the_policy(web, db_session):
    user = make_user()
    web.login("quantri")
    form = f"/resetpassword/form?pk={user.id}"
    weak = f"{user.username}-X1"
    page = web.submit(form, {"password": weak, "conf_password": weak})
    assert page.status_code == 200
    assert rule(weak, passwords.names_of(user)) in shown(page.text)
    assert "10" in shown(page.text), "the rules are shown beside the field"
    WebClient(current_app._get_current_object()).login(user.username, GOOD)  # unchanged

    new = "Mat-Khau-Moi-Nam-2026"
    assert web.submit(form, {"password": new, "conf_password": new}).status_code == 302
    WebClient(current_app._get_current_object()).login(user.username, new)


def test_reset_my_password_follows_the_policy(db_session):
    user = make_user()
    me = WebClient(current_app._get_current_object()).login(user.username, GOOD)
    page = me.submit("/resetmypassword/form", {"password": "Password123", "conf_password": "Password123"})
    assert page.status_code == 200
    assert rule("Password123") in shown(page.text)
    mine = f"Toi-La-{user.username}"
    page = me.submit("/resetmypassword/form", {"password": mine, "conf_password": mine})
    assert rule(mine, passwords.names_of(user)) in shown(page.text)
    assert me.submit("/resetmypassword/form", {"password": "Ho-So-Cong-Viec-26",
                                               "conf_password": "Ho-So-Cong-Viec-26"}).status_code == 302
    WebClient(current_app._get_current_object()).login(user.username, "Ho-So-Cong-Viec-26")


def test_rest_user_api_refuses_a_weak_password(api, db_session):
    api.login("qtcq.binhson")
    username = unique("zapi") + ".binhson"
    body = {"username": username, "first_name": "Thị", "last_name": "Trần",
            "email": f"{username}@quangngai.gov.vn", "agency": agency(BINH_SON).id,
            "roles": [role_id(OFFICER)], "active": True, "password": "quangngai2026"}
    before = count(UserAccount)
    response = api.post("/api/v1/user/", body)
    assert response.status_code == 400
    assert response.json["errors"]["password"] == messages("quangngai2026", [username])
    assert count(UserAccount) == before
    response = api.post("/api/v1/user/", {**body, "password": GOOD})
    assert response.status_code == 201, response.text
    assert account(username).password != GOOD  # hashed
