"""QĐ 778 Đ13.2: no way around the malware scanner, for the routes of today and those
added later.

(a) Statically: every function of the app that reads an uploaded body (``request.files``,
    ``request.stream``, ``request.data``, ``request.get_data()``) hands it to the upload
    pipeline in the same function; every route's view is app code checked that way or a
    Flask-AppBuilder view with no file columns and no file fields (FAB's own way of saving
    uploads).
(b) Dynamically: every rule of ``app.url_map`` that takes POST, PUT or PATCH is sent, as a
    System admin, multipart bodies carrying EICAR under the usual field names (and JSON
    bodies carrying it in base64), with URL parameters filled from real rows; afterwards no
    file of the instance and no row of the database holds EICAR, and no Attachment has its
    sha256. This runs on a throw-away copy of the app (own database and folders), so the
    requests may change or delete whatever they like.
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import importlib
import importlib.util
import inspect
import io
import itertools
import logging
import pkgutil
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask
from flask_appbuilder.upload import FileUploadField, ImageUploadField
from sqlalchemy import LargeBinary, String, Text, select
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

import app as app_package
from app import db
from app.models import AssignmentRole, Attachment, IncomingDocument, OutgoingDocument
from app.registry import incoming, outgoing
from app.routing import assignments
from app.routing.assignments import Target
from tests.directory_data import BINH_SON, STTTT, agency
from tests.registry_data import approved_outgoing, doc_type, paper_incoming
from tests.sample_files import CUSTOM_MARKER, EICAR, EICAR_PDF, sha256

# Every way app code may read an uploaded body, and the functions that scan it.
UPLOAD_READS = {"files", "stream", "input_stream", "data", "get_data"}
PIPELINE = {"accept_upload", "accept_all", "inspect_small_upload"}

# Field names a form or API may use for a file (multipart) or its base64 (JSON).
FIELD_NAMES = ["files", "file", "attachment", "attachments", "upload", "document", "scan",
               "image", "signature", "signature_image", "seal", "pkcs12", "p12", "key",
               "certificate", "content", "data", "package", "edxml"]
# EICAR dressed so that it passes the extension and leading-bytes checks of each type.
VARIANTS = {
    "eicar.pdf": EICAR_PDF,
    "eicar.png": b"\x89PNG\r\n\x1a\n" + EICAR,
    "eicar.jpg": b"\xff\xd8\xff\xe0" + EICAR,
    "eicar.zip": b"PK\x03\x04" + EICAR,
    "eicar.docx": b"PK\x03\x04" + EICAR,
    "eicar.xml": b'<?xml version="1.0"?>' + EICAR,
    "eicar.p12": EICAR,
    "eicar.pfx": EICAR,
    "eicar.cer": EICAR,
    "eicar.txt": EICAR,
}
VARIANT_HASHES = {sha256(data) for data in VARIANTS.values()}
BASE64_VARIANTS = {base64.b64encode(data).decode() for data in VARIANTS.values()}
TEXT_FIELDS = {"note": "Kiểm tra quét mã độc", "comment": "Kiểm tra", "reason": "Kiểm tra",
               "instruction": "Kiểm tra", "subject": "Kiểm tra quét mã độc"}

# Rules that take a file today: the sweep must reach the scanner on each (else it proves
# little); the list only grows.
KNOWN_UPLOAD_ENDPOINTS = {
    "IncomingDocumentApi.upload_files",
    "OutgoingDocumentApi.upload_files",
    "AssignmentApi.upload_working_files",
    "WorkView.progress",
    "WorkView.complete",
}


# --- (a) static ----------------------------------------------------------------------------------


def app_modules() -> dict[str, Path]:
    modules = {}
    for info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(info.name)
        if getattr(module, "__file__", None):
            modules[info.name] = Path(module.__file__)
    return modules


def _is_request(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "request") or (
        isinstance(node, ast.Attribute) and node.attr == "request")


def _calls(function: ast.AST) -> list[ast.expr]:
    return [node.func for node in ast.walk(function) if isinstance(node, ast.Call)]


def _resolve(call: ast.expr, namespace: dict, klass: type | None):
    """The object a call refers to, looked up the way Python would at run time:
    ``name(...)``, ``module.name(...)``, ``self.method(...)``/``cls.method(...)``."""
    if isinstance(call, ast.Name):
        return namespace.get(call.id)
    if isinstance(call, ast.Attribute) and isinstance(call.value, ast.Name):
        owner = call.value.id
        base = klass if owner in ("self", "cls") else namespace.get(owner)
        try:
            return getattr(base, call.attr, None)
        except RuntimeError:  # flask.request and friends outside a request
            return None
    return None


def _scans(target, depth: int = 0) -> bool:
    """Whether calling ``target`` passes through the upload pipeline (directly, or through
    app functions that do, a few calls deep)."""
    target = inspect.unwrap(getattr(target, "__func__", target))
    module = getattr(target, "__module__", "") or ""
    if getattr(target, "__name__", None) in PIPELINE and module.startswith("app.files"):
        return True
    if depth > 4 or not module.startswith("app.") or not inspect.isfunction(target):
        return False
    try:
        node = ast.parse(textwrap.dedent(inspect.getsource(target)))
    except (OSError, TypeError, SyntaxError):
        return False
    klass = _defining_class(target)
    namespace = vars(sys.modules[module])
    return any(_scans(callee, depth + 1) for call in _calls(node)
               if (callee := _resolve(call, namespace, klass)) is not None)


def _defining_class(function) -> type | None:
    parts = function.__qualname__.split(".")
    owner = sys.modules[function.__module__]
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
    return owner if isinstance(owner, type) else None


def upload_readers(module_name: str, path: Path) -> list[tuple[str, int, bool]]:
    """(function, line, passes through the pipeline) of each function of the module
    that reads an uploaded body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    namespace = vars(sys.modules[module_name])
    classes = {}
    for klass in ast.walk(tree):
        if isinstance(klass, ast.ClassDef):
            for child in ast.walk(klass):
                classes.setdefault(child, namespace.get(klass.name))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        reads = [n for n in ast.walk(function) if isinstance(n, ast.Attribute)
                 and n.attr in UPLOAD_READS and _is_request(n.value)]
        if not reads:
            continue
        klass = classes.get(function)
        scanned = any(_scans(callee, 1) for call in _calls(function)
                      if (callee := _resolve(call, namespace, klass)) is not None)
        found.append((getattr(function, "name", "<lambda>"), reads[0].lineno, scanned))
    return found


def test_every_function_reading_an_upload_passes_it_to_the_pipeline():
    readers, bypasses = [], []
    root = Path(app_package.__file__).parent.parent
    for module, path in app_modules().items():
        for function, line, scanned in upload_readers(module, path):
            readers.append(f"{module}.{function}")
            if not scanned:
                bypasses.append(f"{path.relative_to(root)}:{line} {function}() reads the "
                                f"request body without passing it to "
                                f"{' / '.join(sorted(PIPELINE))}")
    assert not bypasses, "\n".join(bypasses)
    # The check sees today's readers (if it saw none, it would prove nothing).
    assert {"app.registry.api.uploaded_files", "app.registry.views.prepare",
            "app.routing.work_views.progress"} <= set(readers)


PROBE = """
from flask import request
from app.files.pipeline import accept_upload


def saves_directly():
    request.files["file"].save("/tmp/unscanned")


def scans():
    return accept_upload(request.files["file"].stream, request.files["file"].filename)


def scans_through_a_helper():
    return keep(request.files.get("file"))


def keep(storage):
    return accept_upload(storage.stream, storage.filename)


class View:
    def post(self):
        return self._keep(request.files.get("image"))

    def put(self):
        return request.get_data()

    @staticmethod
    def _keep(storage):
        return keep(storage)
"""


def test_the_static_check_catches_a_bypass(tmp_path, monkeypatch):
    """Negative control: a module with a route that saves an upload unscanned."""
    path = tmp_path / "probe_uploads.py"
    path.write_text(PROBE)
    spec = importlib.util.spec_from_file_location("app.probe_uploads", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "app.probe_uploads", module)
    spec.loader.exec_module(module)
    verdicts = {name: scanned for name, _, scanned in upload_readers("app.probe_uploads", path)}
    assert verdicts == {"saves_directly": False, "scans": True, "scans_through_a_helper": True,
                        "post": True, "put": False}


def _view_of(flask_app: Flask, endpoint: str):
    function = flask_app.view_functions[endpoint]
    return getattr(function, "__self__", None), inspect.unwrap(function)


def test_every_route_is_app_code_or_a_fab_view_without_file_handling(app):
    """Each rule's view is checked by the test above (app code), or is Flask-AppBuilder's
    or Flask's: then its model has no file or image column and its forms no upload field,
    the only ways FAB saves a file itself (to UPLOAD_FOLDER, unscanned)."""
    checked_modules = set(app_modules())
    problems = []
    for rule in app.url_map.iter_rules():
        view, function = _view_of(app, rule.endpoint)
        module = function.__module__
        owners = [module] + [klass.__module__ for klass in type(view).__mro__] if view else [module]
        app_owners = [m for m in owners if m.startswith("app.")]
        if any(m not in checked_modules for m in app_owners):
            problems.append(f"{rule.rule}: {module} not covered by the static check")
        if not module.startswith(("app.", "flask_appbuilder.", "flask.")):
            problems.append(f"{rule.rule}: view from {module}, not checked for uploads")
        datamodel = getattr(view, "datamodel", None)
        if datamodel is not None and (datamodel.get_file_column_list()
                                      or datamodel.get_image_column_list()):
            problems.append(f"{rule.rule}: {type(view).__name__} has file/image columns")
        for form_name in ("add_form", "edit_form"):
            form = getattr(view, form_name, None)
            if form is None:
                continue
            for name in dir(form):
                field = getattr(form, name, None)
                if isinstance(field, UnboundField) and issubclass(
                        field.field_class, (FileUploadField, ImageUploadField)):
                    problems.append(f"{rule.rule}: {form_name}.{name} is FAB's file upload")
    assert not problems, "\n".join(problems)


# --- (b) dynamic ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep_app(db_engine_name, tmp_path_factory, pki, clamd_socket):
    """The real app on a throw-away database and folders, with the demo data, CSRF off
    (so that every request reaches its view), and rows for the URL parameters."""
    from tests.conftest import _create_pg_database, _drop_pg_database, demo_app, dispose_app

    instance = tmp_path_factory.mktemp("sweep-instance")
    pg_name = None
    if db_engine_name == "postgresql":
        pg_name, url = _create_pg_database()
    else:
        url = f"sqlite:///{instance / 'eoffice-sweep.db'}"  # inside the folder searched
    flask_app = demo_app(
        url, instance, pki, clamd_socket,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        # Errors answer 500 as in production instead of stopping the sweep.
        TESTING=False, PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False,
        SWEEP_INSTANCE=instance,
    )
    with flask_app.app_context():
        flask_app.config["SWEEP_IDS"] = _rows_for_url_parameters()
    yield flask_app
    dispose_app(flask_app)
    if pg_name:
        _drop_pg_database(pg_name)


SWEEPER = "sweep.admin"


def _sweep_admin():
    """A System admin of Sở TT&TT made for the sweep, created last: its id is above the
    ids the requests use, so no request deletes or edits it."""
    from flask import current_app

    from app.demo import DEMO_PASSWORD
    from app.security.roles import SYSTEM_ADMIN

    sm = current_app.appbuilder.sm
    user = sm.add_user(username=SWEEPER, first_name="Quét", last_name="Kiểm tra",
                       email="sweep.admin@quangngai.gov.vn", role=sm.find_role(SYSTEM_ADMIN),
                       password=DEMO_PASSWORD)
    user.agency = agency(STTTT)
    db.session.commit()
    return user


def _rows_for_url_parameters() -> list[int]:
    """Rows of Sở TT&TT (the sweep admin's agency) that take files, and their ids: a
    văn bản đến not yet registered, a draft văn bản đi, a part of the work held by the
    sweep admin."""
    admin = _sweep_admin()
    arrived = paper_incoming(STTTT, "Văn bản đến chờ vào sổ để thử tệp")
    incoming.receive(db.session, arrived)
    draft = OutgoingDocument(agency_id=agency(STTTT).id, document_type=doc_type("Công văn"),
                             subject="Dự thảo để thử tệp")
    outgoing.save_draft(db.session, draft)
    sent = approved_outgoing(BINH_SON, "Công văn gửi Sở để thử tệp xử lý", "Công văn")
    outgoing.issue(db.session, sent)
    (recipient,) = outgoing.send(db.session, sent, [agency(STTTT)])
    incoming.register(db.session, recipient.incoming)
    (part,) = assignments.assign(db.session, recipient.incoming, None, [
        Target(AssignmentRole.lead, user=admin, deadline=dt.date(2026, 12, 30))])
    db.session.commit()
    ids = sorted({1, arrived.id, draft.id, part.id, recipient.incoming.id})
    assert admin.id > max(ids)
    return ids


def _argument_values(rule, ids: list[int]) -> list[dict]:
    choices = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter) or name in ("pk", "id") or name.endswith("_id"):
            choices[name] = ids
        else:
            choices[name] = ["x"]
    names = list(choices)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*choices.values())]


def _multipart() -> dict:
    body: dict = dict(TEXT_FIELDS)
    for field in FIELD_NAMES:
        body[field] = [(io.BytesIO(data), name) for name, data in VARIANTS.items()]
    return body


def _json_body() -> dict:
    encoded = base64.b64encode(EICAR_PDF).decode()
    return {**TEXT_FIELDS, "filename": "eicar.pdf",
            **{field: encoded for field in FIELD_NAMES}}


class Sweeper:
    """A System admin signed in on the screens and on the API of the sweep app."""

    def __init__(self, flask_app: Flask) -> None:
        from tests.support import FreshContextClient

        self.app = flask_app
        self.client = FreshContextClient(flask_app.test_client(), flask_app)
        self.headers: dict[str, str] = {}
        self.login()

    def login(self) -> None:
        from app.demo import DEMO_PASSWORD

        page = self.client.post("/login/", data={"username": SWEEPER, "password": DEMO_PASSWORD})
        assert page.status_code == 302 and "/login" not in page.location, \
            "the sweep's System admin cannot sign in any more"
        token = self.client.post("/api/v1/security/login", json={
            "username": SWEEPER, "password": DEMO_PASSWORD, "provider": "db"})
        assert token.status_code == 200, token.text
        self.headers = {"Authorization": f"Bearer {token.json['access_token']}"}

    def send(self, method: str, url: str, multipart: bool):
        kwargs = ({"data": _multipart(), "content_type": "multipart/form-data"} if multipart
                  else {"json": _json_body()})
        response = self.client.open(url, method=method, headers=self.headers, **kwargs)
        if response.status_code == 302 and "/login" in (response.location or ""):
            self.login()  # a request signed us out: sign in again and retry once
            kwargs = ({"data": _multipart(), "content_type": "multipart/form-data"}
                      if multipart else {"json": _json_body()})
            response = self.client.open(url, method=method, headers=self.headers, **kwargs)
        return response


def _writing_rules(flask_app: Flask) -> list:
    rules = [r for r in flask_app.url_map.iter_rules() if r.methods & {"POST", "PUT", "PATCH"}
             and r.endpoint != "static"]
    # Deleting last, so that nothing the other requests need is gone before them.
    return sorted(rules, key=lambda r: ("delete" in r.endpoint.lower(), r.rule))


def _files_containing_malware(root: Path) -> list[str]:
    hits = []
    overlap = max(len(EICAR), len(CUSTOM_MARKER))
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        with path.open("rb") as file:
            tail = b""
            while chunk := file.read(1024 * 1024):
                window = tail + chunk
                if EICAR in window or CUSTOM_MARKER in window:
                    hits.append(str(path.relative_to(root)))
                    break
                tail = window[-overlap:]
    return hits


def _rows_containing_malware() -> list[str]:
    eicar_text = EICAR.decode("ascii")
    hits = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (LargeBinary, String, Text))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, (bytes, memoryview)) and EICAR in bytes(value):
                    hits.append(f"{table.name}.{column.name}")
                elif isinstance(value, str) and (
                        eicar_text in value or any(b in value for b in BASE64_VARIANTS)):
                    hits.append(f"{table.name}.{column.name}")
    return hits


def test_no_writing_route_stores_an_infected_file(sweep_app, caplog, monkeypatch):
    security = logging.getLogger("eoffice.security")
    monkeypatch.setattr(security, "disabled", False)
    caplog.set_level(logging.WARNING, logger="eoffice.security")
    ids = sweep_app.config["SWEEP_IDS"]
    sent, scanned = [], set()
    with sweep_app.app_context():
        sweeper = Sweeper(sweep_app)
        rules = _writing_rules(sweep_app)
        for rule in rules:
            for values, method, multipart in itertools.product(
                    _argument_values(rule, ids), sorted(rule.methods & {"POST", "PUT", "PATCH"}),
                    (True, False)):
                url = rule.build(values, append_unknown=False)[1]
                before = len(caplog.records)
                response = sweeper.send(method, url, multipart)
                sent.append((method, url, response.status_code))
                if any(r.name == "eoffice.security" and "malware found" in r.getMessage()
                       for r in caplog.records[before:]):
                    scanned.add(rule.endpoint)

        db.session.expire_all()
        stored = db.session.query(Attachment).filter(
            Attachment.sha256.in_(VARIANT_HASHES)).count()
        in_rows = _rows_containing_malware()
        documents = db.session.query(IncomingDocument).count()
    in_files = _files_containing_malware(sweep_app.config["SWEEP_INSTANCE"])

    assert len(rules) > 50 and len(sent) > len(rules)  # every writing route was tried
    assert stored == 0
    assert not in_files, f"EICAR found in files of the instance: {in_files}"
    assert not in_rows, f"EICAR found in database columns: {in_rows}"
    assert documents >= 2  # the rows the sweep used are still there to be checked
    missing = KNOWN_UPLOAD_ENDPOINTS - scanned
    assert not missing, f"the sweep never reached the scanner through {missing}"
