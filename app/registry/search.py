"""Accent-insensitive Vietnamese search over trích yếu, số ký hiệu, tác giả and người ký.

Each document keeps ``search_text``, its searchable fields folded by
:func:`app.registry.text.fold` ("Quyết định" → "quyet dinh", "đồng" → "dong"). The query
is folded the same way, so both engines compare plain ASCII words:

- SQLite: an FTS5 table per document table (external content, kept by triggers);
- PostgreSQL: a GIN index over ``to_tsvector('simple', search_text)``.

Both are created by migration 5a94ff44148a. Lists page by keyset (``id``
descending, "older than"), never by OFFSET, and count at most ``COUNT_CAP`` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, text

from app.models import IncomingDocument, OutgoingDocument
from app.registry.text import fold
from app.security.scope import current_user, own_work_condition

COUNT_CAP = 1000

TABLES = {"incoming_document": "incoming_fts", "outgoing_document": "outgoing_fts"}


def is_search_object(name: str | None) -> bool:
    """Objects Alembic must leave alone when comparing models (not in the metadata)."""
    return bool(name) and (
        any(name == fts or name.startswith(f"{fts}_") for fts in TABLES.values())
        or name in {f"ix_{table}_search" for table in TABLES}
    )


@dataclass(frozen=True)
class Filters:
    query: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    document_type_id: int | None = None
    urgency: str | None = None
    status: str | None = None
    register_id: int | None = None


@dataclass(frozen=True)
class Page:
    rows: list
    count: int  # capped at COUNT_CAP + 1: show "1000+"
    next_before_id: int | None

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP:,}+".replace(",", ".") if self.count > COUNT_CAP else str(self.count)


def _match(session, model, words: str):
    """A WHERE clause matching every word of ``words`` (already folded)."""
    table = model.__tablename__
    if session.get_bind().dialect.name == "postgresql":
        return text(
            f"to_tsvector('simple', coalesce({table}.search_text, '')) "
            "@@ plainto_tsquery('simple', :words)"
        ).bindparams(words=words)
    fts = TABLES[table]
    phrase = " ".join('"' + word.replace('"', "") + '"' for word in words.split())
    return model.id.in_(
        select(text("rowid")).select_from(text(fts))
        .where(text(f"{fts} MATCH :phrase").bindparams(phrase=phrase))
    )


def search(session, model, agency_id: int, filters: Filters, before_id: int | None = None,
           limit: int = 25) -> Page:
    """The newest documents of one agency matching the filters, ``limit`` at a time."""
    date_column = model.arrival_date if model is IncomingDocument else model.issued_date
    conditions = [model.agency_id == agency_id]
    own_work = own_work_condition(model, current_user())
    if own_work is not None:
        conditions.append(own_work)
    words = fold(filters.query)
    if words:
        conditions.append(_match(session, model, words))
    if filters.date_from:
        conditions.append(date_column >= filters.date_from)
    if filters.date_to:
        conditions.append(date_column <= filters.date_to)
    for column, value in (
        (model.document_type_id, filters.document_type_id),
        (model.urgency, filters.urgency),
        (model.status, filters.status),
        (model.register_id, filters.register_id),
    ):
        if value not in (None, ""):
            conditions.append(column == value)
    page_conditions = conditions + ([model.id < before_id] if before_id else [])
    rows = session.scalars(
        select(model).where(*page_conditions).order_by(model.id.desc()).limit(limit + 1)
    ).all()
    capped = select(model.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    count = session.scalar(select(func.count()).select_from(capped))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, count=count, next_before_id=rows[-1].id if has_more else None)


__all__ = ["search", "Filters", "Page", "IncomingDocument", "OutgoingDocument"]
