"""Account screens: Flask-AppBuilder's user views, scoped by agency."""

from __future__ import annotations

from flask import abort, request
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.views import ResetPasswordView, UserDBModelView
from flask_babel import lazy_gettext as _l

from app.crud import READ_WRITE_METHODS, ScopedViewMixin
from app.directory import USER_CHECKS, prepare_user
from app.security.roles import role_label
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
    """Role dropdowns list only roles the current user may hand out."""

    name = "Grantable roles"
    arg_name = "grantable_roles"

    def apply(self, query, value):
        role_names = [name for (name,) in query.with_entities(self.model.name).all()]
        allowed = [name for name in role_names if can_grant_role(name)]
        return query.filter(self.model.name.in_(allowed))


ROLE_QUERY = {"roles": [["name", GrantableRoleFilter, None]]}
USER_REL_QUERIES = {
    "agency": [["id", AgencyScopeFilter, "User"]],
    "department": [["agency_id", AgencyScopeFilter, "User"]],
    **ROLE_QUERY,
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
