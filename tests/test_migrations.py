"""Alembic owns the schema: `flask db upgrade` builds it from an empty database (the
session fixture just did, on this run's engine), and the models never drift from it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app import db
from app.registry.search import is_search_object


def include_object(obj, name, type_, reflected, compare_to):
    return not is_search_object(name)


def test_upgrade_from_empty_database_reaches_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    assert isinstance(app.extensions["migrate"].migrate, Migrate)


def test_models_and_migrations_agree(app):
    """Fails when a model changes without a migration (run `flask db migrate`)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, Model.metadata)
    assert differences == [], f"models and migrations disagree: {differences}"


def test_every_model_table_exists_after_upgrade(app):
    from sqlalchemy import inspect

    tables = set(inspect(db.engine).get_table_names())
    assert {"agency", "department", "ab_user", "ab_role", "ab_permission_view_role"} <= tables
