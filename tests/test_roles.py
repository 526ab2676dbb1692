"""Roles are data in code (app/security/roles.py), applied idempotently."""

from __future__ import annotations

from flask import current_app

from app.security.roles import (
    AGENCY_ADMIN,
    CLERK,
    ROLE_DEFINITIONS,
    SYSTEM_ADMIN,
    sync_roles,
)


def role_permissions() -> dict[str, set[tuple[str, str]]]:
    sm = current_app.appbuilder.sm
    sm.session.expire_all()
    return {
        role.name: {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        for role in sm.session.query(sm.role_model)
    }


def test_every_role_of_the_regulation_exists(app):
    names = set(role_permissions())
    expected = {
        "System admin", "Agency admin", "Agency head", "Department head",
        "Clerk", "Officer", "Operator", "Auditor",
    }
    assert expected <= names
    assert {definition.name for definition in ROLE_DEFINITIONS} == expected


def test_sync_is_idempotent_and_repairs_drift(app):
    before = role_permissions()
    sm = current_app.appbuilder.sm
    clerk = sm.find_role(CLERK)
    clerk.permissions = []  # someone edited the role by hand
    sm.session.commit()
    sync_roles()
    sync_roles()
    after = role_permissions()
    for name in before:
        assert after[name] == before[name], (name, before[name] ^ after[name])


def test_system_admin_holds_every_permission_and_others_only_theirs(app):
    sm = current_app.appbuilder.sm
    every = {(pv.permission.name, pv.view_menu.name) for pv in sm.session.query(sm.permissionview_model)}
    permissions = role_permissions()
    assert permissions[SYSTEM_ADMIN] == every
    assert ("can_write", "User") in permissions[AGENCY_ADMIN]
    assert ("can_write", "User") not in permissions[CLERK]
    assert ("can_read", "User") in permissions[CLERK]
    assert not any(view == "RoleModelView" for _, view in permissions[AGENCY_ADMIN])


def test_sync_roles_command_prints_the_roles(app):
    result = app.test_cli_runner().invoke(args=["eoffice", "sync-roles"])
    assert result.exit_code == 0, result.output
    assert "Quản trị cơ quan" in result.output
    assert "Roles are in step with the code." in result.output
