"""Dates and times as Vietnamese users read them: dd/mm/yyyy, Asia/Ho_Chi_Minh.

The database stores naive UTC; everything shown goes through these helpers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Boolean, Date, DateTime, inspect

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"


def local_zone() -> ZoneInfo:
    name = current_app.config["EOFFICE_TIMEZONE"] if has_app_context() else "Asia/Ho_Chi_Minh"
    return ZoneInfo(name)


def utcnow() -> dt.datetime:
    """Naive UTC, the form every timestamp is stored in."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(local_zone())


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value)
    return value.strftime(DATE_FORMAT)


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime(DATETIME_FORMAT)


def format_yes_no(value: bool | None) -> str:
    from flask_babel import gettext

    return "" if value is None else (gettext("Yes") if value else gettext("No"))


def format_related(value: Any) -> str:
    return "" if value is None else str(value)


def format_blank(value: Any) -> Any:
    return "" if value is None else value


def format_filesize(size: int | None) -> str:
    """41 B, 12.3 KB, 1.2 MB: a clerk sees at a glance that a scan is not empty."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def display_formatters(model: Any) -> dict[str, Any]:
    """``formatters_columns`` showing a model the Vietnamese way: dates dd/mm/yyyy in
    Vietnam time, booleans as Có/Không, anything empty as blank (never "None")."""
    mapper = inspect(model)
    formatters: dict[str, Any] = {key: format_related for key in mapper.relationships.keys()}
    for column in mapper.columns:
        formatters[column.key] = format_blank
        if isinstance(column.type, DateTime):
            formatters[column.key] = format_datetime
        elif isinstance(column.type, Date):
            formatters[column.key] = format_date
        elif isinstance(column.type, Boolean):
            formatters[column.key] = format_yes_no
    return formatters


def register_template_filters(app) -> None:
    app.jinja_env.filters["vn_date"] = format_date
    app.jinja_env.filters["vn_datetime"] = format_datetime
    app.jinja_env.filters["filesize"] = format_filesize


class CatalogueTranslations:
    """WTForms messages ("Field cannot be longer than …") from the app's own Babel
    catalogue. WTForms ships no Vietnamese and Flask-WTF only reads WTForms' catalogues,
    so our ``vi`` catalogue carries those strings (see scripts/i18n_extract.py)."""

    def gettext(self, string: str) -> str:
        from flask_babel import get_translations

        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        from flask_babel import get_translations

        return get_translations().ungettext(singular, plural, n)


def install_form_translations() -> None:
    """Point every Flask-WTF form (FAB's included) at :class:`CatalogueTranslations`,
    through WTForms' documented ``Meta.get_translations`` hook."""
    from flask_wtf import FlaskForm

    translations = CatalogueTranslations()
    FlaskForm.Meta.get_translations = lambda self, form: translations


def local_today() -> dt.date:
    """Today in Vietnam: the date a clerk sees on the calendar."""
    return dt.datetime.now(local_zone()).date()
