"""Test helpers for the mail directory (the throw-away slapd of ``scripts/slapd-local``).

``DirectoryEditor`` adds, changes and removes ``ou=people`` entries as the directory's
admin, each with a unique mailbox so that tests (and test runs) sharing the one slapd
never collide; ``close()`` removes whatever it added. ``ldap_settings`` is the app
configuration that logs in against it.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.services import Slapd

# Seed accounts of scripts/slapd-local (password: Slapd().user_password).
SO_TTTT = "000.00.11.H48"  # Sở Thông tin và Truyền thông
BINH_SON = "000.00.53.H48"  # UBND huyện Bình Sơn
MAPPED_VALUE = "STTTT-CNTT"  # only a DirectoryMapping row places it
UNKNOWN_VALUE = "Ban Khong Ro"


def ldap_settings(slapd: Slapd, **overrides: Any) -> dict[str, Any]:
    """Settings of an app that logs in against the test directory (AUTH_LDAP, indirect
    bind with the search account)."""
    from flask_appbuilder.const import AUTH_LDAP

    return {
        "AUTH_TYPE": AUTH_LDAP,
        "AUTH_LDAP_SERVER": slapd.url,
        "AUTH_LDAP_BIND_USER": slapd.search_dn,
        "AUTH_LDAP_BIND_PASSWORD": slapd.search_password,
        "AUTH_LDAP_SEARCH": slapd.people,
        "EOFFICE_DIRECTORY_DOMAIN": slapd.domain,
        **overrides,
    }


class DirectoryEditor:
    """Changes the test directory as its admin (python-ldap)."""

    def __init__(self, slapd: Slapd) -> None:
        import ldap

        self.slapd = slapd
        self.connection = ldap.initialize(slapd.url)
        self.connection.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)
        self.connection.simple_bind_s(slapd.admin_dn, slapd.admin_password)
        self.added: list[str] = []

    def dn(self, mailbox: str) -> str:
        return f"uid={mailbox},{self.slapd.people}"

    def unique_mailbox(self, name: str = "test") -> str:
        return f"{name}.{uuid.uuid4().hex[:10]}@{self.slapd.domain}"

    def add(self, name: str = "test", *, first_name: str = "Thử", last_name: str = "Nguyễn Văn",
            agency: str | None = SO_TTTT, title: str | None = "Chuyên viên",
            disabled: bool = False, password: str | None = None) -> str:
        """Add a mailbox ``<name>.<random>@quangngai.gov.vn``; returns the mailbox."""
        import ldap.modlist

        mailbox = self.unique_mailbox(name)
        attributes: dict[str, list[bytes]] = {
            "objectClass": [b"inetOrgPerson"],
            "uid": [mailbox.encode()],
            "mail": [mailbox.encode()],
            "givenName": [first_name.encode()],
            "sn": [last_name.encode()],
            "cn": [f"{last_name} {first_name}".encode()],
            "userPassword": [(password or self.slapd.user_password).encode()],
        }
        if agency:
            attributes["departmentNumber"] = [agency.encode()]
        if title:
            attributes["title"] = [title.encode()]
        if disabled:
            attributes["employeeType"] = [b"disabled"]
        self.connection.add_s(self.dn(mailbox), ldap.modlist.addModlist(attributes))
        self.added.append(mailbox)
        return mailbox

    def modify(self, mailbox: str, **attributes: str | None) -> None:
        """Replace attributes (None removes one), e.g. ``departmentNumber="..."``."""
        import ldap

        changes = [(ldap.MOD_REPLACE, name, [value.encode()] if value is not None else None)
                   for name, value in attributes.items()]
        self.connection.modify_s(self.dn(mailbox), changes)

    def disable(self, mailbox: str) -> None:
        self.modify(mailbox, employeeType="disabled")

    def delete(self, mailbox: str) -> None:
        """Revoke the mailbox: its entry is gone."""
        import ldap

        try:
            self.connection.delete_s(self.dn(mailbox))
        except ldap.NO_SUCH_OBJECT:
            pass

    def close(self) -> None:
        for mailbox in self.added:
            self.delete(mailbox)
        self.added.clear()
        self.connection.unbind_s()


# --- An eOffice that logs in against the directory -----------------------------------------


@contextmanager
def ldap_demo_app(engine_name: str, folder: Path, pki, clamd_socket: str, slapd: Slapd,
                  **config: Any) -> Iterator[Any]:
    """An eOffice under AUTH_LDAP on a database of its own (SQLite file or a new
    PostgreSQL database), with the demo data: the directory sync deactivates directory
    accounts the test directory does not hold, so it never runs on the session's shared
    database."""
    from tests.conftest import _create_pg_database, _drop_pg_database, demo_app, dispose_app

    name = None
    if engine_name == "postgresql":
        name, url = _create_pg_database()
    else:
        url = f"sqlite:///{folder / 'directory-login.db'}"
    flask_app = demo_app(url, folder, pki, clamd_socket, **ldap_settings(slapd, **config))
    try:
        yield flask_app
    finally:
        dispose_app(flask_app)
        if name:
            _drop_pg_database(name)


def form_login(flask_app, username: str, password: str):
    """Log in through the login form; returns the client (signed in or not)."""
    from tests.support import FreshContextClient, csrf_token

    client = FreshContextClient(flask_app.test_client(), flask_app)
    page = client.get("/login/")
    client.post("/login/", data={"username": username, "password": password,
                                 "csrf_token": csrf_token(page.text)})
    return client


def signed_in(client) -> bool:
    """Whether the client's session is a signed-in user's (their own profile opens)."""
    return client.get("/users/userinfo/").status_code == 200


def api_login(flask_app, username: str, password: str, provider: str = "ldap"):
    """POST /api/v1/security/login; the response (200 with a token, or 401)."""
    from tests.support import FreshContextClient

    client = FreshContextClient(flask_app.test_client(), flask_app)
    return client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": provider})


def login_page_text(client) -> str:
    """The login page as a person reads it (the messages flashed on it, unescaped)."""
    return html.unescape(client.get("/login/").text)
