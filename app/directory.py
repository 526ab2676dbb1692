"""Rules of the directory: agencies, departments and accounts.

``prepare_*`` normalise a row about to be saved, force its owning agency and raise
:class:`DomainValidationError` with every problem at once. Screens and the REST API
both call them, so a rule holds whichever way the data comes in.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.models import Agency, AgencyKind, Department, UserAccount
from app.security.scope import forbidden_roles, owning_agency_id
from app.validation import (
    check_abbreviation,
    check_agency_code,
    check_email,
    check_phone,
    check_required,
    check_url,
    normalise_agency_code,
    raise_if_errors,
    run_checks,
    unique_errors,
)


def role_holders(session, role: str, *, agency_id: int | None = None,
                 department_id: int | None = None, order_by=None) -> list[UserAccount]:
    """The active accounts holding ``role`` in an agency or a department (its leaders,
    its admins...), by ``order_by`` (default: id)."""
    role_model = UserAccount.roles.property.mapper.class_
    query = session.query(UserAccount).filter(UserAccount.active.is_(True),
                                              UserAccount.roles.any(role_model.name == role))
    if agency_id is not None:
        query = query.filter(UserAccount.agency_id == agency_id)
    if department_id is not None:
        query = query.filter(UserAccount.department_id == department_id)
    return query.order_by(order_by if order_by is not None else UserAccount.id).all()


AGENCY_KIND_LABELS = {
    AgencyKind.province: _l("Province"),
    AgencyKind.department: _l("Provincial department"),
    AgencyKind.district: _l("District"),
    AgencyKind.commune: _l("Commune"),
    AgencyKind.unit: _l("Unit"),
    AgencyKind.external: _l("Outside the province"),
}


AGENCY_CHECKS = {
    "code": [check_agency_code],
    "name": [check_required],
    "abbreviation": [check_required, check_abbreviation],
    "official_email": [check_email],
    "exchange_endpoint": [check_url],
}
DEPARTMENT_CHECKS = {
    "name": [check_required],
    "abbreviation": [check_abbreviation],
}
USER_CHECKS = {
    "username": [check_required],
    "first_name": [check_required],
    "last_name": [check_required],
    "email": [check_required, check_email],
    "official_email": [check_email],
    "phone": [check_phone],
}


def _strip(item: Any, *columns: str) -> None:
    for column in columns:
        value = getattr(item, column, None)
        if isinstance(value, str):
            setattr(item, column, value.strip() or None)


def _ancestry_errors(agency: Agency) -> dict[str, list[str]]:
    """An agency may not be its own parent, directly or further up."""
    seen = set()
    parent = agency.parent
    while parent is not None:
        if parent is agency or (agency.id is not None and parent.id == agency.id):
            return {"parent": [str(_l("An agency cannot be placed under itself."))]}
        if parent.id in seen:
            break
        seen.add(parent.id)
        parent = parent.parent
    return {}


def prepare_agency(session, agency: Agency) -> None:
    agency.code = normalise_agency_code(agency.code)
    _strip(agency, "name", "abbreviation", "place_name", "official_email", "exchange_endpoint")
    if agency.parent_id is not None and agency.parent is None:
        agency.parent = session.get(Agency, agency.parent_id)
    raise_if_errors(
        run_checks(agency, AGENCY_CHECKS),
        unique_errors(session, agency, ["code"]),
        _ancestry_errors(agency),
    )


def force_owning_agency(session, row: Any, resource: str, errors: dict) -> None:
    """Set ``row.agency`` to the agency it must belong to (never a posted id the user
    is not allowed to use) and note when there is none."""
    requested = row.agency.id if row.agency else row.agency_id
    row.agency_id = owning_agency_id(requested, resource)
    row.agency = session.get(Agency, row.agency_id) if row.agency_id else None
    if row.agency is None:
        errors.setdefault("agency", []).append(str(_l("Choose the agency.")))


def prepare_department(session, department: Department) -> None:
    _strip(department, "name", "abbreviation")
    errors = run_checks(department, DEPARTMENT_CHECKS)
    force_owning_agency(session, department, "Department", errors)
    if department.agency is not None and department.name:
        clash = (
            session.query(Department.id)
            .filter(Department.agency_id == department.agency_id)
            .filter(Department.name == department.name)
            .filter(Department.id != (department.id or 0))
            .first()
        )
        if clash:
            errors.setdefault("name", []).append(
                str(_l("This agency already has a department with this name."))
            )
    raise_if_errors(errors)


def prepare_user(session, user: UserAccount) -> None:
    _strip(user, "username", "first_name", "last_name", "email", "official_email",
           "phone", "position")
    errors = run_checks(user, USER_CHECKS)
    force_owning_agency(session, user, "User", errors)
    department = user.department or (
        session.get(Department, user.department_id) if user.department_id else None
    )
    if department is not None and department.agency_id != user.agency_id:
        errors.setdefault("department", []).append(
            str(_l("The department must belong to the user's agency."))
        )
    role_names = [role.name for role in user.roles or []]
    refused = forbidden_roles(role_names)
    if refused:
        errors.setdefault("roles", []).append(
            str(_l("You may not grant the role(s): %(roles)s.", roles=", ".join(refused)))
        )
    if not role_names:
        errors.setdefault("roles", []).append(str(_l("Choose at least one role.")))
    raise_if_errors(errors, unique_errors(session, user, ["username", "email"]))
