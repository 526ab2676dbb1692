"""No page of the eOffice makes the browser contact another server.

Agencies may run the eOffice on a network with no way out to the Internet, and a page
that pulls a script, stylesheet, font or image from a CDN would then look broken (no
icons, no layout) or hang; where the Internet is reachable, the third party would learn
who opens which page. So, for every demo account, the test signs in, opens every page
reachable by following links from the home page, and checks that every resource those
pages (and their stylesheets) load is served by the eOffice itself.

The same walk also tells whether every link a user is shown actually opens: a menu
entry or button that answers "403 Forbidden" or "404 Not Found" is a dead end for them.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest

from app.demo import DEMO_USERS, DemoUser
from app.security import roles as R
from tests.support import WebClient

APP_HOST = "localhost"  # the host name Flask's test client uses
APP_ROOT = f"http://{APP_HOST}/"
MAX_PAGES_PER_USER = 150
PAGES_PER_KIND = 3  # e.g. three agency records, three sort orders of one list
MIN_PAGES_PER_USER = 10
# Signing out or switching language would end or change the walk; deleting and bulk
# actions change data. Only safe GETs are followed.
SKIPPED_PATH = re.compile(r"^/logout/|^/lang/|delete|action")
REDIRECTS = (301, 302, 303, 307, 308)

CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(['"]?)([^'"\s)]+)\1""", re.IGNORECASE)

# Attributes whose URL the browser loads by itself while showing the page.
RESOURCE_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "input": ("src",),
}

# The list screen of each resource: a role that may read the resource must reach it
# through the menus, so the walk cannot pass by inspecting next to nothing.
LIST_PAGES = {
    "Agency": "/agencyview/list/",
    "Department": "/departmentview/list/",
    "User": "/users/list/",
}


# --- Reading pages and stylesheets ----------------------------------------------------


def css_references(css: str) -> list[str]:
    """Targets of ``url(...)`` and ``@import`` in CSS text (comments ignored)."""
    css = CSS_COMMENT.sub("", css)
    return [m.group(2).strip() for m in CSS_URL.finditer(css)] + [
        m.group(2).strip() for m in CSS_IMPORT.finditer(css)
    ]


def foreign_host(reference: str) -> str | None:
    """The other host ``reference`` points to, or None if it stays on the eOffice."""
    reference = reference.strip()
    if reference.startswith("//"):
        host = urlsplit("http:" + reference).hostname
    elif urlsplit(reference).scheme.lower() in ("http", "https"):
        host = urlsplit(reference).hostname
    else:
        return None  # relative path, data:, #fragment...
    return None if host == APP_HOST else (host or reference)


class PageParser(HTMLParser):
    """Collects the links of a page and the resources it makes the browser load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.resources: list[str] = []
        self.stylesheets: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        for name in RESOURCE_ATTRIBUTES.get(tag, ()):
            value = attributes.get(name)
            if value and name == "srcset":
                self.resources += [part.split()[0] for part in value.split(",") if part.strip()]
            elif value:
                self.resources.append(value)
        if tag == "link" and "stylesheet" in attributes.get("rel", "").lower().split():
            self.stylesheets.append(attributes.get("href", ""))
        if attributes.get("style"):
            self.resources += css_references(attributes["style"])
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.resources += css_references(data)


# --- Walking the site as one user ---------------------------------------------------------


@dataclass
class Crawl:
    user: DemoUser
    web: WebClient
    visited: list[str] = field(default_factory=list)
    inspected: list[str] = field(default_factory=list)  # HTML pages that opened
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)  # page -> (status, linked from)
    foreign: list[tuple[str, str]] = field(default_factory=list)  # (page, reference)
    stylesheets: dict[str, str] = field(default_factory=dict)  # stylesheet -> first page using it

    @property
    def who(self) -> str:
        return f"{self.user.username} ({self.user.role})"


def _same_site_path(base: str, href: str) -> str | None:
    """Path (with query) of a link that stays on the eOffice, or None."""
    if href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    url = urlsplit(urljoin(base, href))
    if url.scheme not in ("http", "https") or url.hostname != APP_HOST:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def _page_kind(path: str) -> tuple[str, frozenset[str]]:
    """Pages made from one template: ``/agencyview/show/12`` and ``/agencyview/show/40``,
    or the sort, page-size and filter variants of ``/agencyview/list/``. Opening a few of
    each kind leaves the page cap for pages that differ."""
    url = urlsplit(path)
    template = re.sub(r"/\d+(?=/|$)", "/<id>", url.path)
    return template, frozenset(name for name, _ in parse_qsl(url.query, keep_blank_values=True))


def crawl(web: WebClient, user: DemoUser) -> Crawl:
    """Breadth-first walk of the pages reachable by links (and redirects) from ``/``."""
    result = Crawl(user, web)
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen, kinds = {"/"}, Counter([_page_kind("/")])
    while queue and len(result.visited) < MAX_PAGES_PER_USER:
        path, linked_from = queue.popleft()
        response = web.get(path)
        result.visited.append(path)
        base = urljoin(APP_ROOT, path)
        if response.status_code >= 400:
            result.failures[path] = (response.status_code, linked_from)
            continue
        if response.status_code in REDIRECTS:
            targets = [response.headers.get("Location", "")]
        elif response.mimetype == "text/html":
            result.inspected.append(path)
            parser = PageParser()
            parser.feed(response.get_data(as_text=True))
            result.foreign += [(path, ref) for ref in parser.resources if foreign_host(ref)]
            for href in parser.stylesheets:
                stylesheet = _same_site_path(base, href)
                if stylesheet:
                    result.stylesheets.setdefault(stylesheet, path)
            targets = parser.links
        else:
            continue
        for href in targets:
            target = _same_site_path(base, href)
            if not target or target in seen or SKIPPED_PATH.search(urlsplit(target).path):
                continue
            if kinds[_page_kind(target)] < PAGES_PER_KIND:
                seen.add(target)
                kinds[_page_kind(target)] += 1
                queue.append((target, path))
    return result


def foreign_references_in_stylesheets(crawl_result: Crawl) -> list[tuple[str, str, str]]:
    """(page, stylesheet, reference) for every ``url()``/``@import`` of the stylesheets
    the pages use that leaves the eOffice; the app's own ``@import``s are followed."""
    found = []
    queue = deque(crawl_result.stylesheets.items())
    seen = set(crawl_result.stylesheets)
    while queue:
        stylesheet, page = queue.popleft()
        response = crawl_result.web.get(stylesheet)
        assert response.status_code == 200, (
            f"{crawl_result.who}: page {page} links the stylesheet {stylesheet}, "
            f"which answered {response.status_code}"
        )
        for reference in css_references(response.get_data(as_text=True)):
            if foreign_host(reference):
                found.append((page, stylesheet, reference))
                continue
            imported = _same_site_path(urljoin(APP_ROOT, stylesheet), reference)
            if imported and urlsplit(imported).path.endswith(".css") and imported not in seen:
                seen.add(imported)
                queue.append((imported, page))
    return found


def pages_the_role_must_reach(role: str) -> set[str]:
    """The home page and the list screen of every resource the role may read."""
    if role == R.SYSTEM_ADMIN:
        return {"/", *LIST_PAGES.values()}
    grants = R.ROLES_BY_NAME[role].grants
    return {"/"} | {
        page for resource, page in LIST_PAGES.items() if "can_read" in grants.get(resource, ())
    }


@pytest.fixture(scope="module")
def crawls(app):
    """One walk per demo user, shared by the tests of this module."""
    done: dict[str, Crawl] = {}

    def crawl_as(user: DemoUser) -> Crawl:
        if user.username not in done:
            done[user.username] = crawl(WebClient(app).login(user.username), user)
        return done[user.username]

    return crawl_as


# --- The tests ------------------------------------------------------------------------------

DEMO_USER_IDS = [user.username for user in DEMO_USERS]


@pytest.mark.parametrize("user", DEMO_USERS, ids=DEMO_USER_IDS)
def test_pages_load_nothing_from_other_hosts(crawls, user):
    """Scripts, stylesheets, images, fonts and CSS imports all come from the eOffice."""
    result = crawls(user)

    unreached = pages_the_role_must_reach(user.role) - set(result.inspected)
    assert not unreached, (
        f"{result.who} could not open {sorted(unreached)} by following links from the "
        f"home page, so they were not checked; opened {len(result.inspected)} pages: "
        f"{result.inspected[:30]}"
    )
    assert len(result.inspected) >= MIN_PAGES_PER_USER, (
        f"{result.who}: only {len(result.inspected)} pages opened: {result.inspected}"
    )
    assert not result.foreign, f"{result.who}: pages load from other hosts: " + "; ".join(
        f"page {page} references {reference}" for page, reference in result.foreign
    )
    assert result.stylesheets, f"{result.who}: no stylesheet on {len(result.inspected)} pages"
    in_css = foreign_references_in_stylesheets(result)
    assert not in_css, f"{result.who}: stylesheets load from other hosts: " + "; ".join(
        f"page {page} uses stylesheet {stylesheet}, which references {reference}"
        for page, stylesheet, reference in in_css
    )


@pytest.mark.parametrize("user", DEMO_USERS, ids=DEMO_USER_IDS)
def test_every_link_shown_to_the_user_opens(crawls, user):
    """A link, menu entry or button the user is shown never ends on an error page."""
    result = crawls(user)
    assert not result.failures, f"{result.who} is shown links that do not open: " + "; ".join(
        f"{page} answers {status} (linked from {linked_from})"
        for page, (status, linked_from) in result.failures.items()
    )


def test_the_checker_spots_foreign_references():
    """The detector itself: CDN links, protocol-relative URLs and CSS imports are caught,
    links and the app's own files are not."""
    parser = PageParser()
    parser.feed(
        '<link rel="stylesheet" href="https://cdn.example.org/x.css">'
        '<script src="//code.jquery.com/jquery.js"></script>'
        '<img src="/static/logo.png"><div style="background: url(\'http://evil.test/a.png\')">'
        '<style>@import "https://fonts.googleapis.com/css?family=Roboto";</style>'
        '<a href="https://example.org/">a link is not a resource</a>'
        '<img src="http://localhost/static/own.png">'
    )
    assert [r for r in parser.resources if foreign_host(r)] == [
        "https://cdn.example.org/x.css",
        "//code.jquery.com/jquery.js",
        "http://evil.test/a.png",
        "https://fonts.googleapis.com/css?family=Roboto",
    ]
    assert parser.stylesheets == ["https://cdn.example.org/x.css"]
    assert css_references("/* url(http://x.test/a) */ src: url(../fonts/a.woff2)") == [
        "../fonts/a.woff2"
    ]
