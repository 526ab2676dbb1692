"""Account screens: Flask-AppBuilder's user views, scoped by agency."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.views import ResetPasswordView, UserDBModelView
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from app.crud import READ_WRITE_METHODS, ScopedViewMixin
from app.directory import USER_CHECKS, prepare_user
from app.security.roles import ROLE_DEFINITIONS, role_label
from app.security.scope import (
    AgencyScopeFilter,
    ProtectedAccountFilter,
    can_grant_role,
    can_manage_user,
    scoped,
)
from app.validation import form_validators

USER_LABELS = {
    "username": _l("User name"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("E-mail"),
    "official_email": _l("Official e-mail"),
    "phone": _l("Phone"),
    "position": _l("Position"),
    "agency": _l("Agency"),
    "department": _l("Department"),
    "roles": _l("Roles"),
    "active": _l("Active"),
    "password": _l("Password"),
    "conf_password": _l("Confirm password"),
    "last_login": _l("Last login"),
    "login_count": _l("Login count"),
    "fail_login_count": _l("Failed login count"),
    "created_on": _l("Created on"),
    "changed_on": _l("Changed on"),
}

USER_FORM_COLUMNS = [
    "username", "first_name", "last_name", "email", "official_email", "phone",
    "agency", "department", "position", "roles", "active",
]


def format_roles(roles) -> str:
    return ", ".join(role_label(role.name) for role in roles or [])


class GrantableRoleFilter(BaseFilter):
    """Role choices list only roles the current user may hand out (never Public)."""

    name = "Grantable roles"
    arg_name = "grantable_roles"

    def apply(self, query, value):
        return query.filter(self.model.name.in_(grantable_role_names()))


def grantable_role_names() -> list[str]:
    return [d.name for d in ROLE_DEFINITIONS if can_grant_role(d.name)]


def grantable_roles():
    sm = current_app.appbuilder.sm
    roles = sm.session.query(sm.role_model).filter(sm.role_model.name.in_(grantable_role_names()))
    return sorted(roles, key=lambda role: role_label(role.name))


def roles_field() -> QuerySelectMultipleField:
    """Roles shown by their translated label, limited to what the user may grant."""
    return QuerySelectMultipleField(
        _l("Roles"),
        query_func=grantable_roles,
        get_pk_func=lambda role: role.id,
        get_label=lambda role: role_label(role.name),
        validators=[DataRequired(message=_l("Choose at least one role."))],
        widget=Select2ManyWidget(),
    )


USER_REL_QUERIES = {
    "agency": [["id", AgencyScopeFilter, "User"]],
    "department": [["agency_id", AgencyScopeFilter, "User"]],
    "roles": [["name", GrantableRoleFilter, None]],
}


class UserAccountView(ScopedViewMixin, UserDBModelView):
    """Người dùng: an agency admin sees and manages only their agency's accounts."""

    class_permission_name = "User"
    method_permission_name = {
        **READ_WRITE_METHODS,
        "userinfo": "userinfo",
        "resetmypassword": "userinfo",
        "userinfoedit": "userinfo",
        "resetpasswords": "write",
    }
    base_filters = scoped("User") + [["id", ProtectedAccountFilter, "User"]]
    base_order = ("username", "asc")
    list_title = _l("Users")
    label_columns = USER_LABELS
    list_columns = ["username", "last_name", "first_name", "agency", "department", "roles", "active"]
    search_columns = ["username", "first_name", "last_name", "email", "agency", "department", "active"]
    show_fieldsets = [
        (_l("Account"), {"fields": ["username", "active", "roles", "agency", "department", "position"]}),
        (_l("Personal information"), {"fields": ["last_name", "first_name", "email", "official_email", "phone"]}),
        (_l("Activity"), {"fields": ["last_login", "login_count", "fail_login_count", "created_on", "changed_on"], "expanded": False}),
    ]
    user_show_fieldsets = show_fieldsets[:2]
    add_columns = USER_FORM_COLUMNS + ["password", "conf_password"]
    edit_columns = USER_FORM_COLUMNS
    formatters_columns = {"roles": format_roles}
    validators_columns = form_validators(USER_CHECKS)
    add_form_query_rel_fields = edit_form_query_rel_fields = USER_REL_QUERIES
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "roles": roles_field(),
    }
    edit_form_extra_fields = {"roles": roles_field()}
    search_form_query_rel_fields = {
        "agency": [["id", AgencyScopeFilter, "User"]],
        "department": [["agency_id", AgencyScopeFilter, "User"]],
    }

    def prepare(self, item) -> None:
        prepare_user(self.datamodel.session, item)


class ScopedResetPasswordView(ResetPasswordView):
    """An admin resets only passwords of accounts they may manage."""

    class_permission_name = "ResetPasswordView"

    def _target_or_404(self):
        target = self.appbuilder.sm.get_user_by_id(request.args.get("pk"))
        if not can_manage_user(target):
            abort(404)
        return target

    def form_get(self, form) -> None:
        self._target_or_404()

    def form_post(self, form) -> None:
        self._target_or_404()
        super().form_post(form)
