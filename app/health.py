"""``GET /health``: can this web process do its work right now?

For load balancers and monitoring (no login, JSON, nothing secret: no paths, addresses or
credentials). Each check answers ``{"ok": bool, "detail": str}``:

- ``database``: a ``SELECT 1`` through the app's connection pool;
- ``malware_scanner``: clamd answers PING and VERSION (uploads are refused while it does
  not: QĐ 778 Đ13.2, fail closed); ``last_failure`` tells when and why the last scan of
  this process got no verdict, until clamd answers again;
- ``storage``: the attachment store accepts a write.

HTTP 200 with ``"status": "ok"`` when every check passes, else 503 with ``"fail"``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)


def check_database() -> dict:
    from app import db

    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "detail": db.engine.dialect.name}
    except Exception as error:  # any failure is the answer, not a crash
        log.error("health: database check failed: %s", error)
        db.session.rollback()
        return {"ok": False, "detail": f"database not answering ({type(error).__name__})"}


def check_malware_scanner() -> dict:
    from app.files import clamav

    failure = clamav.last_failure()
    result = clamav.health()
    answer: dict = {"ok": result.ok, "detail": result.detail}
    if failure and not result.ok:
        answer["last_failure"] = failure
    return answer


def check_storage() -> dict:
    """A small file written and removed in the store's temporary folder (where uploads
    are staged), so a full or read-only volume shows here before users see it."""
    tmp_dir = Path(current_app.config["STORAGE_DIR"]) / "tmp"
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="health-", dir=tmp_dir)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
        return {"ok": True, "detail": "writable"}
    except OSError as error:
        log.error("health: storage check failed: %s", error)
        return {"ok": False, "detail": f"not writable ({error.strerror or type(error).__name__})"}


@blueprint.get("/health")
def health():
    checks = {
        "database": check_database(),
        "malware_scanner": check_malware_scanner(),
        "storage": check_storage(),
    }
    ok = all(check["ok"] for check in checks.values())
    response = jsonify(status="ok" if ok else "fail", checks=checks)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def register_health(app: Flask) -> None:
    app.register_blueprint(blueprint)
