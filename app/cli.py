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
    if current_app.config.get("AUTH_LDAP_SERVER"):
        click.echo(f"Mail directory sync at {current_app.config['EOFFICE_DIRECTORY_SYNC_AT']}.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


@eoffice_cli.command("directory-sync")
@with_appcontext
def directory_sync_command() -> None:
    """Run the mail directory sync once now: deactivate accounts whose mailbox was
    revoked or disabled, report new and moved mailboxes to the agency admins."""
    from flask import current_app

    from app.security.directory_sync import run_sync

    if not current_app.config.get("AUTH_LDAP_SERVER"):
        raise click.ClickException("AUTH_LDAP_SERVER is not set: there is no directory to sync.")
    report = run_sync(current_app._get_current_object())
    if report is None:
        click.echo("Another host is running the directory sync right now; nothing done.")
        return
    if not report.ok:
        raise click.ClickException(f"The directory sync failed, nothing changed: {report.error}")
    click.echo(f"Mailboxes read: {report.entries}, accounts found: {report.seen}")
    for title, items in (("Deactivated", report.deactivated), ("New", report.new),
                         ("Moved to another agency", report.moved),
                         ("New without an agency", report.unplaced)):
        click.echo(f"{title}: {len(items)}" + (f" ({', '.join(items[:20])}"
                                                f"{', ...' if len(items) > 20 else ''})"
                                                if items else ""))
    click.echo(f"Notifications to agency admins: {report.notifications}")


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


@eoffice_cli.group("audit", help="The audit log (nhật ký hệ thống): verify and export.")
def audit_cli() -> None:
    pass


@audit_cli.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """Check the hash chain of the audit log; exit 1 at the first altered entry."""
    from app import db
    from app.security.audit import verify_chain
    from app.security.audit_export import format_at

    report = verify_chain(db.session)
    if report.ok:
        click.echo(f"Audit log intact: {report.checked} entries checked.")
        if report.last_id:
            click.echo(f"Newest entry: {report.last_id}, hash {report.last_hash}")
        return
    click.echo(f"Audit log ALTERED at entry {report.first_bad_id} "
               f"({format_at(report.first_bad_at)} Vietnam time, event "
               f"{report.first_bad_event}): {report.reason}.")
    click.echo(f"Entries intact before it: {report.checked}.")
    raise SystemExit(1)


@audit_cli.command("export")
@click.option("--from", "date_from", help="First day, dd/mm/yyyy (Vietnam time).")
@click.option("--to", "date_to", help="Last day, dd/mm/yyyy (Vietnam time).")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write.")
@click.option("--event", help="Only this event (e.g. roles_changed).")
@click.option("--actor", help="Only users whose name contains this.")
@click.option("--agency", help="Only this agency (electronic identifier or id).")
@click.option("--target", help="Only this object (e.g. user:12).")
@click.option("--ip", help="Only addresses starting with this.")
@with_appcontext
def audit_export_command(date_from, date_to, file_format, output, event, actor, agency, target,
                         ip) -> None:
    """Write the audit log entries, newest first, to a CSV (UTF-8 with BOM) or XLSX file."""
    import getpass

    from app import db
    from app.models import Agency
    from app.security import audit_export
    from app.security.audit import AuditEvent, record_audit

    days = {}
    for name, value in (("--from", date_from), ("--to", date_to)):
        days[name] = audit_export.parse_day(value) if value else None
        if value and days[name] is None:
            raise click.BadParameter("use dd/mm/yyyy, e.g. 05/03/2026", param_hint=name)
    agency_id = None
    if agency:
        found = db.session.query(Agency).filter_by(code=agency).first()
        if found is None and agency.isdigit() and len(agency) < 10:
            found = db.session.get(Agency, int(agency))
        if found is None:
            raise click.BadParameter(f"no agency {agency!r}", param_hint="--agency")
        agency_id = found.id
    query = audit_export.filtered(db.session, days["--from"], days["--to"], event, actor,
                                  agency_id, target, ip)
    count = query.order_by(None).count()
    if file_format == "xlsx" and count > audit_export.XLSX_LIMIT:
        raise click.ClickException(f"{count} entries are too many for Excel; use --format csv "
                                   "or narrow the filters.")
    criteria = {"from": date_from, "to": date_to, "event": event, "actor": actor,
                "agency": agency, "target": target, "ip": ip}
    record_audit(AuditEvent.AUDIT_EXPORTED, actor_name=f"{getpass.getuser()} (command line)",
                 target="audit_log", detail={"format": file_format, "rows": count,
                                             "filters": {k: v for k, v in criteria.items() if v}})
    db.session.commit()
    agencies = audit_export.agency_names(db.session)
    rows = audit_export.newest_first(query)
    if file_format == "csv":
        with open(output, "wb") as handle:
            for chunk in audit_export.csv_chunks(rows, agencies):
                handle.write(chunk)
    else:
        described = ", ".join(f"{k}={v}" for k, v in criteria.items() if v) or "all entries"
        with open(output, "wb") as handle:
            audit_export.write_xlsx(rows, agencies, handle, described)
    click.echo(f"{count} audit log entries written to {output}.")
