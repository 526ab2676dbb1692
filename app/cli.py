"""``flask eoffice ...``: commands for operators and developers."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.security.roles import role_label


@click.group("eoffice", help="eOffice administration commands.")
def eoffice_cli() -> None:
    pass


@eoffice_cli.command("sync-roles")
@with_appcontext
def sync_roles_command() -> None:
    """Create permissions and apply the role definitions of app/security/roles.py."""
    from app.security.roles import sync_roles

    for name in sync_roles():
        click.echo(f"  {name}: {role_label(name)}")
    click.echo("Roles are in step with the code.")


@eoffice_cli.command("sync-catalogues")
@with_appcontext
def sync_catalogues_command() -> None:
    """Apply the document types of NĐ 30 (Phụ lục III) from app/registry/catalogues.py."""
    from app import db
    from app.registry.catalogues import sync_document_types

    changed = sync_document_types(db.session)
    click.echo(f"Document types in step with the code ({changed} changed).")


@eoffice_cli.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the agencies of Quảng Ngãi and one demo account per role."""
    from app import db
    from app.demo import DEMO_PASSWORD, load_demo
    from app.registry.catalogues import sync_document_types
    from app.security.roles import sync_roles

    sync_roles()
    sync_document_types(db.session)
    users = load_demo()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {user.username:<22} {role_label(user.role):<24} {user.agency_code}")
