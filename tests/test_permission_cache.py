"""Permissions are read once per request (not once per menu item), and a change to a
role applies from the next request."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import event

from app import db
from app.security.roles import sync_roles


def statements_during(fn) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_a_page_reads_permissions_once(web):
    web.login("vanthu.binhson")
    web.get("/incoming/registered/list/")  # warm up
    statements = statements_during(lambda: web.get("/incoming/registered/list/"))
    permission_reads = [s for s in statements if "ab_permission_view_role" in s]
    assert len(permission_reads) == 1, permission_reads


def test_revoked_permission_applies_on_the_next_request(web):
    web.login("vanthu.binhson")
    assert web.get("/incoming/pending/paper").status_code == 200
    sm = current_app.appbuilder.sm
    clerk = sm.find_role("Clerk")
    clerk.permissions = [pv for pv in clerk.permissions
                         if not (pv.permission.name == "can_register"
                                 and pv.view_menu.name == "IncomingDocument")]
    db.session.commit()
    try:
        assert web.get("/incoming/pending/paper").status_code in (302, 403)
    finally:
        sync_roles()
    assert web.get("/incoming/pending/paper").status_code == 200
