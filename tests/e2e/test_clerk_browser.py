"""A clerk of Bình Sơn uses the eOffice in a real browser (Chromium, fresh profile).

What the clerk would notice: the login page speaks Vietnamese, signing in lands on a
home page naming their agency, the "Danh mục" menu leads to the accounts of their own
agency only, and nothing is loaded from the Internet (the province's network may have
no way out, and no third party should learn who opens which page). On a phone the
login page fits the screen without scrolling sideways.
"""

from __future__ import annotations

from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD, DEMO_USERS
from tests.e2e.conftest import foreign_requests, record_requests

CLERK = "vanthu.binhson"
CLERK_AGENCY = "Ủy ban nhân dân huyện Bình Sơn"
DEMO_ACCOUNTS = {user.username for user in DEMO_USERS}
BINH_SON_ACCOUNTS = {name for name in DEMO_ACCOUNTS if name.endswith(".binhson")}
OTHER_DEMO_ACCOUNTS = DEMO_ACCOUNTS - BINH_SON_ACCOUNTS
PHONE_WIDTH = 390
# Sub-pixel rounding only: a page that scrolls sideways overflows by far more.
WIDTH_TOLERANCE = 2


def column_texts(page, headers: list[str], header: str) -> list[str]:
    """The cells of the list table under ``header``."""
    assert header in headers, f"the table has no '{header}' column: {headers}"
    column = headers.index(header) + 1
    cells = page.locator(f"table tbody tr td:nth-child({column})").all_inner_texts()
    return [text.strip() for text in cells]


def test_clerk_signs_in_and_sees_only_own_agency_accounts(live_server, browser, screenshot):
    """Vietnamese login form -> home page naming Bình Sơn -> "Danh mục" > "Người dùng"
    lists the accounts of Bình Sơn and nobody else; every request stays on 127.0.0.1."""
    requests = record_requests(browser)
    page = browser.new_page()

    page.goto(f"{live_server}/login/")
    expect(page.locator(".panel-title", has_text="Đăng nhập")).to_be_visible()
    expect(page.get_by_text("Tên đăng nhập:")).to_be_visible()
    expect(page.get_by_text("Mật khẩu:")).to_be_visible()
    screenshot(page, "clerk-login")

    page.locator("#username").fill(CLERK)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_text(CLERK_AGENCY).first).to_be_visible()
    screenshot(page, "clerk-home")

    navbar = page.locator(".navbar")
    navbar.get_by_role("link", name="Danh mục").click()
    menu = navbar.locator(".dropdown.open .dropdown-menu")
    expect(menu).to_be_visible()
    entries = [text.strip() for text in menu.get_by_role("link").all_inner_texts()]
    assert "Người dùng" in entries, (
        f"the 'Danh mục' menu of {CLERK} has no 'Người dùng' entry; it shows {entries}"
    )
    menu.get_by_role("link", name="Người dùng").click()
    page.wait_for_url(f"{live_server}/users/list/")
    screenshot(page, "clerk-users")

    headers = [text.strip() for text in page.locator("table thead th").all_inner_texts()]
    listed = set(column_texts(page, headers, "Tên đăng nhập"))
    agencies = set(column_texts(page, headers, "Cơ quan"))
    assert BINH_SON_ACCOUNTS <= listed, f"Bình Sơn accounts missing from the list: {listed}"
    assert not listed & OTHER_DEMO_ACCOUNTS, (
        f"{CLERK} sees accounts of other agencies: {sorted(listed & OTHER_DEMO_ACCOUNTS)}"
    )
    assert agencies == {CLERK_AGENCY}, f"{CLERK} sees accounts of: {agencies}"
    assert ".stttt" not in page.content(), "an account of Sở TT&TT appears on the page"

    assert requests, "the browser recorded no request at all"
    assert foreign_requests(requests) == [], (
        f"pages loaded resources from outside 127.0.0.1: {foreign_requests(requests)}"
    )


def test_login_page_fits_a_phone_screen(live_server, phone, screenshot):
    """On a 390px-wide phone the login form fits: no sideways scrolling."""
    requests = record_requests(phone)
    page = phone.new_page()
    page.goto(f"{live_server}/login/")
    expect(page.locator("#username")).to_be_visible()
    screenshot(page, "login-phone")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH + WIDTH_TOLERANCE, (
        f"the login page is {scroll_width}px wide on a {PHONE_WIDTH}px phone: "
        "the user has to scroll sideways"
    )
    assert foreign_requests(requests) == [], (
        f"the login page loaded resources from outside 127.0.0.1: {foreign_requests(requests)}"
    )
