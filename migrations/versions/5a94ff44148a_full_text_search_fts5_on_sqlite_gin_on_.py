"""full-text search: FTS5 on SQLite, GIN on PostgreSQL

Revision ID: 5a94ff44148a
Revises: 6a4a2e1c8772
Create Date: 2026-11-24 20:47:51.377616

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a94ff44148a'
down_revision = '6a4a2e1c8772'
branch_labels = None
depends_on = None


def upgrade():
    # Built by hand: Alembic has no notion of FTS5 tables or expression GIN indexes.
    # The statements live beside the search code (app.registry.search); they are
    # copied here so this revision never changes when that code does.
    bind = op.get_bind()
    for statement in _statements(bind.dialect.name):
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    for table, fts in TABLES.items():
        if bind.dialect.name == "sqlite":
            op.execute(f"DROP TABLE IF EXISTS {fts}")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")


TABLES = {"incoming_document": "incoming_fts", "outgoing_document": "outgoing_fts"}


def _statements(dialect):
    for table, fts in TABLES.items():
        if dialect == "sqlite":
            yield (f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', "
                   f"content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
            yield (f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
                   f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END")
            yield (f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, search_text) "
                   f"VALUES ('delete', old.id, old.search_text); END")
            yield (f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, search_text) "
                   f"VALUES ('delete', old.id, old.search_text); "
                   f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END")
            yield f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"
        else:
            yield (f"CREATE INDEX ix_{table}_search ON {table} "
                   f"USING gin (to_tsvector('simple', coalesce(search_text, '')))")
