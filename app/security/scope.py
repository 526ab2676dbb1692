"""Who may see and change what: the one agency-scope rule (QĐ 778 Đ2, Đ10).

Every view and API filters rows through :class:`AgencyScopeFilter` (``base_filters``),
forces the agency on create through :func:`owning_agency_id`, and asks
:func:`can_grant_role` before handing out a role. Nothing else decides scope.

A user sees rows of their own agency. A role listed as ``province_wide`` for a resource
lifts that limit for that resource. The agency directory is readable by everyone,
because every clerk must be able to address documents to any agency.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import get_field_setup_query
from sqlalchemy import false, or_, select

from app.security.roles import DEPARTMENT_HEAD, PROTECTED_ROLES, ROLES_BY_NAME

# Resources whose rows every signed-in user may read, whatever their agency.
SHARED_READ = frozenset({"Agency"})

# View and API methods that change data, or show a form to change it.
WRITE_METHODS = frozenset({"add", "edit", "delete", "action", "action_post"})


def current_user():
    user = getattr(g, "user", None) if has_request_context() else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def role_names(user) -> set[str]:
    return {role.name for role in getattr(user, "roles", []) or []}


def request_access() -> str:
    """'write' for a request that changes data or opens an edit form, else 'read'."""
    if not has_request_context():
        return "read"
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return "write"
    method = (request.endpoint or "").rsplit(".", 1)[-1]
    return "write" if method in WRITE_METHODS else "read"


def is_province_wide(user, resource: str) -> bool:
    for name in role_names(user):
        definition = ROLES_BY_NAME.get(name)
        if definition and ({"*", resource} & definition.province_wide):
            return True
    return False


def visible_agency_id(resource: str, access: str, user=None) -> int | None | bool:
    """The agency a user is held to for this resource and access.

    Returns ``None`` when unrestricted, an agency id when limited to it, and ``False``
    when the user may see nothing (no agency, not signed in).
    """
    user = user if user is not None else current_user()
    if user is None:
        return False
    if access == "read" and resource in SHARED_READ:
        return None
    if is_province_wide(user, resource):
        return None
    return user.agency_id or False


def owning_agency_id(requested: int | None, resource: str, user=None) -> int | None:
    """The agency a new or edited row must belong to.

    Never trusts a posted agency id: a user held to an agency always gets their own,
    a province-wide user gets what they asked for.
    """
    scope = visible_agency_id(resource, "write", user)
    if scope is None:
        return requested
    return scope or None


def can_grant_role(role_name: str, user=None) -> bool:
    """QĐ 778 Đ8.2c, Đ19.1d: only a System admin hands out protected roles."""
    user = user if user is not None else current_user()
    if user is None:
        return False
    if is_province_wide(user, "User"):
        return True
    return role_name not in PROTECTED_ROLES


def forbidden_roles(role_names_: Iterable[str], user=None) -> list[str]:
    return sorted(name for name in role_names_ if not can_grant_role(name, user))


def may_read(model, row, resource: str, agency_id: int | None = None, user=None) -> bool:
    """Whether ``user`` may read one row: the agency rule of ``resource`` (on
    ``agency_id``, by default the row's own), then the own-work rule."""
    from app import db

    user = user if user is not None else current_user()
    allowed = visible_agency_id(resource, "read", user)
    owner = row.agency_id if agency_id is None else agency_id
    if allowed is False or (allowed is not None and allowed != owner):
        return False
    condition = own_work_condition(model, user)
    if condition is None:
        return True
    return db.session.scalar(select(model.id).where(model.id == row.id, condition)) is not None


def reads_own_work_only(user, resource: str = "IncomingDocument") -> bool:
    """True when every role giving ``user`` the resource limits it to their own work."""
    granting = [
        definition for definition in (ROLES_BY_NAME.get(name) for name in role_names(user))
        if definition and (resource in definition.grants
                           or {"*", resource} & definition.province_wide)
    ]
    return bool(granting) and all(resource in d.own_work_only for d in granting)


def headed_department_id(user) -> int | None:
    """The department ``user`` heads (lãnh đạo phòng), if any."""
    if user is not None and user.department_id and DEPARTMENT_HEAD in role_names(user):
        return user.department_id
    return None


def department_work(department_id: int):
    """Parts of the work a department has (NĐ 30 Đ24): given to it, or to one of its
    people. The one condition behind the own-work rule, the workload and the reports."""
    from app.models import Assignment, UserAccount

    members = select(UserAccount.id).where(UserAccount.department_id == department_id)
    return or_(Assignment.department_id == department_id, Assignment.user_id.in_(members))


def own_work_condition(model, user):
    """The SQL condition limiting ``model`` rows to the văn bản đến where ``user`` has
    work: a part given to them, to their department if they head it, or to an officer
    of that department, or a document presented to them. ``None``: no limit."""
    from app.models import Assignment, Attachment, IncomingDocument

    column = {IncomingDocument: IncomingDocument.id, Attachment: Attachment.incoming_id,
              Assignment: Assignment.incoming_id}.get(model)
    if column is None or user is None or not reads_own_work_only(user):
        return None
    mine = Assignment.user_id == user.id
    headed = headed_department_id(user)
    if headed:
        mine = or_(mine, department_work(headed))
    documents = select(Assignment.incoming_id).where(mine)
    if model is IncomingDocument:
        return or_(column.in_(documents), IncomingDocument.presented_to_id == user.id)
    if model is Attachment:  # files of văn bản đi stay under the agency rule
        return or_(column.is_(None), column.in_(documents))
    return column.in_(documents)


def posted_rows(item) -> list[tuple[str, object]]:
    """The rows just set on ``item``'s many-to-one relations (a department, an account, a
    register, a document...): what a form or a JSON body named by id, loaded."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.orm import MANYTOONE

    state = sa_inspect(item)
    return [
        (relation.key, row)
        for relation in state.mapper.relationships if relation.direction is MANYTOONE
        for row in state.attrs[relation.key].history.added if row is not None
    ]


def foreign_rows(item, rows: list[tuple[str, object]]) -> dict[str, list[str]]:
    """Refusals for ``rows`` (from :func:`posted_rows`) that belong to another agency
    than ``item`` now does: a row only points at rows of its own agency, whatever id was
    posted (QĐ 778 Đ2, Đ10). Rows without an agency (agencies, document types) are
    shared and never refused."""
    from flask_babel import lazy_gettext as _l

    owner = getattr(item, "agency_id", None)
    errors: dict[str, list[str]] = {}
    for field, row in rows:
        agency_id = getattr(row, "agency_id", None)
        if owner is not None and agency_id is not None and agency_id != owner:
            errors.setdefault(field, []).append(str(_l("Not a valid choice.")))
    return errors


class AgencyScopeFilter(BaseFilter):
    """``base_filters`` entry: ``["agency_id", AgencyScopeFilter, "<resource>"]``.

    Also holds officers and department heads to the văn bản đến they work on."""

    name = "Agency scope"
    arg_name = "agency_scope"

    def apply(self, query, resource: str):
        agency_id = visible_agency_id(resource, request_access())
        condition = own_work_condition(self.model, current_user())
        if condition is not None:
            query = query.filter(condition)
        if agency_id is None:
            return query
        query, field = get_field_setup_query(query, self.model, self.column_name)
        if agency_id is False:
            return query.filter(false())
        return query.filter(field == agency_id)


def scoped(resource: str, column: str = "agency_id") -> list[list]:
    """The ``base_filters`` value for a resource owned through ``column``."""
    return [[column, AgencyScopeFilter, resource]]


def can_manage_user(target, user=None) -> bool:
    """Whether ``user`` may edit, reset or deactivate the account ``target``.

    Accounts holding a protected role (System admin, Operator) are out of reach of
    anyone not province-wide, even inside their own agency.
    """
    user = user if user is not None else current_user()
    if user is None or target is None:
        return False
    if is_province_wide(user, "User"):
        return True
    if role_names(target) & PROTECTED_ROLES:
        return False
    return bool(user.agency_id) and target.agency_id == user.agency_id


class ProtectedAccountFilter(BaseFilter):
    """``base_filters`` entry on accounts: on write access, hides accounts holding a
    protected role from anyone not province-wide."""

    name = "Protected accounts"
    arg_name = "protected_accounts"

    def apply(self, query, resource: str):
        user = current_user()
        if request_access() != "write" or (user and is_province_wide(user, resource)):
            return query
        role_model = self.model.roles.property.mapper.class_
        return query.filter(~self.model.roles.any(role_model.name.in_(PROTECTED_ROLES)))
