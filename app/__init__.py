"""eOffice: Hệ thống quản lý văn bản và điều hành for the agencies of a province.

``create_app()`` builds one stateless web process: configuration from ``config.py`` and
the environment, SQLAlchemy, Flask-AppBuilder (security, views, REST APIs, Babel),
Alembic migrations and the ``flask eoffice`` commands.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from sqlalchemy import inspect
from werkzeug.middleware.proxy_fix import ProxyFix

db = SQLA()
migrate = Migrate()
log = logging.getLogger(__name__)


def _process_clock_in_utc() -> None:
    """Timestamps are stored in UTC. Flask-AppBuilder stamps users with the naive local
    ``datetime.now()``, so the process clock runs in UTC; screens convert to Vietnam time."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    _process_clock_in_utc()
    app = Flask(__name__, instance_relative_config=False)
    from app.input_guard import install_id_converter

    install_id_converter(app)  # before any route: ids no row can have answer 404
    app.config.from_object("config")
    if overrides:
        app.config.update(overrides)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["PROXY_FIX_HOPS"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=app.config["PROXY_FIX_HOPS"],
            x_proto=app.config["PROXY_FIX_HOPS"],
            x_host=app.config["PROXY_FIX_HOPS"],
        )

    with app.app_context():
        db.init_app(app)
        migrate.init_app(app, db, directory=str(_migrations_dir()))
        appbuilder = AppBuilder(indexview=_index_view())
        appbuilder.init_app(app, db.session)
        _register(appbuilder)
        from app.cli import eoffice_cli
        from app.i18n import install_form_translations, register_template_filters

        app.cli.add_command(eoffice_cli)
        register_template_filters(app)
        install_form_translations()
        from app.errors import register_error_pages
        from app.registry import history  # noqa: F401  (never-delete and append-only guards)
        from app.security import audit_hooks  # noqa: F401  (account changes in the audit log)

        register_error_pages(app)
        from app.files import clamav
        from app.files.pipeline import register_inspector
        from app.health import register_health
        from app.security.headers import register_security_headers

        # QĐ 778 Đ13.2: scan before attaching — every upload, whatever its way in.
        register_inspector(app, clamav.inspect)
        register_health(app)
        register_security_headers(app)  # CSP, nosniff, frame and referrer policies, HSTS
        if app.config["EOFFICE_SYNC_ROLES_ON_START"]:
            _sync_reference_data_if_migrated()
    return app


def _ensure_sqlite_folder(uri: str) -> None:
    """The embedded default database lives in instance/; create the folder on first run."""
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _migrations_dir():
    return Path(__file__).resolve().parent.parent / "migrations"


def _index_view():
    from app.home import HomeView

    return HomeView


def _register(appbuilder: AppBuilder) -> None:
    from app.accounts.views import register_views as register_account_views
    from app.api import AgencyApi, DepartmentApi, UserApi
    from app.menu import N_, move_menu_item
    from app.registry.api import register_apis as register_registry_apis
    from app.registry.views import register_views as register_registry_views
    from app.reports.views import register_views as register_report_views
    from app.routing.api import register_apis as register_routing_apis
    from app.routing.notification_views import register_views as register_notification_views
    from app.routing.views import register_views as register_routing_views
    from app.routing.work_views import register_views as register_work_views
    from app.security.audit_views import register_views as register_audit_views
    from app.security.directory_views import register_views as register_directory_views
    from app.signatures.views import register_views as register_signing_views
    from app.views import AgencyView, DepartmentView

    appbuilder.add_view(
        AgencyView, "Agencies", label=N_("Agencies"), icon="fa-building",
        category="Directory", category_label=N_("Directory"), category_icon="fa-sitemap",
    )
    appbuilder.add_view(
        DepartmentView, "Departments", label=N_("Departments"), icon="fa-users",
        category="Directory",
    )
    move_menu_item(appbuilder.menu, "List Users", "Directory")
    register_registry_views(appbuilder)
    register_routing_views(appbuilder)
    register_work_views(appbuilder)
    register_notification_views(appbuilder)
    register_report_views(appbuilder)
    register_signing_views(appbuilder)
    register_account_views(appbuilder)
    register_directory_views(appbuilder)
    register_audit_views(appbuilder)
    appbuilder.add_api(AgencyApi)
    appbuilder.add_api(DepartmentApi)
    appbuilder.add_api(UserApi)
    register_registry_apis(appbuilder)
    register_routing_apis(appbuilder)


def _sync_reference_data_if_migrated() -> None:
    """Apply roles and catalogues from the code at start-up once the schema exists
    (Alembic owns it)."""
    from app.registry.catalogues import sync_document_types
    from app.security.roles import sync_roles

    tables = set(inspect(db.engine).get_table_names())
    if not {"ab_permission_view_role", "document_type"} <= tables:
        log.warning("database not migrated yet: run `flask db upgrade`; roles not synced")
        return
    sync_roles()
    sync_document_types(db.session)
