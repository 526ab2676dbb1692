"""Login against the official mail directory (QĐ 778 Đ8.2a, Đ16) through the real login
form and the REST login, against the throw-away slapd of scripts/slapd-local: right and
wrong passwords, first-login provisioning by agency code and by the mapping table, no
account without an agency, local accounts under EOFFICE_LOCAL_LOGIN, deactivated
accounts, the password screens of local accounts and the mapping screen."""

from __future__ import annotations

import html
import uuid

from flask_babel import gettext
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from tests.ldap_directory import (
    BINH_SON,
    SO_TTTT,
    api_login,
    form_login,
    login_page_text,
    signed_in,
)
from tests.support import WebClient


def account(flask_app, username: str):
    """The account as stored (read in a fresh session of the directory app)."""
    from app import db
    from app.models import UserAccount

    with flask_app.app_context():
        user = db.session.scalar(select(UserAccount).where(UserAccount.username == username))
        if user is None:
            return None
        return {
            "id": user.id, "username": user.username, "auth_source": user.auth_source,
            "agency": user.agency.code if user.agency else None,
            "department": user.department.name if user.department else None,
            "email": user.email, "official_email": user.official_email,
            "first_name": user.first_name, "last_name": user.last_name,
            "position": user.position, "roles": sorted(r.name for r in user.roles),
            "active": user.active, "fail_login_count": user.fail_login_count or 0,
            "login_count": user.login_count or 0,
        }


def audit_entries(flask_app, event: str, target: str) -> list[dict]:
    import json

    from app import db
    from app.models import AuditEntry

    with flask_app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == event, AuditEntry.target == target)).all()
        return [{"actor": r.actor_name, "agency_id": r.agency_id,
                 "detail": json.loads(r.detail or "{}")} for r in rows]


def translated(flask_app, message: str) -> str:
    """A UI message as the login page shows it (default locale)."""
    with flask_app.test_request_context("/login/"):
        return gettext(message)


NO_AGENCY = ("Your official mailbox is not assigned to any agency in eOffice yet. "
             "Please contact your agency's administrator.")


def test_directory_password_signs_in_and_creates_the_account(ldap_app, directory, mailbox_password):
    mailbox = directory.add("nguyenvana", first_name="A", last_name="Nguyễn Văn",
                            agency=SO_TTTT, title="Chuyên viên chính")
    assert account(ldap_app, mailbox) is None

    client = form_login(ldap_app, mailbox, mailbox_password)

    assert signed_in(client)
    user = account(ldap_app, mailbox)
    assert user["auth_source"] == "ldap"
    assert user["agency"] == SO_TTTT
    assert user["email"] == user["official_email"] == mailbox
    assert (user["last_name"], user["first_name"]) == ("Nguyễn Văn", "A")
    assert user["position"] == "Chuyên viên chính"
    assert user["roles"] == ["Officer"]
    provisioned = audit_entries(ldap_app, "account_provisioned", f"user:{user['id']}")
    assert len(provisioned) == 1
    assert provisioned[0]["detail"]["agency"] == SO_TTTT
    assert provisioned[0]["detail"]["mapped"] is False

    # The REST login, by the mailbox's local part, reaches the same account.
    local_part = mailbox.split("@")[0]
    response = api_login(ldap_app, local_part, mailbox_password)
    assert response.status_code == 200, response.text
    token = response.json["access_token"]
    again = account(ldap_app, mailbox)
    assert again["id"] == user["id"] and again["login_count"] == user["login_count"] + 1
    assert len(audit_entries(ldap_app, "account_provisioned", f"user:{user['id']}")) == 1
    # The token works on the API, held to the user's agency.
    from tests.support import FreshContextClient

    api = FreshContextClient(ldap_app.test_client(), ldap_app)
    agencies = api.get("/api/v1/agency/?q=(page_size:1)",
                       headers={"Authorization": f"Bearer {token}"})
    assert agencies.status_code == 200


def test_mailbox_is_matched_whatever_its_case(ldap_app, directory, mailbox_password):
    mailbox = directory.add("tranthib", agency=BINH_SON)
    assert signed_in(form_login(ldap_app, mailbox.upper(), mailbox_password))
    user = account(ldap_app, mailbox)
    assert user["agency"] == BINH_SON
    assert signed_in(form_login(ldap_app, mailbox, mailbox_password))
    assert account(ldap_app, mailbox)["id"] == user["id"]


def test_wrong_password_is_refused(ldap_app, directory, mailbox_password):
    mailbox = directory.add("sai")

    assert not signed_in(form_login(ldap_app, mailbox, "not-the-password"))
    assert api_login(ldap_app, mailbox, "not-the-password").status_code == 401
    assert api_login(ldap_app, mailbox, "").status_code in (400, 401)
    assert account(ldap_app, mailbox) is None  # no account for a wrong password

    assert signed_in(form_login(ldap_app, mailbox, mailbox_password))
    assert not signed_in(form_login(ldap_app, mailbox, mailbox_password + "x"))
    assert account(ldap_app, mailbox)["fail_login_count"] == 1


def test_unknown_mailbox_is_refused(ldap_app, directory, mailbox_password):
    nobody = directory.unique_mailbox("khongco")
    assert not signed_in(form_login(ldap_app, nobody, mailbox_password))
    assert api_login(ldap_app, nobody, mailbox_password).status_code == 401
    assert account(ldap_app, nobody) is None


def test_seed_accounts_of_the_test_directory(ldap_app, mailbox_password):
    """scripts/slapd-local's accounts: Sở TT&TT and UBND huyện Bình Sơn by code."""
    from app import db
    from app.models import UserAccount

    for mailbox, code in (("nguyenvana@quangngai.gov.vn", SO_TTTT),
                          ("tranthib@quangngai.gov.vn", BINH_SON)):
        response = api_login(ldap_app, mailbox.split("@")[0], mailbox_password)
        assert response.status_code == 200, response.text
        assert account(ldap_app, mailbox)["agency"] == code
    # The disabled one and the one of no known agency get no account.
    for local_part in ("hoangthie", "phamvand"):
        assert api_login(ldap_app, local_part, mailbox_password).status_code == 401
    with ldap_app.app_context():
        assert db.session.scalar(select(UserAccount.id).where(UserAccount.username.in_(
            ["hoangthie@quangngai.gov.vn", "phamvand@quangngai.gov.vn"]))) is None


def test_first_login_by_the_mapping_table(ldap_app, directory, mailbox_password):
    """An operator maps a directory value to an agency and department on the mapping
    screen; a mailbox carrying that value then lands there."""
    from app import db
    from app.models import Agency, Department

    value = f"Phong CNTT {uuid.uuid4().hex[:6]}"
    with ldap_app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.code == BINH_SON))
        department = Department(agency=agency, name=f"Phòng Văn hóa {value[-6:]}")
        db.session.add(department)
        db.session.commit()
        agency_id, department_id = agency.id, department.id
    mailbox = directory.add("levanc", agency=value)
    assert not signed_in(form_login(ldap_app, mailbox, mailbox_password))  # not mapped yet

    operator = WebClient(ldap_app).login("vanhanh")  # a local account under AUTH_LDAP
    response = operator.submit("/directorymappingview/add", {
        "directory_value": f"  {value}  ", "agency": str(agency_id),
        "department": str(department_id)})
    assert response.status_code == 302, response.text

    assert signed_in(form_login(ldap_app, mailbox, mailbox_password))
    user = account(ldap_app, mailbox)
    assert user["agency"] == BINH_SON
    assert user["department"] == f"Phòng Văn hóa {value[-6:]}"
    detail = audit_entries(ldap_app, "account_provisioned", f"user:{user['id']}")[0]["detail"]
    assert detail["mapped"] is True and detail["directory_value"] == value


def test_no_account_without_an_agency(ldap_app, directory, mailbox_password, caplog):
    mailbox = directory.add("phamvand", agency=f"Ban moi {uuid.uuid4().hex[:6]}")
    other = directory.add("khongcoquan", agency=None)

    client = form_login(ldap_app, mailbox, mailbox_password)

    assert not signed_in(client)
    assert translated(ldap_app, NO_AGENCY) in login_page_text(client)
    assert api_login(ldap_app, other, mailbox_password).status_code == 401
    assert account(ldap_app, mailbox) is None and account(ldap_app, other) is None
    refusals = [r.getMessage() for r in caplog.records
                if r.name == "app.security.directory_auth" and "no agency" in r.getMessage()]
    assert any(mailbox in message for message in refusals)
    assert any(other in message for message in refusals)
    # A stranger without the password is not told that the mailbox exists.
    stranger = form_login(ldap_app, mailbox, "wrong")
    assert translated(ldap_app, NO_AGENCY) not in login_page_text(stranger)


def test_disabled_mailbox_is_refused(ldap_app, directory, mailbox_password):
    mailbox = directory.add("khoa", disabled=True)
    assert not signed_in(form_login(ldap_app, mailbox, mailbox_password))
    assert api_login(ldap_app, mailbox, mailbox_password).status_code == 401
    assert account(ldap_app, mailbox) is None


def test_deactivated_account_is_refused(ldap_app, directory, mailbox_password):
    from app import db
    from app.models import UserAccount

    mailbox = directory.add("nghiviec")
    assert api_login(ldap_app, mailbox, mailbox_password).status_code == 200
    with ldap_app.app_context():
        user = db.session.scalar(select(UserAccount).where(UserAccount.username == mailbox))
        user.active = False
        user.inactive_reason = "Nghỉ hưu"
        db.session.commit()

    client = form_login(ldap_app, mailbox, mailbox_password)
    assert not signed_in(client)
    assert translated(ldap_app, "Your eOffice account is deactivated. Please contact your "
                                "agency's administrator.") in login_page_text(client)
    assert api_login(ldap_app, mailbox, mailbox_password).status_code == 401


def test_local_accounts_follow_eoffice_local_login(ldap_app, monkeypatch):
    # "on" (the default): every local account logs in with its database password.
    assert signed_in(form_login(ldap_app, "quantri", DEMO_PASSWORD))
    assert api_login(ldap_app, "vanhanh", DEMO_PASSWORD).status_code == 200
    assert not signed_in(form_login(ldap_app, "vanhanh", "wrong-password"))

    monkeypatch.setitem(ldap_app.config, "EOFFICE_LOCAL_LOGIN", "off")
    assert not signed_in(form_login(ldap_app, "quantri", DEMO_PASSWORD))
    assert api_login(ldap_app, "vanhanh", DEMO_PASSWORD).status_code == 401

    monkeypatch.setitem(ldap_app.config, "EOFFICE_LOCAL_LOGIN", "Quantri, giamsat")
    assert signed_in(form_login(ldap_app, "quantri", DEMO_PASSWORD))
    assert api_login(ldap_app, "giamsat", DEMO_PASSWORD).status_code == 200
    assert api_login(ldap_app, "vanhanh", DEMO_PASSWORD).status_code == 401


def test_directory_down_refuses_without_error(ldap_app, directory, mailbox_password, monkeypatch):
    mailbox = directory.add("matketnoi")
    monkeypatch.setitem(ldap_app.config, "AUTH_LDAP_SERVER", "ldap://127.0.0.1:1")
    assert not signed_in(form_login(ldap_app, mailbox, mailbox_password))
    assert api_login(ldap_app, mailbox, mailbox_password).status_code == 401
    # Local accounts still log in.
    assert api_login(ldap_app, "quantri", DEMO_PASSWORD).status_code == 200


def test_password_screens_serve_local_accounts_only(ldap_app, directory, mailbox_password):
    from app import db
    from app.models import UserAccount

    mailbox = directory.add("matkhau")
    ldap_user = form_login(ldap_app, mailbox, mailbox_password)
    assert signed_in(ldap_user)
    refused = ldap_user.get("/resetmypassword/form")
    assert refused.status_code == 302 and "/users/userinfo/" in refused.headers["Location"]
    with ldap_app.app_context():
        ldap_id = db.session.scalar(select(UserAccount.id).where(UserAccount.username == mailbox))
        local_id = db.session.scalar(select(UserAccount.id).where(
            UserAccount.username == "chuyenvien.stttt"))

    # A local account changes its own password under AUTH_LDAP.
    local = WebClient(ldap_app).login("chuyenvien.binhson")
    assert local.get("/resetmypassword/form").status_code == 200

    admin = WebClient(ldap_app).login("qtcq.stttt")
    assert admin.get(f"/resetpassword/form?pk={local_id}").status_code == 200
    response = admin.get(f"/resetpassword/form?pk={ldap_id}")
    assert response.status_code == 302 and f"/users/show/{ldap_id}" in response.headers["Location"]
    page = admin.submit(f"/resetpassword/form?pk={local_id}",
                        {"password": "Doi-Mat-Khau@2026", "conf_password": "Doi-Mat-Khau@2026"})
    assert page.status_code == 302
    assert api_login(ldap_app, "chuyenvien.stttt", "Doi-Mat-Khau@2026").status_code == 200


def test_mapping_screen_scope(ldap_app):
    """Operators keep the mapping table for the province; agency admins read their
    agency's rows only and change nothing."""
    from app import db
    from app.models import Agency, DirectoryMapping

    suffix = uuid.uuid4().hex[:6]
    with ldap_app.app_context():
        agencies = {a.code: a for a in db.session.scalars(
            select(Agency).where(Agency.code.in_([SO_TTTT, BINH_SON])))}
        db.session.add_all([
            DirectoryMapping(directory_value=f"stttt-{suffix}", agency=agencies[SO_TTTT]),
            DirectoryMapping(directory_value=f"binhson-{suffix}", agency=agencies[BINH_SON]),
        ])
        db.session.commit()
        binh_son_id = agencies[BINH_SON].id

    admin = WebClient(ldap_app).login("qtcq.binhson")
    listing = admin.get("/directorymappingview/list/?_flt_2_directory_value=" + suffix)
    assert listing.status_code == 200
    assert f"binhson-{suffix}" in listing.text and f"stttt-{suffix}" not in listing.text
    assert admin.get("/directorymappingview/add").status_code in (302, 403)

    operator = WebClient(ldap_app).login("vanhanh")
    listing = operator.get("/directorymappingview/list/?_flt_2_directory_value=" + suffix)
    assert f"binhson-{suffix}" in listing.text and f"stttt-{suffix}" in listing.text
    # The same value again (in another case: logins match it so) is refused, saying why.
    duplicate = operator.submit("/directorymappingview/add", {
        "directory_value": f"BINHSON-{suffix}", "agency": str(binh_son_id)},
        follow_redirects=True)
    assert translated(ldap_app, "Already exists.") in html.unescape(duplicate.text)
    with ldap_app.app_context():
        assert db.session.query(DirectoryMapping).filter(
            DirectoryMapping.directory_value.ilike(f"%{suffix}")).count() == 2
