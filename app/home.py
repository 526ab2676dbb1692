"""The start page: who you are, which agency you work for, where to go next."""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.registry.dashboard import tiles
from app.security.roles import role_label


class HomeView(IndexView):
    index_template = "eoffice/index.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        self.update_redirect()
        sm = self.appbuilder.sm
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            user=user,
            role_labels=[role_label(role.name) for role in user.roles],
            tiles=tiles(user.agency_id, lambda resource: sm.has_access("can_read", resource))
            if user.agency_id else [],
        )
