"""Clients that use the app the way people and programs do."""

from __future__ import annotations

import re
from typing import Any

from app.demo import DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class FreshContextClient:
    """A Flask test client whose every request runs in its own application context,
    as in production (own ``g``, own database session), even while the test holds an
    application context open to check the database."""

    def __init__(self, client, app):
        self._client = client
        self._app = app

    def open(self, *args: Any, **kwargs: Any):
        with self._app.app_context():
            return self._client.open(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any):
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args: Any, **kwargs: Any):
        return self.open(*args, method="POST", **kwargs)

    def put(self, *args: Any, **kwargs: Any):
        return self.open(*args, method="PUT", **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        return self.open(*args, method="DELETE", **kwargs)


class WebClient:
    """Logs in through the login form and submits forms with their CSRF token."""

    def __init__(self, app):
        self.app = app
        self.client = FreshContextClient(app.test_client(), app)

    def get(self, url: str, **kwargs: Any):
        return self.client.get(url, **kwargs)

    def login(self, username: str, password: str = DEMO_PASSWORD):
        page = self.client.get("/login/")
        response = self.client.post(
            "/login/",
            data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
        )
        assert response.status_code == 302, f"login of {username} failed"
        return self

    def csrf(self) -> str:
        """The session's CSRF token, from a form every signed-in local account has."""
        return csrf_token(self.client.get("/resetmypassword/form").text)

    def submit(self, form_url: str, data: dict[str, Any], follow_redirects: bool = False):
        """Open the form page, then post ``data`` with the page's CSRF token."""
        page = self.client.get(form_url)
        assert page.status_code == 200, f"{form_url} answered {page.status_code}"
        payload = {"csrf_token": csrf_token(page.text), **data}
        return self.client.post(form_url, data=payload, follow_redirects=follow_redirects)


class ApiClient:
    """Calls /api/v1 with the bearer token from /api/v1/security/login."""

    def __init__(self, app):
        self.client = FreshContextClient(app.test_client(), app)
        self.headers: dict[str, str] = {}

    def login(self, username: str, password: str = DEMO_PASSWORD):
        response = self.client.post(
            "/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db"},
        )
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json['access_token']}"}
        return self

    def get(self, url: str, **kwargs: Any):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, json: Any):
        return self.client.post(url, headers=self.headers, json=json)

    def put(self, url: str, json: Any):
        return self.client.put(url, headers=self.headers, json=json)

    def delete(self, url: str):
        return self.client.delete(url, headers=self.headers)
