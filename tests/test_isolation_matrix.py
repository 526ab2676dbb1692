"""QĐ 778 Đ2, Đ10: one install serves every agency of the province, and an agency never
sees another's documents unless they were sent to it — and then only what was sent.

The matrix takes every route the app registers (``app.url_map``, read at run time, so
views added later are covered without touching this file) and every role of agency A
(Sở TT&TT), fills the route's parameters with the ids of agency B's (UBND huyện Bình
Sơn) objects of the matching kind, and sends GET — and POST, PUT, DELETE with harmless
bodies where the route takes them — from the screens' session and with the REST API's
bearer token. Each answer must be a refusal (400, 401, 403, 404, 405, a redirect to
the login page) or carry none of B's markers (``tests.isolation_data``), and nothing of
B's may change. The same routes filled with agency A's own objects must work, so a
matrix answering 404 everywhere cannot pass.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import and_, select

from app import db
from app.models import (
    Agency,
    Assignment,
    Attachment,
    AuditEntry,
    DataExportRequest,
    Department,
    DirectoryMapping,
    DocumentEvent,
    DocumentType,
    IncomingDocument,
    Notification,
    OutgoingDocument,
    Register,
    SigningProfile,
    UserAccount,
)
from app.security.roles import ROLES_BY_NAME
from tests.directory_data import BINH_SON, STTTT
from tests.isolation_data import (
    MARKER_RESOURCES,
    AgencyObjects,
    build_agency,
    new_token,
    send_to,
)
from tests.support import ApiClient, WebClient, csrf_token

# Every role of agency A; the Auditor and the Operator work at Sở TT&TT too but are
# province-wide for a few resources only (AuditLog, DirectoryMapping, Agency).
A_ROLES = ["qtcq.stttt", "lanhdao.stttt", "truongphong.stttt", "vanthu.stttt",
           "chuyenvien.stttt", "giamsat", "vanhanh"]

# Routes left out, and why.
SKIPPED_RULES = {
    "/login/": "signing in; the login guard has its own tests",
    "/logout/": "would end the client's session",
    "/lang/<string:locale>": "switches the interface language only",
    "/api/v1/security/login": "signing in (REST)",
    "/api/v1/security/refresh": "token refresh (REST)",
    "/health": "liveness probe, no data",
}
SKIPPED_ENDPOINTS = {"static", "appbuilder.static"}

# Which model a route parameter names. ``pk``/``id`` follow the view's own model.
PARAM_MODELS = {
    "attachment_id": Attachment, "profile_id": SigningProfile, "part_id": Assignment,
    "assignment_id": Assignment, "incoming_id": IncomingDocument,
    "outgoing_id": OutgoingDocument, "document_id": IncomingDocument,
    "user_id": UserAccount, "department_id": Department, "register_id": Register,
    "notification_id": Notification, "request_id": DataExportRequest,
    "export_id": DataExportRequest, "entry_id": AuditEntry, "mapping_id": DirectoryMapping,
    "event_id": DocumentEvent,
}
# A view without a model of its own acts on the model of its resource.
RESOURCE_MODELS = {
    "IncomingDocument": IncomingDocument, "OutgoingDocument": OutgoingDocument,
    "Attachment": Attachment, "Work": Assignment, "Notification": Notification,
    "SigningProfile": SigningProfile, "User": UserAccount, "ResetPasswordView": UserAccount,
    "Department": Department, "Register": Register, "AuditLog": AuditEntry,
    "DirectoryMapping": DirectoryMapping, "DataExport": DataExportRequest,
    "Handover": UserAccount,
}
# Query-string parameters some screens read (e.g. /resetpassword/form?pk=<user>).
QUERY_MODELS = {"pk": UserAccount, "id": UserAccount, "user_id": UserAccount,
                "incoming_id": IncomingDocument, "outgoing_id": OutgoingDocument,
                "attachment_id": Attachment, "register": Register, "register_id": Register,
                "department_id": Department, "request_id": DataExportRequest,
                "_flt_0_agency": None, "_flt_0_agency_id": None}
# View methods that change data even on GET (FAB's delete and actions): never called
# on agency A's own objects.
MUTATING_ON_GET = {"delete", "action"}
# Object routes that must work on agency A's own objects for at least one role. A data
# export is downloaded by its requester only, after approval (tests of the data export).
POSITIVE_METHODS = {"show", "edit", "get", "download", "content", "signatures", "image"}
POSITIVE_MODELS = {IncomingDocument, OutgoingDocument, Attachment, Department, UserAccount,
                   Register, SigningProfile, Notification, DirectoryMapping, AuditEntry}

STATUS_REFUSED = {400, 401, 403, 404, 405, 422}
MISSING_ID = 987654321
# Values for a string parameter of unknown meaning (a file format, a tab...).
UNKNOWN_STRINGS = ["csv", "xlsx", "pdf", "json", "zip"]


# --- The world: agency A's and agency B's objects --------------------------------------------


@dataclasses.dataclass
class World:
    a: AgencyObjects
    b: AgencyObjects
    sent_copy_id: int  # A's văn bản đến made from B's document sent to A
    sent_copy_files: list[int]


@pytest.fixture(scope="module")
def world(app) -> World:
    with app.app_context():
        token = new_token()
        a = build_agency(
            STTTT, "A", token, "lanhdao.stttt", work_department="Phòng Công nghệ thông tin",
            work_officer="chuyenvien.stttt",
            notify_usernames=("qtcq.stttt", "lanhdao.stttt", "truongphong.stttt",
                              "vanthu.stttt", "chuyenvien.stttt"))
        b = build_agency(BINH_SON, "B", token, "lanhdao.binhson")
        copy = send_to(b, "lanhdao.binhson", STTTT)
        files = [f.id for f in copy.attachments]
        world = World(a=a, b=b, sent_copy_id=copy.id, sent_copy_files=files)
        db.session.remove()
        return world


# --- Routes -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Route:
    rule: str
    endpoint: str
    methods: frozenset[str]
    arguments: tuple[str, ...]
    converters: dict[str, str]  # argument -> werkzeug converter class name
    view: Any
    method_name: str

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def resource(self) -> str | None:
        return getattr(self.view, "class_permission_name", None) if self.view else None

    @property
    def model(self):
        datamodel = getattr(self.view, "datamodel", None)
        return getattr(datamodel, "obj", None) or RESOURCE_MODELS.get(self.resource)

    def __str__(self) -> str:
        return f"{self.rule} ({self.endpoint})"


def registered_routes(app) -> list[Route]:
    views = {type(view).__name__: view for view in app.appbuilder.baseviews}
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS or rule.rule in SKIPPED_RULES:
            continue
        view_name, _, method_name = rule.endpoint.rpartition(".")
        routes.append(Route(
            rule=rule.rule, endpoint=rule.endpoint,
            methods=frozenset(rule.methods - {"HEAD", "OPTIONS"}),
            arguments=tuple(sorted(rule.arguments)),
            converters={name: type(c).__name__ for name, c in rule._converters.items()},
            view=views.get(view_name),
            method_name=method_name))
    return sorted(routes, key=lambda r: (r.rule, r.endpoint))


ARGUMENT_RE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def build_url(route: Route, values: dict[str, Any]) -> str:
    return ARGUMENT_RE.sub(lambda m: str(values[m.group(1)]), route.rule)


def model_of_argument(route: Route, name: str):
    if name in PARAM_MODELS:
        return PARAM_MODELS[name]
    if name in ("pk", "id"):
        return route.model
    return None


def argument_values(route: Route, name: str, objects: AgencyObjects, known_only: bool = False):
    """Values to try for one URL parameter, taken from ``objects``' rows; ``None`` when
    the parameter's kind is unknown and ``known_only`` is set."""
    if name == "name":  # FAB actions
        actions = list(getattr(route.view, "actions", {}) or {})
        return actions or ["delete"]
    if name == "step":
        return ["submit", "return"]
    if name == "version":
        return ["v1"]
    if name == "filename":
        return objects.filenames + objects.sha256s
    if name == "column_name":
        datamodel = getattr(route.view, "datamodel", None)
        columns = [c for c in getattr(route.view, "add_columns", []) or []
                   if datamodel is not None and datamodel.is_relation(c)]
        return columns or ["agency"]
    model = model_of_argument(route, name)
    if model is not None:
        ids = objects.ids.get(model)
        if ids:
            return ids
        if not is_agency_owned(model):  # roles, permissions...: shared rows, a few will do
            return None if known_only else shared_ids(model)
    if known_only:
        return None
    if route.converters.get(name) not in ("IntegerConverter", "NumberConverter"):
        return UNKNOWN_STRINGS + [objects.all_ids()[0]]
    return objects.one_of_each()  # unknown kind: one id of each kind agency B has


def is_agency_owned(model) -> bool:
    """Rows of one agency: the agency itself, its accounts, anything with agency_id."""
    return model in (Agency, UserAccount) or "agency_id" in model.__table__.c


def shared_ids(model) -> list[int]:
    ids = db.session.scalars(select(model.id).order_by(model.id).limit(2)).all()
    db.session.rollback()
    return list(ids) or [1]


def urls_for(route: Route, objects: AgencyObjects, known_only: bool = False) -> list[str]:
    """Every URL of ``route`` filled with ``objects``' rows (one per combination)."""
    choices = []
    for name in route.arguments:
        values = argument_values(route, name, objects, known_only)
        if values is None:
            return []
        choices.append([(name, value) for value in values])
    return [build_url(route, dict(combo)) for combo in itertools.product(*choices)]


def query_variants(objects: AgencyObjects) -> str:
    """One query string naming B's rows under the names screens read."""
    values = {}
    for name, model in QUERY_MODELS.items():
        ids = objects.ids.get(model) if model else [objects.agency_id]
        if ids:
            values[name] = ids[0]
    return "&".join(f"{k}={v}" for k, v in values.items())


# --- What B owns, before and after ---------------------------------------------------------


SNAPSHOT_EXCLUDED = {"audit_entry"}  # append-only by database triggers (own tests)


def b_snapshot(b: AgencyObjects) -> dict[str, set]:
    """Every row of the tables agency B owns rows in (by ``agency_id``), plus B's own
    agency row, the roles of B's accounts and the recipients of B's văn bản đi."""
    from flask_appbuilder import Model

    session = db.session
    session.expire_all()
    rows: dict[str, set] = {}
    for table in Model.metadata.sorted_tables:
        if table.name in SNAPSHOT_EXCLUDED:
            continue
        if "agency_id" in table.c and table.name != "outgoing_recipient":
            query = select(table).where(table.c.agency_id == b.agency_id)
        elif table.name == "agency":
            query = select(table).where(table.c.id == b.agency_id)
        elif table.name == "outgoing_recipient":
            outgoing = OutgoingDocument.__table__
            query = select(table).where(table.c.outgoing_id.in_(
                select(outgoing.c.id).where(outgoing.c.agency_id == b.agency_id)))
        elif table.name == "ab_user_role":
            users = UserAccount.__table__
            query = select(table).where(table.c.user_id.in_(
                select(users.c.id).where(users.c.agency_id == b.agency_id)))
        else:
            continue
        rows[table.name] = {tuple(row) for row in session.execute(query)}
    session.rollback()
    return rows


def snapshot_diff(before: dict[str, set], after: dict[str, set]) -> list[str]:
    changes = []
    for name in sorted(set(before) | set(after)):
        gone = before.get(name, set()) - after.get(name, set())
        new = after.get(name, set()) - before.get(name, set())
        if gone or new:
            changes.append(f"{name}: {len(gone)} row(s) changed or removed, {len(new)} new")
    return changes


def cross_references(a_id: int, b_id: int) -> dict[str, int]:
    """How many rows of agency A point at a row of agency B (a department, an account, a
    register, a document...), per link. Only a trusted posted id, or a person moving from
    A to B, makes them; what B sent to A (its recipient row, the văn bản đến made from
    it) is the legitimate kind."""
    from flask_appbuilder import Model

    allowed = {("incoming_document", "source_outgoing_id"),
               ("outgoing_recipient", "outgoing_id")}  # A received B's document
    found = {}
    tables = {t.name: t for t in Model.metadata.sorted_tables}
    for table in tables.values():
        if "agency_id" not in table.c:
            continue
        for column in table.c:
            for fk in column.foreign_keys:
                target = fk.column.table
                if (target.name == "agency" or "agency_id" not in target.c
                        or (table.name, column.name) in allowed):
                    continue
                other = target.alias("referenced")
                query = (select(table.c[column.name]).select_from(table.join(
                    other, column == other.c[fk.column.name]))
                    .where(and_(table.c.agency_id == a_id, other.c.agency_id == b_id)))
                count = len(db.session.execute(query).all())
                if count:
                    found[f"{table.name}.{column.name} → {target.name}"] = count
    db.session.rollback()
    return found


# --- Reading answers ------------------------------------------------------------------------


def answer_text(response) -> str:
    """What a person would read: the body (text of PDFs, members of ZIP and XLSX files)
    and the headers naming a file or a place."""
    parts = [response.headers.get("Location", ""), response.headers.get("Content-Disposition", "")]
    data = response.get_data()
    mimetype = response.mimetype or ""
    if data[:4] == b"%PDF":
        from pypdf import PdfReader

        try:
            text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
        except Exception:  # noqa: BLE001 - an unreadable PDF still gets the raw check
            text = ""
        parts += [text, "".join(text.split())]  # a narrow cell wraps a marker over lines
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        except zipfile.BadZipFile:
            pass
    parts.append(data.decode("utf-8", "replace"))
    if "json" in mimetype:
        try:  # JSON may escape non-ASCII; markers are ASCII but keep both
            parts.append(json.dumps(response.get_json(silent=True), ensure_ascii=False))
        except (TypeError, ValueError):
            pass
    return "\n".join(parts).casefold()


def found_markers(text: str, markers: Iterable[str]) -> list[str]:
    return sorted(m for m in markers if m.casefold() in text)


def describe(markers: list[str]) -> str:
    """``ISOB…INREG (IncomingDocument)``: each leaked marker with the resource it is of."""
    return ", ".join(
        f"{m} ({next((r for w, r in MARKER_RESOURCES.items() if m.endswith(w)), '?')})"
        for m in markers)


def is_binary(response) -> bool:
    mimetype = response.mimetype or ""
    return not (mimetype.startswith("text/") or "json" in mimetype or "javascript" in mimetype)


# --- Clients ----------------------------------------------------------------------------------


class CrashedResponse:
    """Stands for the 500 a server in production would answer."""

    status_code = 500
    mimetype = "text/plain"

    def __init__(self, error: str):
        self.error = error
        self.headers: dict[str, str] = {}

    def get_data(self) -> bytes:
        return self.error.encode()

    def get_json(self, silent: bool = False):
        return None


class RoleClients:
    """A signed-in screen session (with its CSRF token) and a REST bearer token."""

    def __init__(self, app, username: str):
        self.username = username
        self.web = WebClient(app).login(username)
        self.api = ApiClient(app).login(username)
        self.csrf = csrf_token(self.web.get("/resetmypassword/form").text)

    def send(self, route: Route, method: str, url: str, body: dict | None = None):
        try:
            return self._send(route, method, url, body)
        except Exception as error:  # noqa: BLE001 - TESTING propagates a 500's exception
            db.session.rollback()
            return CrashedResponse(f"{type(error).__name__}: {error}")

    def _send(self, route: Route, method: str, url: str, body: dict | None = None):
        if route.is_api:
            client, headers = self.api.client, self.api.headers
            kwargs: dict = {"headers": headers}
            if method in ("POST", "PUT"):
                kwargs["json"] = body or {}
            return client.open(url, method=method, **kwargs)
        kwargs = {}
        if method in ("POST", "PUT"):
            kwargs["data"] = {"csrf_token": self.csrf, **(body or {})}
        return self.web.client.open(url, method=method, **kwargs)


def role_names_of(username: str) -> set[str]:
    return {role.name for role in db.session.query(UserAccount).filter_by(
        username=username).one().roles}


def province_wide_resources(username: str) -> set[str]:
    names = role_names_of(username)
    return set().union(*(ROLES_BY_NAME[n].province_wide for n in names if n in ROLES_BY_NAME))


# --- Bodies -----------------------------------------------------------------------------------


def write_body(route: Route, world: World, on_object: bool) -> dict:
    """A harmless body naming B's rows. On one of B's objects it also carries the texts
    a step needs (comment, reason, note...), so a missing scope check would write."""
    b = world.b
    first = lambda model: (b.ids.get(model) or [None])[0]  # noqa: E731
    ids = {
        "agency": b.agency_id, "agency_id": b.agency_id, "agencies": [world.a.agency_id],
        "department": first(Department), "department_id": first(Department),
        "drafting_department": first(Department), "register": first(Register),
        "register_id": first(Register), "leader": first(UserAccount),
        "leader_id": first(UserAccount), "officer": first(UserAccount),
        "officer_id": first(UserAccount), "user": first(UserAccount),
        "user_id": first(UserAccount), "successor": first(UserAccount),
        "successor_id": first(UserAccount), "replaces": first(OutgoingDocument),
        "rowid": b.ids.get(IncomingDocument, []) + b.ids.get(OutgoingDocument, []),
    }
    if route.is_api:
        ids["targets"] = [{"department_id": first(Department), "role": "lead"}]
        ids.pop("rowid")
    if not on_object:
        return ids
    texts = {name: "isolation matrix" for name in (
        "comment", "reason", "note", "instruction", "subject", "name", "secret", "password",
        "description")}
    if not route.is_api:
        texts.update({"targets-0-assignee": f"d:{first(Department)}",
                      "targets-0-role": "lead", "action": "delete", "form": "image"})
    return {**ids, **texts}


# --- The matrix for one role ------------------------------------------------------------------


@dataclasses.dataclass
class RoleReport:
    failures: list[str] = dataclasses.field(default_factory=list)
    positives: dict[str, int] = dataclasses.field(default_factory=dict)  # endpoint -> status
    requests: int = 0


def check_answer(report: RoleReport, clients: RoleClients, method: str, url: str, response,
                 forbidden: set[str], own_object: bool = False,
                 on_b_object: bool = True) -> None:
    report.requests += 1
    status = response.status_code
    where = f"{clients.username} {method} {url} → {status}"
    if status >= 500:
        report.failures.append(f"{where}: server error {getattr(response, 'error', '')}")
        return
    leaked = found_markers(answer_text(response), forbidden)
    if leaked:
        report.failures.append(f"{where}: shows agency B's {describe(leaked)}")
        return
    if own_object or status in STATUS_REFUSED or status == 200:
        return
    if 300 <= status < 400:
        # A refusal may go back to the previous page or to the sign-in page; where a
        # request on B's object leads must not show B's object either.
        location = response.headers.get("Location", "")
        if "/login" in location or method != "GET" or not on_b_object:
            return
        followed = clients.web.client.get(location)
        leaked = found_markers(answer_text(followed), forbidden)
        if leaked or followed.status_code >= 500:
            report.failures.append(f"{where}: redirects to {location} "
                                   f"({followed.status_code}) showing {', '.join(leaked)}")
        return
    report.failures.append(f"{where}: unexpected status")


def run_matrix(app, world: World, role: str) -> RoleReport:
    report = RoleReport()
    clients = RoleClients(app, role)
    b = world.b
    all_b_markers = set(b.markers.values())
    wide = province_wide_resources(role)
    own_markers = {m.casefold() for m in world.a.markers.values()} | {
        m.casefold() for m in b.sent_markers.values()}
    routes = registered_routes(app)

    def reads_all(route: Route) -> bool:
        """The role reads (and may change) every agency's rows of this resource."""
        return bool(route.resource) and (route.resource in wide or "*" in wide)

    def forbidden_for(route: Route) -> set[str]:
        return set() if reads_all(route) else all_b_markers

    def changing_urls(route: Route) -> list[str]:
        """B's objects; shared rows (holidays, roles) only by an id that does not exist,
        so a role allowed to change them changes nothing."""
        if route.model is not None and not is_agency_owned(route.model):
            return [build_url(route, {name: (MISSING_ID if model_of_argument(route, name)
                                             else argument_values(route, name, b)[0])
                                      for name in route.arguments})]
        return urls_for(route, b)

    # GET everything (lists, forms, dashboards, searches, API lists and _info too).
    before = b_snapshot(b)
    for route in routes:
        if "GET" not in route.methods:
            continue
        mutating = route.method_name in MUTATING_ON_GET
        if mutating and reads_all(route):
            continue
        urls = changing_urls(route) if mutating else urls_for(route, b)
        if not route.arguments and not route.is_api:  # the API reads its rison ``q`` only
            urls += [f"{route.rule}?{query_variants(b)}"]
            if route.endpoint == "SearchView.index":
                urls += [f"{route.rule}?direction={d}" for d in ("incoming", "outgoing")]
        for url in urls:
            response = clients.send(route, "GET", url)
            check_answer(report, clients, "GET", url, response, forbidden_for(route),
                         on_b_object=bool(route.arguments))
            if mutating and response.status_code not in STATUS_REFUSED:
                changes = snapshot_diff(before, b_snapshot(b))
                if changes:
                    report.failures.append(f"{role} GET {url} changed B's data: {changes}")
                    before = b_snapshot(b)
    changes = snapshot_diff(before, b_snapshot(b))  # whatever answered, nothing changed
    if changes:
        report.failures.append(f"{role}: GET requests changed B's data: {changes}")

    # Writes: every POST, PUT and DELETE route, on B's objects or naming them. A route
    # whose every answer was a refusal is checked by the snapshot after the last one.
    start = before = b_snapshot(b)
    # Earlier tests may have left such links (an account moved between the agencies).
    crossed_before = cross_references(world.a.agency_id, b.agency_id)
    for route in routes:
        methods = sorted(route.methods & {"POST", "PUT", "DELETE"})
        if not methods or reads_all(route):
            continue
        on_object = bool(route.arguments)
        urls = changing_urls(route) if on_object else [route.rule]
        accepted = False
        for method, url in itertools.product(methods, urls):
            response = clients.send(route, method, url, write_body(route, world, on_object))
            check_answer(report, clients, method, url, response, forbidden_for(route))
            accepted |= response.status_code not in STATUS_REFUSED
        if accepted:
            after = b_snapshot(b)
            changes = snapshot_diff(before, after)
            if changes:
                report.failures.append(f"{role} {'/'.join(methods)} {route}: changed B's "
                                       f"data: {changes}")
            before = after
    changes = snapshot_diff(start, b_snapshot(b))
    if changes and not any("changed B's data" in f for f in report.failures):
        report.failures.append(f"{role}: writes answered with a refusal changed B's data: "
                               f"{changes}")
    crossed = {link: count for link, count in cross_references(world.a.agency_id, b.agency_id).items()
               if count > crossed_before.get(link, 0)}
    if crossed:
        report.failures.append(f"{role}: rows of agency A now point at agency B's: {crossed}")

    # Positive control: the same object routes on agency A's own objects.
    for route in routes:
        if ("GET" not in route.methods or not route.arguments
                or route.method_name in MUTATING_ON_GET):
            continue
        for url in urls_for(route, world.a, known_only=True):
            response = clients.send(route, "GET", url)
            check_answer(report, clients, "GET", url, response, forbidden_for(route),
                         own_object=True)
            text = answer_text(response)
            if response.status_code == 200 and (
                    is_binary(response) or any(m in text for m in own_markers)):
                report.positives[route.endpoint] = 200
                break  # one of A's objects opening is the proof needed
            report.positives.setdefault(route.endpoint, response.status_code)
    return report


@pytest.fixture(scope="module")
def reports() -> dict[str, RoleReport]:
    return {}


def report_for(app, world, reports, role: str) -> RoleReport:
    if role not in reports:
        with app.app_context():
            reports[role] = run_matrix(app, world, role)
            db.session.remove()
    return reports[role]


# --- Tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", A_ROLES)
def test_no_route_shows_or_changes_another_agencys_objects(app, world, reports, role):
    report = report_for(app, world, reports, role)
    assert not report.failures, (
        f"{len(report.failures)} leak(s) for {role} in {report.requests} requests:\n"
        + "\n".join(report.failures[:60]))
    # Positive control: the role's own agency's objects open (so 404-everywhere fails).
    worked = sorted(e for e, status in report.positives.items() if status == 200)
    assert worked, f"{role} opened none of agency A's own objects: {report.positives}"


def test_object_routes_work_on_own_agencys_objects(app, world, reports):
    """Every show, edit, get and download route opens agency A's own object for at
    least one role of A: the matrix fills parameters with objects that exist."""
    for role in A_ROLES:
        report_for(app, world, reports, role)
    routes = [r for r in registered_routes(app)
              if r.method_name in POSITIVE_METHODS and r.arguments and "GET" in r.methods
              and {model_of_argument(r, a) for a in r.arguments} & POSITIVE_MODELS
              and urls_for(r, world.a, known_only=True)]
    assert routes
    missing = [str(r) for r in routes
               if not any(reports[role].positives.get(r.endpoint) == 200 for role in A_ROLES)]
    assert not missing, "no role of agency A could open its own object on:\n" + "\n".join(missing)


# --- Sent documents: visible when sent, and only what was sent ------------------------------


def test_a_document_sent_to_agency_a_shows_there_and_only_what_was_sent(app, world):
    b = world.b
    subject, filename = b.sent_markers["SENTTOA"], b.sent_markers["SENTFILE"]
    forbidden = set(b.markers.values())
    clerk = WebClient(app).login("vanthu.stttt")

    waiting = clerk.get("/incoming/pending/list/").text
    assert subject in waiting and not found_markers(waiting.casefold(), forbidden)
    page = clerk.get(f"/incoming/pending/show/{world.sent_copy_id}")
    assert page.status_code == 200 and subject in page.text and filename in page.text
    # B's drafting comment, B's other documents and B's people stay with B.
    assert not found_markers(page.text.casefold(), forbidden)
    (file_id,) = world.sent_copy_files
    download = clerk.get(f"/attachments/{file_id}")
    assert download.status_code == 200 and filename in download.headers["Content-Disposition"]

    api = ApiClient(app).login("vanthu.stttt")
    copy = api.get(f"/api/v1/incoming/{world.sent_copy_id}")
    assert copy.status_code == 200 and subject in copy.json["result"]["subject"]
    listed = api.get("/api/v1/incoming/?q=(page_size:100)")
    assert subject in listed.text and not found_markers(listed.text.casefold(), forbidden)

    # The sender's own record of it is B's: not A's to open, nor its file.
    original = b.sent_to_a_id
    assert clerk.get(f"/outgoing/issued/show/{original}").status_code == 404
    assert api.get(f"/api/v1/outgoing/{original}").status_code == 404
    sent_file = db.session.scalars(select(Attachment.id).where(
        Attachment.outgoing_id == original)).one()
    assert clerk.get(f"/attachments/{sent_file}").status_code == 404
    assert api.get(f"/api/v1/attachment/{sent_file}/content").status_code == 404


# --- Reports: the registers and reports of agency A hold only A's documents -----------------


@pytest.mark.parametrize("role", ["lanhdao.stttt", "truongphong.stttt", "vanthu.stttt"])
def test_reports_of_agency_a_hold_none_of_agency_bs_documents(app, world, role):
    from app.i18n import local_today
    from app.reports.layouts import KINDS

    client = WebClient(app).login(role)
    today = local_today()
    seen = ""
    for kind, file_format in itertools.product(KINDS, ("pdf", "xlsx")):
        response = client.submit("/reports/", {
            "kind": kind, "date_from": f"01/01/{today.year}",
            "date_to": today.strftime("%d/%m/%Y"), "register": "", "file_format": file_format})
        assert response.status_code == 200 and is_binary(response), (kind, file_format)
        text = answer_text(response)
        leaked = found_markers(text, world.b.markers.values())
        assert not leaked, f"{role} {kind} {file_format}: {describe(leaked)}"
        seen += text
    if role == "vanthu.stttt":  # positive control: the register lists A's own document
        assert world.a.markers["INREG"].casefold() in seen


# --- FAB's generic download of files by name -------------------------------------------------


ACCESS_CHECKED_DOWNLOADS = {"AttachmentView.download", "DataExportView.download"}


def test_no_route_serves_files_by_name(app):
    """Flask-AppBuilder's ``/<view>/download/<filename>`` serves any file of
    UPLOAD_FOLDER; attachments go through the access-checked routes only."""
    by_name = [str(r) for r in registered_routes(app)
               if "/download/<" in r.rule and r.endpoint not in ACCESS_CHECKED_DOWNLOADS]
    assert not by_name
    admin = WebClient(app).login("quantri")
    for view in ("roles", "groups", "permissions", "viewmenus", "permissionviews", "users",
                 "departmentview", "registerview", "outgoing/drafts", "incoming/pending"):
        assert admin.get(f"/{view}/download/thu-nghiem.pdf").status_code == 404, view


# --- Creating: rows stay in the poster's agency and point only at its rows -------------------


class FormFields(HTMLParser):
    """The fields of the first form of a page holding a CSRF token: name -> (kind, value,
    options), as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, dict] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            self.fields.setdefault(name, {"kind": attrs.get("type") or "text",
                                          "value": attrs.get("value") or "", "options": [],
                                          "class": attrs.get("class") or ""})
        elif tag == "textarea" and name:
            self.fields.setdefault(name, {"kind": "textarea", "value": "", "options": [],
                                          "class": ""})
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, {"kind": "select", "value": "", "options": [],
                                          "class": attrs.get("class") or ""})
        elif tag == "option" and self._select:
            field = self.fields[self._select]
            value = attrs.get("value", "")
            field["options"].append(value)
            if "selected" in attrs:
                field["value"] = value

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    @classmethod
    def of(cls, html: str) -> dict[str, dict]:
        parser = cls()
        parser.feed(html)
        return parser.fields


DATE_NAMES = ("date", "day", "deadline")
NUMBER_NAMES = {"page_count": "1", "issued_amount": "1"}


def filled_form(html: str, unique: str) -> dict:
    """What a careful clerk would submit on the form: existing values kept, the first
    choice of each list that must have one, today for dates, plausible text elsewhere. Files are left out;
    check boxes stay as they are (a new register does not become the default)."""
    from app.i18n import local_today

    today = local_today()
    data: dict[str, Any] = {}
    for name, field in FormFields.of(html).items():
        kind, value = field["kind"], field["value"]
        if kind == "checkbox":
            if name == "active":
                data[name] = "y"
            continue
        if kind == "select":  # the chosen value; a list offering a blank stays blank
            options = field["options"]
            data[name] = value or ("" if "" in options else next(iter(options), ""))
        elif kind == "password":
            data[name] = "Quang-Ngai-2026!iso"
        elif value:
            data[name] = value
        elif "email" in name:
            data[name] = f"{unique.lower()}@quangngai.gov.vn"
        elif name == "username":
            data[name] = unique.lower()
        elif name == "year":
            data[name] = str(today.year)
        elif name in NUMBER_NAMES:
            data[name] = NUMBER_NAMES[name]
        elif any(part in name for part in DATE_NAMES) or "date" in field["class"]:
            data[name] = today.strftime("%d/%m/%Y")
        elif name in ("code", "exchange_endpoint", "phone", "official_email"):
            continue
        elif name == "abbreviation":
            data[name] = "ISO"
        else:
            data[name] = f"Về việc {unique}"
    return data


def api_create_body(view, objects: AgencyObjects, unique: str) -> tuple[dict, dict]:
    """A JSON body for a REST create by a user of agency A: required fields with
    plausible values, relations naming ``objects``' rows (or shared ones); and the
    relations apart, name -> model."""
    from marshmallow import fields as mm
    from marshmallow_sqlalchemy.fields import Related, RelatedList

    from app.i18n import local_today

    today = local_today()
    body: dict[str, Any] = {}
    relations: dict[str, Any] = {}
    for name, field in view.add_model_schema.fields.items():
        related = field.inner if isinstance(field, RelatedList) else field
        if isinstance(related, Related):
            model = related.related_model
            relations[name] = model
            if model.__name__ == "Role":
                role = db.session.scalars(select(model.id).where(model.name == "Officer")).one()
                body[name] = [role]
            elif field.required:
                ids = objects.ids.get(model) or shared_ids(model)
                body[name] = [ids[0]] if isinstance(field, RelatedList) else ids[0]
            continue
        if not field.required and name != "password":
            continue
        if isinstance(field, mm.Enum):
            member = next(iter(field.enum))
            body[name] = member.value if field.by_value else member.name
        elif isinstance(field, mm.Integer):
            body[name] = today.year if name == "year" else 1
        elif isinstance(field, mm.Boolean):
            body[name] = True
        elif isinstance(field, mm.Date):
            body[name] = today.isoformat()
        elif "email" in name:
            body[name] = f"{unique.lower()}@quangngai.gov.vn"
        elif name == "username":
            body[name] = unique.lower()
        elif name == "password":
            body[name] = "Quang-Ngai-2026!iso"
        else:
            body[name] = f"Về việc {unique}"
    db.session.rollback()
    return body, relations


def create_routes(app) -> list[Route]:
    return [r for r in registered_routes(app) if "POST" in r.methods and (
        (r.method_name == "add" and not r.is_api) or (r.method_name == "post" and r.is_api))]


def b_row_for(model, b: AgencyObjects) -> int | None:
    """One of agency B's rows of ``model`` (B itself for the agency), if B owns such rows."""
    if model is Agency:
        return b.agency_id
    if model is OutgoingDocument:  # an issued one, so only the agency differs
        return b.named["ISSUED"]
    ids = b.ids.get(model)
    return ids[0] if ids else None


@pytest.mark.parametrize("role", A_ROLES)
def test_every_create_route_keeps_rows_in_the_posters_agency(app, world, role):
    """Every create form and every REST create, once per relation with agency B's row in
    it (the agency, the department, the account, the register, the document replaced...)
    and the rest filled as a careful clerk would: the row is stored in the poster's own
    agency or refused, and never points at B's rows."""
    clients = RoleClients(app, role)
    wide = province_wide_resources(role)
    b = world.b
    failures: list[str] = []
    before = b_snapshot(b)
    known_crossings = set(cross_references(world.a.agency_id, b.agency_id))
    for number, route in enumerate(create_routes(app)):
        if route.resource in wide or "*" in wide:
            continue  # e.g. the Operator keeps every agency's directory mappings
        if route.is_api:
            _, relations = api_create_body(route.view, world.a, "x")
        else:
            page = clients.web.get(route.rule)
            if page.status_code != 200:
                continue  # no permission: FAB sends to the login page
            relations = {name: relation_model(route.view, name)
                         for name in FormFields.of(page.text)}
        for field, model in relations.items():
            foreign = b_row_for(model, b) if model is not None else None
            if foreign is None:
                continue
            unique = f"ISOC{b.token}{number}{field[:3].upper()}{role.split('.')[0][:4].upper()}"
            if route.is_api:
                body, _ = api_create_body(route.view, world.a, unique)
                body[field] = [foreign] if isinstance(body.get(field), list) else foreign
                response = clients.send(route, "POST", route.rule, body)
            else:
                page = clients.web.get(route.rule)
                form = {**filled_form(page.text, unique), field: str(foreign)}
                response = clients.send(route, "POST", route.rule, form)
            if response.status_code >= 500:
                failures.append(f"{role} POST {route} with B's {field}: {response.status_code}")
            changes = snapshot_diff(before, b_snapshot(b))
            if changes:
                failures.append(f"{role} POST {route} with B's {field} stored in agency B: "
                                f"{changes}")
                before = b_snapshot(b)
            crossed = set(cross_references(world.a.agency_id, b.agency_id)) - known_crossings
            if crossed:
                failures.append(f"{role} POST {route} with B's {field}: {sorted(crossed)}")
                known_crossings.update(crossed)
    assert not failures, "\n".join(failures)


def relation_model(view, name: str):
    datamodel = getattr(view, "datamodel", None)
    if datamodel is None or not datamodel.is_relation(name):
        return None
    return datamodel.get_related_model(name)


@pytest.fixture
def fresh_a(app):
    """New văn bản of agency A for the steps: waiting, registered (not presented),
    registered with its lead part given to Phòng Công nghệ thông tin, approved."""
    from app.registry import incoming
    from app.routing import assignments
    from app.routing.assignments import Target
    from tests.registry_data import approved_outgoing, paper_incoming

    token = new_token()
    waiting = incoming.receive(db.session, paper_incoming(STTTT, f"Về việc chờ {token}"))
    registered = incoming.receive(db.session, paper_incoming(STTTT, f"Về việc trình {token}"))
    incoming.register(db.session, registered)
    worked = incoming.receive(db.session, paper_incoming(STTTT, f"Về việc giao {token}"))
    incoming.register(db.session, worked)
    unit = db.session.query(Department).filter_by(
        agency_id=world_agency(STTTT), name="Phòng Công nghệ thông tin").one()
    (lead,) = assignments.assign(db.session, worked, None, [
        Target(assignments.AssignmentRole.lead, department=unit)])
    approved = approved_outgoing(STTTT, f"Về việc phát hành {token}")
    db.session.commit()
    return {"waiting": waiting.id, "registered": registered.id, "lead": lead.id,
            "approved": approved.id}


def world_agency(code: str) -> int:
    return db.session.scalars(select(Agency.id).where(Agency.code == code)).one()


def test_steps_refuse_another_agencys_units_people_and_registers(app, world, fresh_a):
    """Vào sổ, trình, phân công, giao chuyên viên and phát hành, on the screens and in the
    REST API, naming agency B's register, leader, department or officer: refused, and
    agency A's document is left as it was. The same forms with A's own choices work."""
    a, b = fresh_a, world.b
    own = world.a.named
    cntt_officer = db.session.scalars(select(UserAccount.id).where(
        UserAccount.username == "chuyenvien.stttt")).one()
    # (role, url, B's choice, A's own choice)
    screens = [
        ("vanthu.stttt", "/incoming/pending/paper",
         {"register": b.named["REGISTER"]}, {"register": own["REGISTER"]}),
        ("vanthu.stttt", f"/incoming/pending/register/{a['waiting']}",
         {"register": b.named["REGISTER"]}, {"register": own["REGISTER"]}),
        ("vanthu.stttt", f"/routing/present/{a['registered']}",
         {"leader": b.named["LEADER"]}, {"leader": own["LEADER"]}),
        ("lanhdao.stttt", f"/routing/assign/{a['registered']}",
         {"targets-0-assignee": f"u:{b.named['USER']}", "targets-0-role": "cooperate"},
         {"targets-0-assignee": f"d:{own['DEPT']}", "targets-0-role": "lead"}),
        ("truongphong.stttt", f"/work/part/{a['lead']}/sub-assign",
         {"officer": b.named["USER"]}, {"officer": cntt_officer}),
        ("vanthu.stttt", f"/outgoing/pending/issue/{a['approved']}",
         {"register": outgoing_register(b.agency_id)},
         {"register": outgoing_register(world.a.agency_id)}),
    ]
    # (role, url, body naming B's row, the field the refusal must name)
    api_steps = [
        ("vanthu.stttt", f"/api/v1/incoming/{a['waiting']}/register",
         {"register_id": b.named["REGISTER"]}, "register"),
        ("vanthu.stttt", f"/api/v1/incoming/{a['registered']}/present",
         {"leader_id": b.named["LEADER"]}, "leader_id"),
        ("lanhdao.stttt", f"/api/v1/incoming/{a['registered']}/assign",
         {"targets": [{"department_id": b.named["DEPT"], "role": "lead"}]}, "targets"),
        ("lanhdao.stttt", f"/api/v1/incoming/{a['registered']}/assign",
         {"targets": [{"user_id": b.named["USER"], "role": "lead"}]}, "targets"),
        ("truongphong.stttt", f"/api/v1/assignment/{a['lead']}/sub-assign",
         {"officer_id": b.named["USER"]}, "officer_id"),
        ("vanthu.stttt", f"/api/v1/outgoing/{a['approved']}/issue",
         {"register_id": outgoing_register(b.agency_id)}, "register"),
    ]

    def state():  # what the steps would change on A's documents
        db.session.expire_all()
        get = db.session.get
        return (get(IncomingDocument, a["waiting"]).status,
                get(IncomingDocument, a["registered"]).presented_to_id,
                get(IncomingDocument, a["registered"]).status,
                db.session.query(Assignment).filter_by(parent_id=a["lead"]).count(),
                get(OutgoingDocument, a["approved"]).status)

    start, before = state(), b_snapshot(b)
    known = set(cross_references(world.a.agency_id, b.agency_id))
    clients: dict[str, RoleClients] = {}
    failures = []
    for role, url, foreign, _ in screens:
        client = clients.setdefault(role, RoleClients(app, role))
        response = client.web.submit(url, {**filled_form(client.web.get(url).text, "x"),
                                           **{k: str(v) for k, v in foreign.items()}})
        if response.status_code != 200:  # the form comes back with the refusal
            failures.append(f"{role} POST {url} {foreign}: {response.status_code}")
    for role, url, body, field in api_steps:
        client = clients.setdefault(role, RoleClients(app, role))
        response = client.api.post(url, body)
        if response.status_code != 400 or field not in (response.json or {}).get("errors", {}):
            failures.append(f"{role} POST {url} {body}: {response.status_code} {response.text}")
    assert not failures, "\n".join(failures)
    assert state() == start
    assert not snapshot_diff(before, b_snapshot(b))
    assert set(cross_references(world.a.agency_id, b.agency_id)) == known

    # Positive control: the same forms with agency A's own choices go through.
    for role, url, _, own_choice in screens:
        client = clients[role]
        response = client.web.submit(url, {**filled_form(client.web.get(url).text, "y"),
                                           **{k: str(v) for k, v in own_choice.items()}})
        assert response.status_code == 302, f"{role} {url}: {response.status_code}"
    assert all(old != new for old, new in zip(start, state(), strict=True))


def outgoing_register(agency_id: int) -> int:
    from app.models import Direction

    return db.session.scalars(select(Register.id).where(
        Register.agency_id == agency_id, Register.direction == Direction.outgoing,
        Register.active.is_(True)).order_by(Register.is_default.desc(), Register.id)).first()


def test_api_edit_cannot_point_a_draft_at_another_agencys_rows(app, world):
    """PUT of a draft naming B's department, or B's issued document as the one it
    replaces: refused with the field named, the draft unchanged."""
    api = ApiClient(app).login("chuyenvien.stttt")
    created = api.post("/api/v1/outgoing/", {
        "subject": f"Về việc dự thảo {world.a.token}", "document_type": shared_ids(DocumentType)[0]})
    assert created.status_code == 201, created.text
    pk = created.json["id"]
    for field, value in (("drafting_department", world.b.named["DEPT"]),
                         ("replaces", world.b.named["ISSUED"])):
        response = api.put(f"/api/v1/outgoing/{pk}", {field: value})
        assert response.status_code == 400 and field in response.json["errors"], response.text
    db.session.expire_all()
    draft = db.session.get(OutgoingDocument, pk)
    assert draft.drafting_department_id is None and draft.replaces_id is None


def test_choice_lists_offer_only_own_agency_rows(app, world):
    """The lists to choose from — on add and edit forms, on the steps' forms and in the
    REST API's _info — offer agency A's departments, people and registers, never B's."""
    a, b = world.a, world.b
    forbidden = set(b.markers.values())
    pages = [
        ("qtcq.stttt", "/users/add", ["DEPT"]),
        ("qtcq.stttt", f"/users/edit/{a.named['USER']}", ["DEPT"]),
        ("chuyenvien.stttt", "/outgoing/drafts/add", ["DEPT"]),
        ("chuyenvien.stttt", f"/outgoing/drafts/edit/{a.named['DRAFT']}", ["DEPT"]),
        ("vanthu.stttt", "/incoming/pending/paper", ["REGISTER"]),
        ("vanthu.stttt", f"/routing/present/{a.named['INREG']}", ["LEADER"]),
        ("lanhdao.stttt", f"/routing/assign/{a.named['INREG']}", ["DEPT", "USER"]),
        ("qtcq.stttt", "/api/v1/user/_info", ["DEPT"]),
        ("qtcq.stttt", "/api/v1/department/_info", []),
        ("qtcq.stttt", "/api/v1/agency/_info", ["USER"]),
        ("chuyenvien.stttt", "/api/v1/outgoing/_info", ["DEPT"]),
    ]
    clients: dict[str, RoleClients] = {}
    for role, url, own in pages:
        client = clients.setdefault(role, RoleClients(app, role))
        response = (client.api.get(url) if url.startswith("/api/") else client.web.get(url))
        assert response.status_code == 200, f"{role} {url}: {response.status_code}"
        text = answer_text(response)
        assert not found_markers(text, forbidden), f"{role} {url}: {describe(found_markers(text, forbidden))}"
        missing = [what for what in own if a.markers[what].casefold() not in text]
        assert not missing, f"{role} {url} does not offer agency A's own {missing}"
