"""Flask-AppBuilder's own security screens (roles, groups, permissions, view menus,
permission-view pairs) without FAB's generic ``/<view>/download/<filename>`` route,
which serves any file of ``UPLOAD_FOLDER`` to whoever holds the view's permission:
attachments are served only by the access-checked routes of ``app.registry``
(QĐ 778 Đ2, Đ10). Same class names, so endpoints and permission names stay FAB's."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_appbuilder import expose
from flask_appbuilder.security import views as fab


class NoDownloadMixin:
    exclude_route_methods = {"download"}

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any):
        """An unknown action is a 404 (FAB's answers 500 before checking access)."""
        if name not in self.actions:
            abort(404)
        return super().action(name, pk)


class RoleModelView(NoDownloadMixin, fab.RoleModelView):
    pass


class UserGroupModelView(NoDownloadMixin, fab.UserGroupModelView):
    pass


class PermissionModelView(NoDownloadMixin, fab.PermissionModelView):
    pass


class ViewMenuModelView(NoDownloadMixin, fab.ViewMenuModelView):
    pass


class PermissionViewModelView(NoDownloadMixin, fab.PermissionViewModelView):
    pass
