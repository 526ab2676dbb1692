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


@eoffice_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Local day to remind for (default: today in Vietnam).")
@with_appcontext
def remind_command(today) -> None:
    """Run the reminder job (đôn đốc, NĐ 30 Đ24) once now: notifications and e-mails."""
    from flask import current_app

    from app.scheduler import run_once

    result = run_once(current_app._get_current_object(), today=today.date() if today else None)
    if result is None:
        click.echo("Another host is running the reminders right now; nothing done.")
        return
    reminders, emails = result.reminders, result.emails
    if not reminders.working_day:
        click.echo(f"{reminders.day:%d/%m/%Y} is not a working day: no reminders.")
    click.echo(f"Parts due soon: {reminders.due_soon}, overdue: {reminders.overdue}")
    click.echo(f"Notifications created: {reminders.created}")
    if emails.enabled:
        click.echo(f"E-mails sent: {emails.sent}, failures: {emails.failures}")
    else:
        click.echo("E-mails sent: 0 (EOFFICE_SMTP_HOST is not set)")


@eoffice_cli.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the reminder scheduler in the foreground (one process, e.g. under systemd)."""
    from flask import current_app

    from app.scheduler import build_scheduler

    scheduler = build_scheduler(current_app._get_current_object(), blocking=True)
    click.echo(f"Reminders at {current_app.config['EOFFICE_REMIND_AT']} "
               f"({current_app.config['EOFFICE_TIMEZONE']}); Ctrl+C to stop.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


@eoffice_cli.group("signatures", help="Digital signatures on PDF attachments.")
def signatures_cli() -> None:
    pass


@signatures_cli.command("verify")
@click.option("--all", "every", is_flag=True, help="Check every stored PDF attachment.")
@click.option("--attachment", "attachment_id", type=int, default=None,
              help="Check this attachment only (its id).")
@with_appcontext
def verify_signatures_command(every: bool, attachment_id: int | None) -> None:
    """Check the signatures of stored PDFs again, e.g. after the trust roots changed
    (TRUST_ROOTS_DIR); updates each document's legal status, and its history where the
    result changed."""
    from sqlalchemy import select

    from app import db
    from app.models import Attachment
    from app.signatures.documents import PDF_MIME
    from app.signatures.verify import verify_and_record

    if every == (attachment_id is not None):
        raise click.UsageError("Give either --all or --attachment ID.")
    query = select(Attachment.id).where(Attachment.mime_type == PDF_MIME).order_by(Attachment.id)
    if attachment_id is not None:
        query = query.where(Attachment.id == attachment_id)
    ids = db.session.scalars(query).all()
    if attachment_id is not None and not ids:
        raise click.ClickException(f"No PDF attachment with id {attachment_id}.")
    counts = {"valid": 0, "invalid": 0, "unsigned": 0}
    for start in range(0, len(ids), 100):
        for attachment in db.session.scalars(
                select(Attachment).where(Attachment.id.in_(ids[start:start + 100]))).all():
            verify_and_record(db.session, attachment, record_unchanged=False)
            counts[attachment.signature_state] = counts.get(attachment.signature_state, 0) + 1
        db.session.commit()
        db.session.expunge_all()
    click.echo(f"PDF files checked: {len(ids)} (valid: {counts['valid']}, "
               f"invalid: {counts['invalid']}, unsigned: {counts['unsigned']})")
