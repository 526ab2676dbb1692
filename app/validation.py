"""One set of checks for forms and the REST API.

A *check* is a function ``value -> message | None``. The same check is wrapped as a
WTForms validator for the screens (error shown beside the field, input kept) and run
by the REST API before saving (structured 400 answer). Nothing is written when a check
fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms.validators import ValidationError as FormValidationError

Check = Callable[[Any], str | None]


class DomainValidationError(Exception):
    """Input that breaks a rule: ``errors`` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, list]):
        self.errors = {field: [str(m) for m in messages] for field, messages in errors.items()}
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


def refusal(field: str, message) -> DomainValidationError:
    """One rule broken on one field: ``raise refusal("status", _l("..."))``."""
    return DomainValidationError({field: [str(message)]})


# --- Checks -----------------------------------------------------------------------------

# QĐ 20/2020/QĐ-TTg: mã định danh is 13 characters, A1A2A3.B1B2.C1C2.D1D2D3.
AGENCY_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .-]{7,18}[0-9]$")
# Used inside ký hiệu (12/QĐ-UBND), so no spaces, "/" or "-".
ABBREVIATION_RE = re.compile(r"^[^\W_]+$")
URL_RE = re.compile(r"^https?://[^\s/]+(/\S*)?$")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_agency_code(code: str | None) -> str | None:
    """Codes are stored upper-case without surrounding blanks; empty means none."""
    code = (code or "").strip().upper()
    return code or None


def check_agency_code(value: str | None) -> str | None:
    code = normalise_agency_code(value) if isinstance(value, str) else value
    if code is None or (isinstance(code, str) and AGENCY_CODE_RE.match(code)):
        return None
    return _l(
        "The electronic identifier must look like ddd.dd.dd.Ldd (13 characters), "
        "for example 000.00.00.H48."
    )


def pattern_check(pattern: re.Pattern, message) -> Check:
    """A check that accepts a blank value or one matching ``pattern``."""

    def check(value: str | None) -> str | None:
        if blank(value) or pattern.match(value):
            return None
        return message

    return check


check_email = pattern_check(
    EMAIL_RE, _l("Not a valid e-mail address, for example vanthu@quangngai.gov.vn.")
)
check_phone = pattern_check(
    PHONE_RE, _l("Not a valid phone number: digits only, for example 0255 3822 123.")
)
check_abbreviation = pattern_check(
    ABBREVIATION_RE,
    _l("The abbreviation may contain only letters and digits, for example UBND or SNV."),
)
check_url = pattern_check(
    URL_RE, _l("Not a valid address: it must start with http:// or https://.")
)


def check_required(value: Any) -> str | None:
    return _l("This field is required.") if blank(value) else None


# --- Adapters ----------------------------------------------------------------------------


def form_validator(check: Check):
    """Wrap a check as a WTForms validator."""

    def validator(form, field):
        message = check(field.data)
        if message:
            raise FormValidationError(str(message))

    return validator


def form_validators(checks: Mapping[str, Iterable[Check]]) -> dict[str, list]:
    """``validators_columns`` for a ModelView from a table of checks."""
    return {column: [form_validator(c) for c in cs] for column, cs in checks.items()}


def run_checks(item: Any, checks: Mapping[str, Iterable[Check]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for column, column_checks in checks.items():
        for check in column_checks:
            message = check(getattr(item, column, None))
            if message:
                errors.setdefault(column, []).append(str(message))
    return errors


def unique_errors(session, item: Any, columns: Iterable[str]) -> dict[str, list[str]]:
    """Columns whose value another row already has (text compared case-insensitively)."""
    model = type(item)
    errors: dict[str, list[str]] = {}
    for column in columns:
        value = getattr(item, column, None)
        if blank(value):
            continue
        attribute = getattr(model, column)
        same = (func.lower(attribute) == value.lower()) if isinstance(value, str) \
            else (attribute == value)
        query = select(model.id).where(same)
        if item.id is not None:
            query = query.where(model.id != item.id)
        if session.execute(query.limit(1)).first():
            errors[column] = [str(_l("Already exists."))]
    return errors


def merge_errors(*parts: Mapping[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for field, messages in part.items():
            merged.setdefault(field, []).extend(messages)
    return merged


def raise_if_errors(*parts: Mapping[str, list[str]]) -> None:
    errors = merge_errors(*parts)
    if errors:
        raise DomainValidationError(errors)
