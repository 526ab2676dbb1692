"""The reminder job (đôn đốc, NĐ 30 Đ24) on APScheduler, in a process of its own.

Web processes never start a scheduler: they stay stateless. ``flask eoffice scheduler``
runs one in the foreground (systemd keeps it alive) and ``flask eoffice remind`` runs
the job once. Several hosts may run the scheduler: on PostgreSQL a run takes an
advisory lock, so only one host does the work at a time (the others skip that run)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text

from app.routing.reminder_mail import EmailReport, send_pending_emails
from app.routing.reminders import ReminderReport, run_reminders

log = logging.getLogger(__name__)

REMINDER_LOCK = 778030  # pg advisory lock key of the reminder job (roles use 778002)
JOB_ID = "eoffice-reminders"


@dataclass(frozen=True)
class RunResult:
    reminders: ReminderReport
    emails: EmailReport


@contextmanager
def exclusive(engine, key: int = REMINDER_LOCK) -> Iterator[bool]:
    """Yield True when this process may do the work: it holds the PostgreSQL advisory
    lock (on its own connection, released at the end or when the process dies). SQLite
    runs on one host only: always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        mine = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                       {"key": key}).scalar())
        try:
            yield mine
        finally:
            if mine:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.rollback()


def run_once(app, today: dt.date | None = None) -> RunResult | None:
    """One run: write the reminders, then mail what is owed. None when another host
    is running it right now."""
    from app import db

    with app.app_context(), exclusive(db.engine) as mine:
        if not mine:
            log.info("reminder run skipped: another host holds the lock")
            return None
        reminders = run_reminders(db.session, today=today)
        emails = send_pending_emails(db.session)
        log.info("reminders for %s: %s new notification(s), %s e-mail(s) sent, %s failed",
                 reminders.day, reminders.created, emails.sent, emails.failures)
        return RunResult(reminders, emails)


def reminder_trigger(at: str, timezone: ZoneInfo) -> OrTrigger:
    """Every day at each "HH:MM" of ``at`` (comma-separated), local time."""
    times = [value.strip().split(":") for value in at.split(",") if value.strip()]
    if not times:
        raise ValueError("EOFFICE_REMIND_AT lists no time")
    return OrTrigger([CronTrigger(hour=int(hour), minute=int(minute), timezone=timezone)
                      for hour, minute in times])


def build_scheduler(app, blocking: bool = False):
    """A scheduler with the reminder job; ``blocking`` for the foreground process."""
    timezone = ZoneInfo(app.config["EOFFICE_TIMEZONE"])
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=timezone)
    scheduler.add_job(
        run_once, reminder_trigger(app.config["EOFFICE_REMIND_AT"], timezone), args=[app],
        id=JOB_ID, name="Đôn đốc (NĐ 30 Đ24)", coalesce=True, max_instances=1,
        misfire_grace_time=3600, replace_existing=True,
    )
    if app.config.get("AUTH_LDAP_SERVER"):  # QĐ 778 Đ16: accounts follow the mail directory
        from app.security.directory_sync import add_sync_job

        add_sync_job(scheduler, app, timezone)
    return scheduler
