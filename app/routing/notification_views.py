"""Thông báo của tôi: a person's own notifications (reminders, new work), newest first.

Every query is held to the signed-in user's rows: someone else's notification is a 404,
never shown and never marked."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from app import db
from app.routing.notifications import (
    mark_read,
    notifications_of,
    own_notification,
    unread_count,
)

PAGE_SIZE = 50


class MarkAllReadForm(FlaskForm):
    """No fields: the CSRF token only."""


class NotificationView(BaseView):
    route_base = "/notifications"
    class_permission_name = "Notification"
    method_permission_name = {"list": "read", "open": "read", "mark_all_read": "read"}
    base_permissions = ["can_read"]
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        before = request.args.get("before", type=int)
        rows = notifications_of(db.session, g.user.id, before_id=before, limit=PAGE_SIZE)
        older = (url_for("NotificationView.list", before=rows[-1].id)
                 if len(rows) == PAGE_SIZE else None)
        return self.render_template(
            "eoffice/notifications.html", rows=rows, older=older, form=MarkAllReadForm(),
            title=_l("My notifications"), appbuilder=self.appbuilder,
        )

    @expose("/open/<int:pk>")
    @has_access
    def open(self, pk: int):
        """Opening a notification marks it read and goes to its document."""
        from app.registry.views import page_of

        row = own_notification(db.session, g.user.id, pk)
        if row is None:
            abort(404)
        mark_read(db.session, g.user.id, row.id)
        db.session.commit()
        if row.incoming is None:
            return redirect(url_for("NotificationView.list"))
        return redirect(page_of(row.incoming))

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        if not MarkAllReadForm().validate_on_submit():
            abort(400)
        mark_read(db.session, g.user.id)
        db.session.commit()
        flash(str(_l("All notifications are marked as read.")), "success")
        return redirect(url_for("NotificationView.list"))


def unread_notifications() -> int | None:
    """The bell's count in the navbar; None for those without notifications."""
    from flask import current_app

    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not current_app.appbuilder.sm.has_access("can_read", "Notification"):
        return None
    return unread_count(user.id)


def register_views(appbuilder) -> None:
    from flask import current_app

    # Reached from the bell in the navbar (templates/appbuilder/navbar_right.html).
    appbuilder.add_view_no_menu(NotificationView)
    current_app.jinja_env.globals["unread_notifications"] = unread_notifications
