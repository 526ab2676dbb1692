"""Browser harness: the eOffice served on a real port and driven by Debian's Chromium.

``live_server`` serves the session's ``app`` (migrated database with the demo data) on
127.0.0.1 at a free port; ``browser`` is a Chromium with a fresh, empty profile, driven
through Playwright. Screenshots land in ``tests/artifacts/`` and carry the database
engine in their name (``clerk-home-sqlite.png``), so both runs of ``make test`` can be
looked at side by side.

Chromium is a Debian package, not a Playwright download: install it with
``scripts/apt-ensure chromium`` (or ``make test-deps``).
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"
LIVE_HOST = "127.0.0.1"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL (``http://127.0.0.1:<port>``) of the app served by a threaded Werkzeug."""
    server = make_server(LIVE_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="eoffice-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LIVE_HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_driver():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Install it with `scripts/apt-ensure chromium` (or `make test-deps`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def launch_chromium(playwright_driver, tmp_path_factory):
    """Start a Chromium with a fresh user-data dir; ``launch_chromium(**PHONE)`` for a phone."""
    contexts = []

    def launch(**options):
        profile = tmp_path_factory.mktemp("chromium-profile")
        context = playwright_driver.chromium.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            **{**DESKTOP, **options},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()


@pytest.fixture
def browser(launch_chromium):
    """A desktop-sized Chromium (1280x900) with an empty profile (no cookies, no cache)."""
    return launch_chromium()


@pytest.fixture
def phone(launch_chromium):
    """A phone-sized Chromium (390x844, touch, meta viewport honoured)."""
    return launch_chromium(**PHONE)


@pytest.fixture(scope="session")
def screenshot(db_engine_name):
    """``screenshot(page, "clerk-home")`` saves ``tests/artifacts/clerk-home-<engine>.png``."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS_DIR / f"{name}-{db_engine_name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def record_requests(context) -> list[str]:
    """Every URL the pages of ``context`` ask for, in order (documents, CSS, JS, fonts...)."""
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    return urls


def foreign_requests(urls: list[str]) -> list[str]:
    """The URLs that left the machine: anything not served by 127.0.0.1 (data: is local)."""
    return [
        url for url in urls
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and urlsplit(url).hostname != LIVE_HOST
    ]


def log_in(page, live_server: str, username: str) -> None:
    """Sign in through the Vietnamese login form; lands on the start page."""
    from app.demo import DEMO_PASSWORD

    page.goto(f"{live_server}/login/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/")
