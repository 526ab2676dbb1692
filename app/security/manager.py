"""The eOffice's Flask-AppBuilder security manager."""

from __future__ import annotations

from flask import g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role

from app.models import UserAccount
from app.security import directory_auth, login_guard
from app.security.views import ScopedResetPasswordView, UserAccountView


class EofficeSecurityManager(SecurityManager):
    """FAB's manager with the eOffice account model and agency-scoped views."""

    user_model = UserAccount
    userdbmodelview = UserAccountView
    resetpasswordview = ScopedResetPasswordView
    # FAB's user statistics chart loads Google Charts from the internet.
    userstatschartview = None

    def auth_user_db(self, username, password):
        return login_guard.guarded(
            self, username, lambda: super(EofficeSecurityManager, self).auth_user_db(username, password))

    def auth_user_ldap(self, username, password):
        return login_guard.guarded(
            self, username, lambda: directory_auth.authenticate(self, username, password))

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
