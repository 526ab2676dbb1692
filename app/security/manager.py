"""The eOffice's Flask-AppBuilder security manager."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager

from app.models import UserAccount
from app.security.views import ScopedResetPasswordView, UserAccountView


class EofficeSecurityManager(SecurityManager):
    """FAB's manager with the eOffice account model and agency-scoped views."""

    user_model = UserAccount
    userdbmodelview = UserAccountView
    resetpasswordview = ScopedResetPasswordView
    # FAB's user statistics chart loads Google Charts from the internet.
    userstatschartview = None
