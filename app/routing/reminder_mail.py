"""E-mail of the notifications: one message per person per run, plain UTF-8 text.

A notification is owed an e-mail while ``emailed_at`` is NULL. Each person's rows are
locked (PostgreSQL ``FOR UPDATE SKIP LOCKED``) while their message goes out, and
committed right after, so two runners never mail the same row and a crash half way
never mails again what was already sent. A refused or unreachable server leaves the
rows owed, with the error, for the next run."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func

from app.i18n import utcnow
from app.models import Notification, UserAccount

log = logging.getLogger(__name__)

ERROR_LENGTH = 500
SMTP_ERRORS = (smtplib.SMTPException, OSError)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    sender: str
    timeout: int

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        return cls(
            host=config["EOFFICE_SMTP_HOST"], port=config["EOFFICE_SMTP_PORT"],
            user=config["EOFFICE_SMTP_USER"], password=config["EOFFICE_SMTP_PASSWORD"],
            starttls=config["EOFFICE_SMTP_STARTTLS"], sender=config["EOFFICE_SMTP_SENDER"],
            timeout=config["EOFFICE_SMTP_TIMEOUT"],
        )


@dataclass
class EmailReport:
    enabled: bool = True  # False while EOFFICE_SMTP_HOST is empty
    sent: int = 0  # messages the server accepted
    notifications: int = 0  # notifications those messages carried
    failures: int = 0  # people whose message failed (retried next run)


class Mailer:
    """One SMTP connection for the run, opened on first use. When the server cannot be
    reached the error is remembered, so one run never waits on it for every person."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: Exception | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        if self._unreachable is not None:
            raise self._unreachable
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except SMTP_ERRORS as error:
                self._unreachable = error
                raise
        try:
            self._smtp.send_message(message)
        except SMTP_ERRORS:
            self.close()  # reconnect for the next person
            raise

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
        except SMTP_ERRORS:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except SMTP_ERRORS:
                self._smtp.close()
            self._smtp = None


def address_of(user: UserAccount) -> str | None:
    """Thư công vụ when the account has one, else the login e-mail."""
    return (user.official_email or user.email or "").strip() or None


def send_pending_emails(session, now: dt.datetime | None = None) -> EmailReport:
    """Mail every person the notifications they are owed, one message each. Runs its
    own transactions (one per person): call it with nothing pending in ``session``."""
    settings = SmtpSettings.from_config(current_app.config)
    if not settings.host:
        return EmailReport(enabled=False)
    report = EmailReport()
    with Mailer(settings) as mailer, force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for user_id in _people_owed(session):
            _mail_one_person(session, mailer, user_id, report, now)
    return report


def _people_owed(session) -> list[int]:
    email = func.coalesce(func.nullif(UserAccount.official_email, ""), UserAccount.email, "")
    rows = (session.query(Notification.user_id).join(Notification.user)
            .filter(Notification.emailed_at.is_(None), UserAccount.active.is_(True),
                    email != "")
            .distinct().order_by(Notification.user_id).all())
    session.rollback()  # end the read; each person gets their own transaction
    return [user_id for (user_id,) in rows]


def _mail_one_person(session, mailer: Mailer, user_id: int, report: EmailReport,
                     now: dt.datetime | None) -> None:
    rows = (session.query(Notification)
            .filter(Notification.user_id == user_id, Notification.emailed_at.is_(None))
            .order_by(Notification.id)
            .with_for_update(skip_locked=True, of=Notification).all())
    user = session.get(UserAccount, user_id)
    address = address_of(user) if user is not None else None
    if not rows or address is None:  # another runner has them, or nothing to mail
        session.rollback()
        return
    try:
        mailer.send(compose(user, address, rows))
    except SMTP_ERRORS as error:
        log.warning("e-mail to %s failed, retried next run: %s", address, error)
        for row in rows:
            row.email_error = (str(error) or error.__class__.__name__)[:ERROR_LENGTH]
        report.failures += 1
    else:
        sent_at = now or utcnow()
        for row in rows:
            row.emailed_at, row.email_error = sent_at, None
        report.sent += 1
        report.notifications += len(rows)
    session.commit()  # per person: what was sent is never sent again


def compose(user: UserAccount, address: str, rows: list[Notification]) -> EmailMessage:
    config = current_app.config
    lines = [gettext("Dear %(name)s,", name=user.get_full_name()), "",
             gettext("The eOffice reminds you of the following work:"), ""]
    for number, row in enumerate(rows, start=1):
        lines += [f"{number}. {row.message}", f"   {link_of(row)}", ""]
    lines += ["-- ", gettext("This message was sent automatically by the eOffice; "
                             "please do not reply.")]
    message = EmailMessage()
    documents = {row.incoming_id or f"notification {row.id}" for row in rows}
    message["Subject"] = gettext("[eOffice] Reminder: %(count)s document(s)",
                                 count=len(documents))
    message["From"] = config["EOFFICE_SMTP_SENDER"]
    message["To"] = formataddr((user.get_full_name(), address))
    message["Date"] = formatdate(usegmt=True)
    sender_domain = parseaddr(config["EOFFICE_SMTP_SENDER"])[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=sender_domain or None)
    message.set_content("\n".join(lines), charset="utf-8", cte="quoted-printable")
    return message


def link_of(row: Notification) -> str:
    """Absolute link to the document page (or to the list of notifications)."""
    base = current_app.config["EOFFICE_BASE_URL"].rstrip("/")
    urls = current_app.url_map.bind("")
    if row.incoming_id:
        return base + urls.build("IncomingRegisteredView.show", {"pk": row.incoming_id})
    return base + urls.build("NotificationView.list")
