"""The Content-Security-Policy in a real browser (Chromium): signed in, the main pages of
a System admin and of a clerk load and work with the policy on (menus open, the select
boxes and date pickers come alive), and the browser reports no CSP violation and no
script error on any of them."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.e2e.conftest import foreign_requests, log_in, record_requests

# Collects what the browser refuses under the policy, on every page of the context.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""
SKIPPED = ("/logout", "/lang/", "/download", "/export", "/content")


class Watcher:
    """Console CSP messages, page errors and violation events of one browser context."""

    def __init__(self, context):
        self.console: list[str] = []
        self.errors: list[str] = []
        context.add_init_script(WATCH_VIOLATIONS)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.errors.append(str(error.error)))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def visit(self, page, url: str) -> list[str]:
        response = page.goto(url)
        assert response is not None and response.status < 400, f"{url} answered {response and response.status}"
        assert "default-src 'self'" in response.headers.get("content-security-policy", ""), url
        page.wait_for_load_state("load")
        return page.evaluate("window.__cspViolations || []")


def menu_links(page, live_server: str) -> list[str]:
    """Every page the navbar leads to (same origin, nothing that signs out or downloads)."""
    hrefs = page.eval_on_selector_all(".navbar a[href]", "links => links.map(a => a.href)")
    host = urlsplit(live_server).netloc
    seen = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc != host or any(s in parts.path for s in SKIPPED) or href in seen:
            continue
        seen.append(href.split("#")[0])
    return list(dict.fromkeys(seen))


def walk(context, live_server: str, username: str, extra: list[str]) -> dict[str, list[str]]:
    watcher = Watcher(context)
    page = context.new_page()
    log_in(page, live_server, username)
    violations = {}
    urls = menu_links(page, live_server) + [f"{live_server}{path}" for path in extra]
    assert len(urls) >= 5, f"{username} has almost no menu: {urls}"
    for url in urls:
        found = watcher.visit(page, url)
        if found:
            violations[url] = found
    assert not watcher.console, f"{username}: CSP messages in the console: {watcher.console}"
    assert not watcher.errors, f"{username}: script errors: {watcher.errors}"
    return violations


def test_admin_pages_work_under_the_policy(live_server, browser, screenshot):
    from tests.directory_data import account

    user_id = account("vanthu.binhson").id
    requests = record_requests(browser)
    violations = walk(browser, live_server, "quantri",
                      ["/users/add", f"/users/show/{user_id}", "/swagger/v1", "/resetmypassword/form"])
    assert not violations, f"the policy blocked: {violations}"

    # Scripts run: Bootstrap opens the menus, select2 and the date picker are live.
    page = browser.new_page()
    page.goto(f"{live_server}/users/add")
    expect(page.locator(".select2-container").first).to_be_visible()
    navbar = page.locator(".navbar")
    navbar.get_by_role("link", name="Danh mục").click()
    expect(navbar.locator(".dropdown.open .dropdown-menu")).to_be_visible()
    screenshot(page, "csp-user-add")
    assert foreign_requests(requests) == []

    # The watch is real: an injected inline script is blocked and reported.
    page.evaluate("""() => { const s = document.createElement('script');
                            s.textContent = 'window.__injected = true'; document.body.append(s); }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__injected") is None
    assert "script-src" in page.evaluate("window.__cspViolations[0]")


def test_clerk_pages_work_under_the_policy(live_server, browser, screenshot):
    violations = walk(browser, live_server, "vanthu.binhson", ["/resetmypassword/form"])
    assert not violations, f"the policy blocked: {violations}"
    page = browser.new_page()
    page.goto(f"{live_server}/")
    screenshot(page, "csp-clerk-home")
