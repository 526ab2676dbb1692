"""Look-ups of demo rows used across tests."""

from __future__ import annotations

import uuid

from app import db
from app.demo import DEMO_PASSWORD
from app.models import Agency, Department, UserAccount

STTTT = "000.00.11.H48"  # Sở Thông tin và Truyền thông
BINH_SON = "000.00.53.H48"  # UBND huyện Bình Sơn


def agency(code: str) -> Agency:
    return db.session.query(Agency).filter_by(code=code).one()


def account(username: str) -> UserAccount:
    db.session.expire_all()
    return db.session.query(UserAccount).filter_by(username=username).one()


def department(code: str, name: str) -> Department:
    return db.session.query(Department).filter_by(agency_id=agency(code).id, name=name).one()


def role_id(name: str) -> int:
    from flask import current_app

    return current_app.appbuilder.sm.find_role(name).id


def count(model) -> int:
    db.session.expire_all()
    return db.session.query(model).count()


def new_account(role: str, agency_code: str, *, prefix: str = "tk", suffix: str = "",
                first_name: str = "Văn Mới", last_name: str = "Nguyễn",
                password: str = DEMO_PASSWORD, department_name: str | None = None,
                active: bool = True) -> UserAccount:
    """A fresh account of the agency with a unique user name (the session database is
    shared by every test): ``<prefix><random><suffix>``, committed."""
    from flask import current_app

    sm = current_app.appbuilder.sm
    username = f"{prefix}{uuid.uuid4().hex[:8]}{suffix}"
    user = sm.add_user(username=username, first_name=first_name, last_name=last_name,
                       email=f"{username}@quangngai.gov.vn", role=sm.find_role(role),
                       password=password)
    assert user, f"could not create {username}"
    user.agency_id = agency(agency_code).id
    user.department_id = department(agency_code, department_name).id if department_name else None
    user.active = active
    db.session.commit()
    return db.session.get(UserAccount, user.id)
