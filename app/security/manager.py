"""The eOffice's Flask-AppBuilder security manager."""

from __future__ import annotations

from flask import current_app, g, has_request_context
from flask_appbuilder.const import AUTH_LDAP
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role

from app.models import UserAccount
from app.security import csrf, directory_auth, fab_views, login_guard, sessions
from app.security.views import (
    ScopedResetMyPasswordView,
    ScopedResetPasswordView,
    UserAccountView,
)


class EofficeSecurityManager(SecurityManager):
    """FAB's manager with the eOffice account model and agency-scoped views."""

    user_model = UserAccount
    userdbmodelview = UserAccountView
    resetpasswordview = ScopedResetPasswordView
    resetmypasswordview = ScopedResetMyPasswordView  # under the password policy
    # Under AUTH_LDAP (config.py) FAB lists users with this one: the same scoped screen.
    userldapmodelview = UserAccountView
    # FAB's user statistics chart loads Google Charts from the internet.
    userstatschartview = None
    # FAB's security screens without their generic /download/<filename> route.
    rolemodelview = fab_views.RoleModelView
    groupmodelview = fab_views.UserGroupModelView
    permissionmodelview = fab_views.PermissionModelView
    viewmenumodelview = fab_views.ViewMenuModelView
    permissionviewmodelview = fab_views.PermissionViewModelView

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        # CSRF on every form, session expiry and secure cookies, throttled logins answered
        # early. Before any view or API is registered, so that FAB exempts its REST APIs
        # from the form CSRF check (they have their own, app/security/csrf.py).
        csrf.install(current_app)
        sessions.install(current_app)
        login_guard.install(current_app)

    def auth_user_db(self, username, password):
        if self.auth_type == AUTH_LDAP:  # same rules whichever provider the REST login names
            return self.auth_user_ldap(username, password)
        return login_guard.guarded(
            self, username, lambda: super(EofficeSecurityManager, self).auth_user_db(username, password))

    def auth_user_ldap(self, username, password):
        return login_guard.guarded(
            self, username, lambda: directory_auth.authenticate(self, username, password))

    def register_views(self):
        super().register_views()
        # Local accounts keep their password screens under AUTH_LDAP (directory_views).
        from app.security.directory_views import register_password_views

        register_password_views(self)

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        """FAB asks the database once per menu item and button (17 queries a page,
        most of a page's time at a million documents, see bench/README.md); load the
        user's permissions once per request instead. Role changes apply from the next
        request."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        key = getattr(user, "id", None)
        cached = getattr(g, "_eoffice_permissions", None)
        if cached is None or cached[0] != key:
            cached = (key, self._permission_pairs(user))
            g._eoffice_permissions = cached
        return (permission_name, view_name) in cached[1]

    def _permission_pairs(self, user) -> frozenset[tuple[str, str]]:
        role_ids = [role.id for role in self.get_user_roles(user)]
        if not role_ids:
            return frozenset()
        pv = self.permissionview_model
        rows = (
            self.session.query(self.permission_model.name, self.viewmenu_model.name)
            .join(pv, pv.permission_id == self.permission_model.id)
            .join(self.viewmenu_model, pv.view_menu_id == self.viewmenu_model.id)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == pv.id)
            .filter(assoc_permissionview_role.c.role_id.in_(role_ids))
            .distinct()
        )
        return frozenset((permission, view) for permission, view in rows)
