"""Field rules shared by văn bản đi and văn bản đến."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.models import Secrecy
from app.validation import check_required, run_checks

SECRET_REFUSED = _l(
    "State-secret documents (Mật, Tối mật, Tuyệt mật) may not be stored in this system "
    "(QĐ 778 Điều 1.2). Nothing was saved."
)


def check_not_secret(value: Any) -> str | None:
    """QĐ 778 Đ1.2: anything but "not secret" is refused."""
    if value in (None, "", Secrecy.none, Secrecy.none.value):
        return None
    return SECRET_REFUSED


def check_positive(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        ok = int(value) > 0
    except (TypeError, ValueError):
        ok = False
    return None if ok else _l("Enter a whole number greater than zero.")


COMMON_CHECKS = {
    "subject": [check_required],
    "secrecy": [check_not_secret],
    "page_count": [check_positive],
}


def document_errors(document: Any, extra: dict | None = None) -> dict[str, list[str]]:
    return run_checks(document, {**COMMON_CHECKS, **(extra or {})})
