"""Look-ups of demo rows used across tests."""

from __future__ import annotations

from app import db
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
