"""Việc của tôi and the units' workload: what each person and unit has to do, by
deadline, with what is late on top (NĐ 30 Đ24: theo dõi, đôn đốc).

Only queries live here; they use the indexes on assignment (user, status) and
(department, status), so a list costs the same with a million documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager

from app.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Department,
    IncomingDocument,
    IncomingStatus,
    UserAccount,
)
from app.security.scope import department_work, headed_department_id

OPEN = AssignmentStatus.completed  # anything but this is still to do
PAGE_SIZE = 50


def count_where(condition):
    """How many rows of a grouped query meet ``condition`` (0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def held_by(user):
    """Parts ``user`` answers for: given to them, or to the department they head."""
    condition = Assignment.user_id == user.id
    headed = headed_department_id(user)
    if headed:
        condition = or_(condition, Assignment.department_id == headed)
    return condition


def _parts(session, condition, page: int = 0):
    query = (
        select(Assignment).join(Assignment.incoming).options(contains_eager(Assignment.incoming))
        .where(condition)
        .order_by(IncomingDocument.priority.desc(),
                  Assignment.deadline.is_(None), Assignment.deadline, Assignment.id.desc())
    )
    return session.scalars(query.offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()


def tab_conditions(user, today: dt.date) -> dict[str, object]:
    """The tabs of Việc của tôi and what each holds."""
    mine = and_(held_by(user), Assignment.status != OPEN)
    return {
        "process": and_(mine, Assignment.role == AssignmentRole.lead),
        "cooperate": and_(mine, Assignment.role == AssignmentRole.cooperate),
        "inform": and_(mine, Assignment.role == AssignmentRole.inform),
        "overdue": and_(mine, Assignment.deadline < today),
        "done": and_(held_by(user), Assignment.status == OPEN),
    }


def my_parts(session, user, tab: str, today: dt.date, page: int = 0) -> list[Assignment]:
    condition = tab_conditions(user, today)[tab]
    if tab == "done":
        query = (select(Assignment).join(Assignment.incoming)
                 .options(contains_eager(Assignment.incoming)).where(condition)
                 .order_by(Assignment.completed_at.desc())
                 .offset(page * PAGE_SIZE).limit(PAGE_SIZE))
        return session.scalars(query).all()
    return _parts(session, condition, page)


def tab_counts(session, user, today: dt.date) -> dict[str, int]:
    conditions = tab_conditions(user, today)
    del conditions["done"]
    columns = [count_where(c).label(name) for name, c in conditions.items()]
    row = session.execute(select(*columns).where(held_by(user))).one()
    return dict(row._mapping)


# --- Văn thư and leaders: documents waiting to be presented or assigned ----------------------


def _waiting(agency_id: int, presented_to_id: int | None):
    """Registered, not yet assigned documents of the agency: for the văn thư those not
    presented yet, for a leader those presented to them or to no one."""
    condition = and_(IncomingDocument.agency_id == agency_id,
                     IncomingDocument.status == IncomingStatus.registered)
    if presented_to_id is None:
        return and_(condition, IncomingDocument.presented_at.is_(None))
    return and_(condition, or_(IncomingDocument.presented_to_id == presented_to_id,
                               IncomingDocument.presented_to_id.is_(None)))


def waiting_documents(session, agency_id: int, presented_to_id: int | None = None,
                      page: int = 0) -> list[IncomingDocument]:
    """Urgent first, then the oldest (its time limit comes first)."""
    query = (select(IncomingDocument).where(_waiting(agency_id, presented_to_id))
             .order_by(IncomingDocument.priority.desc(), IncomingDocument.id))
    return session.scalars(query.offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()


def waiting_count(session, agency_id: int, presented_to_id: int | None = None) -> int:
    return session.scalar(select(func.count()).select_from(IncomingDocument)
                          .where(_waiting(agency_id, presented_to_id)))


# --- Leaders: the workload of their units ----------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One unit's or person's open and finished parts."""

    name: str
    department_id: int | None
    user_id: int | None
    open: int
    processing: int
    overdue: int
    due_soon: int
    done_on_time: int
    done_late: int


def _workload_columns(today: dt.date, soon: dt.date):
    is_open = Assignment.status != OPEN
    done = Assignment.status == OPEN
    done_day = Assignment.completed_on
    return (
        count_where(is_open), count_where(Assignment.status == AssignmentStatus.processing),
        count_where(and_(is_open, Assignment.deadline < today)),
        count_where(and_(is_open, Assignment.deadline >= today, Assignment.deadline <= soon)),
        count_where(and_(done, or_(Assignment.deadline.is_(None),
                                   done_day <= Assignment.deadline))),
        count_where(and_(done, done_day > Assignment.deadline)),
    )


def unit_workload(session, agency_id: int, today: dt.date, soon: dt.date,
                  department_id: int | None = None) -> list[Workload]:
    """Per department of the agency (top-level parts given to it), or, for one
    department, per officer of it (parts given to them), since ``today``'s view."""
    columns = _workload_columns(today, soon)
    if department_id is None:
        rows = session.execute(
            select(Department.id, Department.name, *columns)
            .join(Assignment, and_(Assignment.department_id == Department.id,
                                   Assignment.parent_id.is_(None)), isouter=True)
            .where(Department.agency_id == agency_id)
            .group_by(Department.id, Department.name).order_by(Department.name)
        ).all()
        return [Workload(name, dep_id, None, *counts) for dep_id, name, *counts in rows]
    rows = session.execute(
        select(UserAccount.id, UserAccount.last_name, UserAccount.first_name, *columns)
        .join(Assignment, Assignment.user_id == UserAccount.id, isouter=True)
        .where(UserAccount.department_id == department_id, UserAccount.active.is_(True))
        .group_by(UserAccount.id, UserAccount.last_name, UserAccount.first_name)
        .order_by(UserAccount.first_name, UserAccount.last_name)
    ).all()
    return [Workload(f"{last} {first}", department_id, user_id, *counts)
            for user_id, last, first, *counts in rows]


def overdue_parts(session, agency_id: int, today: dt.date, department_id: int | None = None):
    """Open parts past their deadline in the agency (or one department), oldest first."""
    condition = and_(Assignment.agency_id == agency_id, Assignment.status != OPEN,
                     Assignment.deadline < today)
    if department_id is not None:
        condition = and_(condition, department_work(department_id))
    query = (select(Assignment).join(Assignment.incoming)
             .options(contains_eager(Assignment.incoming)).where(condition)
             .order_by(Assignment.deadline, Assignment.id).limit(PAGE_SIZE * 2))
    return session.scalars(query).all()
