"""The numbers a văn thư starts the day with: what waits, what is done this year."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import db
from app.i18n import local_today
from app.models import (
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
)
from app.routing.time_limits import URGENT
from app.security.scope import current_user, own_work_condition


@dataclass(frozen=True)
class Tile:
    label: str
    count: int
    urgent: int
    url: str


def _count(model, agency_id: int, *conditions) -> tuple[int, int]:
    own_work = own_work_condition(model, current_user())
    if own_work is not None:  # officers count only the documents they work on
        conditions += (own_work,)
    base = select(func.count()).select_from(model).where(model.agency_id == agency_id, *conditions)
    total = db.session.scalar(base)
    urgent = db.session.scalar(base.where(model.urgency.in_(list(URGENT)))) if total else 0
    return total, urgent


def tiles(agency_id: int, can_read) -> list[Tile]:
    """Counts for the user's agency, for the lists the user may open."""
    year = local_today().year
    result = []
    if can_read("Work"):
        result += my_work_tiles()
    if can_read("IncomingDocument"):
        for label, endpoint, conditions in (
            (_l("Waiting for registration"), "IncomingPendingView.list",
             (IncomingDocument.status == IncomingStatus.arrived,)),
            (_l("Registered this year"), "IncomingRegisteredView.list",
             (IncomingDocument.year == year,
              IncomingDocument.status.notin_([IncomingStatus.arrived, IncomingStatus.returned]))),
        ):
            total, urgent = _count(IncomingDocument, agency_id, *conditions)
            result.append(Tile(str(label), total, urgent, url_for(endpoint)))
    if can_read("OutgoingDocument"):
        for label, endpoint, conditions in (
            (_l("Drafts"), "OutgoingDraftView.list",
             (OutgoingDocument.status.in_([OutgoingStatus.draft, OutgoingStatus.in_review]),)),
            (_l("Waiting for issuance"), "OutgoingPendingView.list",
             (OutgoingDocument.status == OutgoingStatus.approved,)),
            (_l("Issued this year"), "OutgoingIssuedView.list",
             (OutgoingDocument.year == year, OutgoingDocument.status == OutgoingStatus.issued)),
        ):
            total, urgent = _count(OutgoingDocument, agency_id, *conditions)
            result.append(Tile(str(label), total, urgent, url_for(endpoint)))
    return result


def my_work_tiles() -> list[Tile]:
    """Việc của tôi: what the user leads or co-operates on, and what is overdue."""
    from app.routing.my_work import tab_counts

    counts = tab_counts(db.session, current_user(), local_today())
    return [
        Tile(str(_l("To process")), counts["process"] + counts["cooperate"], 0,
             url_for("WorkView.index", tab="process")),
        Tile(str(_l("Overdue")), counts["overdue"], 0,
             url_for("WorkView.index", tab="overdue")),
    ]
