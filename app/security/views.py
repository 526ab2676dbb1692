"""Account screens: Flask-AppBuilder's user views, scoped by agency."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import (
    ResetMyPasswordView,
    ResetPasswordView,
    UserDBModelView,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from app.crud import READ_WRITE_METHODS, ScopedViewMixin
from app.directory import USER_CHECKS, prepare_user
from app.i18n import format_datetime
from app.security import login_guard, passwords
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
    "locked_at": _l("Locked"),
    "created_on": _l("Created on"),
    "changed_on": _l("Changed on"),
}

USER_FORM_COLUMNS = [
    "username", "first_name", "last_name", "email", "official_email", "phone",
    "agency", "department", "position", "roles", "active",
]


def format_roles(roles) -> str:
    return ", ".join(role_label(role.name) for role in roles or [])


def format_locked(locked_at) -> str:
    """Login protection: "Locked since ..." on a locked account, else nothing."""
    if locked_at is None:
        return ""
    return gettext("Locked since %(when)s", when=format_datetime(locked_at))


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
        "unlock": "write",
    }
    base_filters = scoped("User") + [["id", ProtectedAccountFilter, "User"]]
    base_order = ("username", "asc")
    list_title = _l("Users")
    label_columns = USER_LABELS
    list_columns = ["username", "last_name", "first_name", "agency", "department", "roles", "active",
                    "locked_at"]
    search_columns = ["username", "first_name", "last_name", "email", "agency", "department", "active"]
    show_fieldsets = [
        (_l("Account"), {"fields": ["username", "active", "locked_at", "roles", "agency", "department", "position"]}),
        (_l("Personal information"), {"fields": ["last_name", "first_name", "email", "official_email", "phone"]}),
        (_l("Activity"), {"fields": ["last_login", "login_count", "fail_login_count", "created_on", "changed_on"], "expanded": False}),
    ]
    user_show_fieldsets = show_fieldsets[:2]
    add_columns = USER_FORM_COLUMNS + ["password", "conf_password"]
    edit_columns = USER_FORM_COLUMNS
    formatters_columns = {"roles": format_roles, "locked_at": format_locked}
    validators_columns = form_validators(USER_CHECKS)
    add_form_query_rel_fields = edit_form_query_rel_fields = USER_REL_QUERIES
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "roles": roles_field(),
        # Password policy (app/security/passwords.py): not the typed user name or mailbox.
        "password": passwords.password_field(passwords.names_from_form),
    }
    edit_form_extra_fields = {"roles": roles_field()}
    search_form_query_rel_fields = {
        "agency": [["id", AgencyScopeFilter, "User"]],
        "department": [["agency_id", AgencyScopeFilter, "User"]],
    }

    def prepare(self, item) -> None:
        prepare_user(self.datamodel.session, item)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """FAB's account page, with "Unlock" beside "Reset Password" when it is locked."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        actions = {"resetpasswords": self.actions.get("resetpasswords")}
        if item.locked_at is not None:
            actions["unlock"] = self.actions["unlock"]
        widgets = self._get_show_widget(pk, item, actions=actions)
        self.update_redirect()
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, appbuilder=self.appbuilder,
                                    related_views=self._related_views)

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts so they can log in again?"),
            "fa-unlock", multiple=True, single=True)
    def unlock(self, items):
        """Login protection: an admin unlocks accounts locked by failed logins (only
        accounts they may manage; the action routes already hold them to their scope)."""
        accounts = [item for item in (items if isinstance(items, list) else [items])
                    if item is not None and can_manage_user(item)]
        session = self.datamodel.session
        unlocked = [a.username for a in accounts if login_guard.unlock(a, "admin", session=session)]
        session.commit()
        if unlocked:
            flash(gettext("Unlocked: %(names)s.", names=", ".join(unlocked)), "success")
        else:
            flash(gettext("None of the selected accounts was locked."), "info")
        return redirect(self.get_redirect())


class ScopedResetPasswordView(ResetPasswordView):
    """An admin resets only passwords of accounts they may manage. The new password
    follows the policy, and resetting it also unlocks the account (the admin has
    spoken to its owner)."""

    class_permission_name = "ResetPasswordView"
    form = passwords.ResetPasswordForm

    def _target_or_404(self):
        target = self.appbuilder.sm.get_user_by_id(request.args.get("pk"))
        if not can_manage_user(target):
            abort(404)
        return target

    def form_get(self, form) -> None:
        self._target_or_404()

    def form_post(self, form) -> None:
        target = self._target_or_404()
        super().form_post(form)
        if login_guard.unlock(target, "password_reset", session=self.appbuilder.sm.session):
            self.appbuilder.sm.session.commit()


class ScopedResetMyPasswordView(ResetMyPasswordView):
    """"Reset my password", under the password policy."""

    class_permission_name = "ResetMyPasswordView"
    form = passwords.ResetMyPasswordForm
