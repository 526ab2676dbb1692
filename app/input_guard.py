"""What the REST API accepts before anything reaches the database.

Flask-AppBuilder's generated schemas check types and text lengths; the database refuses
more: PostgreSQL stores no NUL character and INTEGER is 32-bit, SQLite's INTEGER 64-bit,
neither stores text that is not valid Unicode. And marshmallow-sqlalchemy turns an
unknown related id (or an object) into a *new* related row. These guards refuse such input
as a structured 400 on the field (``app.crud.ScopedModelApi``), ids that cannot name a row
answer 404, and a value that still gets past is refused (``refused_by_database``).
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.exceptions import ApplyFilterException
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate
from marshmallow_sqlalchemy.fields import Related, RelatedList
from sqlalchemy.exc import DataError, DBAPIError, StatementError
from werkzeug.routing import IntegerConverter

# Every table's id is an INTEGER: 32-bit on PostgreSQL, the stricter of the two engines.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_ID = INT_MAX
# Errors meaning "this value cannot be stored or compared", not "the server is broken":
# DataError (PostgreSQL: out of range, NUL byte, bad offset), OverflowError (SQLite:
# integer above 64 bits), UnicodeEncodeError (lone surrogates); SQLAlchemy wraps what its
# column types refuse while binding (an unknown enum value: LookupError) in StatementError.
REFUSED_BY_DATABASE = (DataError, OverflowError, UnicodeEncodeError)
REFUSED_WHILE_BINDING = (LookupError, TypeError, ValueError, OverflowError, UnicodeEncodeError)


def refused_by_database(error: BaseException) -> bool:
    """True if ``error`` is the database (or its driver) refusing a value given."""
    if isinstance(error, ApplyFilterException):  # FAB's wrapping of a filter value's error
        return True
    if isinstance(error, StatementError) and not isinstance(error, DBAPIError):
        return isinstance(error.orig, REFUSED_WHILE_BINDING)
    return isinstance(error, REFUSED_BY_DATABASE)


def known_id(value: Any) -> int | None:
    """``value`` (from a URL or a JSON body) as an id that may name a row, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<int:pk>`` in every route: a number no id can have does not match (404), instead
    of reaching the database and overflowing there."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install_id_converter(app) -> None:
    """Before any route is added."""
    app.url_map.converters["int"] = IdConverter


STORABLE_MESSAGE = _l("The text contains a character that cannot be stored.")


def storable(value: str) -> bool:
    """Text both engines can store: no NUL character, valid Unicode (no lone surrogate)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_text(value: Any) -> None:
    """marshmallow validator for ``storable``."""
    if isinstance(value, str) and not storable(value):
        raise ValidationError(str(STORABLE_MESSAGE))


# A lazy message: marshmallow formats it when it refuses, in the caller's language.
INTEGER_RANGE = validate.Range(min=INT_MIN, max=INT_MAX, error=_l("The number is out of range."))


class ExistingRow(Related):
    """A relation given by the id of an existing row. marshmallow-sqlalchemy's ``Related``
    makes a new row of an unknown id or of an object, which the save then stores or
    fails on; here both are refused on the field."""

    def _deserialize(self, value: Any, *args: Any, **kwargs: Any):
        key = known_id(value) if len(self.related_keys) == 1 else None
        row = self.session.get(self.related_model, key) if key is not None else None
        if row is None:
            raise ValidationError(str(_l("Unknown value: choose an existing entry.")))
        return row


def guard_field(field: fields.Field) -> None:
    if isinstance(field, RelatedList):
        guard_field(field.inner)
    elif type(field) is Related:
        # Same state, stricter loading: swap the class rather than rebuild FAB's field.
        field.__class__ = ExistingRow
    elif isinstance(field, fields.String) and storable_text not in field.validators:
        field.validators.append(storable_text)
    elif isinstance(field, fields.Integer) and INTEGER_RANGE not in field.validators:
        field.validators.append(INTEGER_RANGE)


def guard_schema(schema) -> None:
    """Apply the guards to every field a schema loads."""
    for field in schema.fields.values():
        guard_field(field)


def page_errors(args: dict, max_page_size: int) -> dict[str, list[str]]:
    """A rison ``page`` no query can use (negative, or an offset past any table) as
    errors on ``q``; FAB itself keeps ``page_size`` within 1..max_page_size."""
    page = args.get("page") or 0
    if not 0 <= page <= INT_MAX // max(max_page_size, 1):
        return {"q": [str(_l("The page number is out of range."))]}
    return {}
