"""The audit log as people read it, on screen and in a file: Vietnamese event names,
Vietnam time to the second, details in words, and copies as CSV (UTF-8 with BOM, so
Excel shows Vietnamese) or XLSX.

Exports walk the log newest first in batches on the primary key, so a copy of a
million entries streams (CSV) or goes through a write-only workbook on disk (XLSX)
without holding the rows in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.properties import PageSetupProperties
from sqlalchemy import select

from app.i18n import local_zone, to_local
from app.models import Agency, AuditEntry
from app.reports.xlsx import BORDER, HEADER_FILL
from app.security.audit import TABLE, AuditEvent
from app.security.roles import role_label

TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
XLSX_TIME_FORMAT = "DD/MM/YYYY HH:MM:SS"
BATCH = 1000
# Excel shows at most 1,048,576 rows; bigger copies are CSV only.
XLSX_LIMIT = 1_048_570
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EVENT_LABELS = {
    AuditEvent.LOGIN: _l("Signed in"),
    AuditEvent.LOGIN_FAILED: _l("Failed sign-in"),
    AuditEvent.LOGIN_THROTTLED: _l("Sign-in refused: too many attempts"),
    AuditEvent.ACCOUNT_LOCKED: _l("Account locked"),
    AuditEvent.ACCOUNT_UNLOCKED: _l("Account unlocked"),
    AuditEvent.ACCOUNT_CREATED: _l("Account created"),
    AuditEvent.ACCOUNT_PROVISIONED: _l("Account created at first directory sign-in"),
    AuditEvent.ACCOUNT_DEACTIVATED: _l("Account deactivated"),
    AuditEvent.ACCOUNT_REACTIVATED: _l("Account reactivated"),
    AuditEvent.ACCOUNT_DELETED: _l("Account deleted"),
    AuditEvent.ACCOUNT_MOVED: _l("Account moved to another agency or department"),
    AuditEvent.ROLES_CHANGED: _l("Roles changed"),
    AuditEvent.PASSWORD_CHANGED: _l("Password changed"),
    AuditEvent.HANDOVER: _l("Work handed over"),
    AuditEvent.DATA_EXPORT_REQUESTED: _l("Copy of own data requested"),
    AuditEvent.DATA_EXPORT_DECIDED: _l("Copy of own data decided"),
    AuditEvent.DATA_EXPORT_DOWNLOADED: _l("Copy of own data downloaded"),
    AuditEvent.DIRECTORY_SYNC: _l("Mail directory synchronised"),
    AuditEvent.AUDIT_EXPORTED: _l("Audit log exported"),
}

# Words for the keys of an entry's details; other keys are shown as they are.
DETAIL_LABELS = {
    "username": _l("User name"),
    "before": _l("Before"),
    "after": _l("After"),
    "roles": _l("Roles"),
    "role": _l("Role"),
    "reason": _l("Reason"),
    "agency": _l("Agency"),
    "department": _l("Department"),
    "from_agency": _l("From agency"),
    "to_agency": _l("To agency"),
    "from_department": _l("From department"),
    "to_department": _l("To department"),
    "active": _l("Active"),
    "auth_source": _l("Sign-in with"),
    "by_self": _l("By the account holder"),
    "successor": _l("Successor"),
    "mailbox": _l("Mailbox"),
    "format": _l("File format"),
    "filters": _l("Filters"),
    "rows": _l("Entries"),
}
ROLE_KEYS = frozenset({"before", "after", "roles", "role"})

COLUMNS = (
    ("id", _l("Entry")),
    ("at", _l("Time")),
    ("event", _l("Event")),
    ("actor_name", _l("Done by")),
    ("agency_id", _l("Agency")),
    ("target", _l("Object")),
    ("ip", _l("IP address")),
    ("detail", _l("Details")),
    ("entry_hash", _l("Entry hash")),
)
XLSX_WIDTHS = (9, 20, 28, 24, 34, 16, 16, 70, 30)


def format_at(value: dt.datetime | None) -> str:
    return to_local(value).strftime(TIME_FORMAT) if value else ""


def event_label(code: str | None) -> str:
    label = EVENT_LABELS.get(code or "")
    return str(label) if label is not None else (code or "")


def event_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in EVENT_LABELS.items()),
                  key=lambda choice: choice[1])


def actor_label(name: str | None) -> str:
    return name or gettext("System")


def _value_text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        items = [role_label(v) if key in ROLE_KEYS and isinstance(v, str) else _value_text(key, v)
                 for v in value]
        return ", ".join(items) if items else "—"
    if isinstance(value, dict):
        return "(" + "; ".join(f"{_key_text(k)}: {_value_text(k, v)}"
                               for k, v in value.items()) + ")"
    if key in ROLE_KEYS and isinstance(value, str):
        return role_label(value)
    return str(value)


def _key_text(key: str) -> str:
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def readable_detail(text: str | None) -> str:
    """``{"before": ["Officer"], "after": ["Clerk"]}`` → ``Trước: Chuyên viên; Sau: Văn thư``."""
    if not text:
        return ""
    try:
        detail = json.loads(text)
    except ValueError:
        return text
    if not isinstance(detail, dict):
        return _value_text("", detail)
    known = list(DETAIL_LABELS)
    keys = sorted(detail, key=lambda key: known.index(key) if key in known else len(known))
    return "; ".join(f"{_key_text(key)}: {_value_text(key, detail[key])}" for key in keys)


def agency_names(session) -> dict[int, str]:
    """Every agency's name by id (a province has a few hundred)."""
    return dict(session.execute(select(Agency.id, Agency.name)).all())


def day_start_utc(day: dt.date) -> dt.datetime:
    """00:00 of a Vietnamese calendar day, as the naive UTC the log stores."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=local_zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def parse_day(value: Any) -> dt.date | None:
    """dd/mm/yyyy (as typed on screen) or yyyy-mm-dd (ISO, for programs); None for
    anything else, and for years no log holds (so no time arithmetic overflows)."""
    if not isinstance(value, str):
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
        return day if 1900 <= day.year <= 9000 else None
    return None


def filtered(session, date_from: dt.date | None = None, date_to: dt.date | None = None,
             event: str | None = None, actor: str | None = None, agency_id: int | None = None,
             target: str | None = None, ip: str | None = None):
    """A query of the entries matching the given criteria (the command line's filters;
    the screen uses its own filters with the same meaning)."""
    query = session.query(AuditEntry)
    if date_from:
        query = query.filter(AuditEntry.at >= day_start_utc(date_from))
    if date_to:
        query = query.filter(AuditEntry.at < day_start_utc(date_to + dt.timedelta(days=1)))
    if event:
        query = query.filter(AuditEntry.event == event)
    if actor:
        query = query.filter(AuditEntry.actor_name.ilike(f"%{like_escape(actor)}%", escape="\\"))
    if agency_id is not None:
        query = query.filter(AuditEntry.agency_id == agency_id)
    if target:
        query = query.filter(AuditEntry.target == target)
    if ip:
        query = query.filter(AuditEntry.ip.like(f"{like_escape(ip)}%", escape="\\"))
    return query


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def newest_first(query, batch: int = BATCH) -> Iterator[Any]:
    """The rows of ``query`` (a filtered ORM query of AuditEntry), newest first, read
    ``batch`` at a time by primary key: constant memory whatever the size."""
    columns = query.with_entities(*TABLE.c).order_by(None)
    last_id = None
    while True:
        page = columns
        if last_id is not None:
            page = page.filter(AuditEntry.id < last_id)
        rows = page.order_by(AuditEntry.id.desc()).limit(batch).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def display_row(row: Any, agencies: dict[int, str]) -> list[Any]:
    return [row.id, format_at(row.at), event_label(row.event), actor_label(row.actor_name),
            agencies.get(row.agency_id, "" if row.agency_id is None else f"#{row.agency_id}"),
            row.target or "", row.ip or "", readable_detail(row.detail), row.entry_hash]


def _cell_text(value: Any) -> Any:
    """No cell of a copy opened in Excel may run as a formula (a failed login's user
    name is typed by anyone): text starting with = + - @ gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[Any], agencies: dict[int, str]) -> Iterator[bytes]:
    """CSV as UTF-8 with a BOM, a few hundred rows per chunk, for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([str(label) for _, label in COLUMNS])
    count = 0
    for row in rows:
        writer.writerow([_cell_text(value) for value in display_row(row, agencies)])
        count += 1
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _styled(sheet, value: Any, *, font: Font | None = None, fill=None, border=None,
            alignment: Alignment | None = None, number_format: str | None = None):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if border:
        cell.border = border
    if alignment:
        cell.alignment = alignment
    if number_format:
        cell.number_format = number_format
    return cell


def write_xlsx(rows: Iterable[Any], agencies: dict[int, str], target, subtitle: str) -> int:
    """The entries as a workbook (house style of app/reports/xlsx.py: title, grey
    bordered header frozen and repeated on print, A4 landscape), written to ``target``
    (a file or binary stream) through openpyxl's write-only mode. Returns the count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Audit log")[:31])
    for index, width in enumerate(XLSX_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A5"
    sheet.print_title_rows = "4:4"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.append([_styled(sheet, gettext("Audit log"), font=Font(bold=True, size=14))])
    sheet.append([_styled(sheet, subtitle, font=Font(italic=True))])
    sheet.append([])
    header = Alignment(wrap_text=True, vertical="center", horizontal="center")
    sheet.append([_styled(sheet, str(label), font=Font(bold=True), fill=HEADER_FILL,
                          border=BORDER, alignment=header) for _, label in COLUMNS])
    body = Alignment(wrap_text=True, vertical="top")
    count = 0
    for row in rows:
        values = display_row(row, agencies)
        values[1] = to_local(row.at).replace(tzinfo=None)  # a real date and time
        sheet.append([_styled(sheet, value, border=BORDER, alignment=body,
                              number_format=XLSX_TIME_FORMAT if index == 1 else None)
                      for index, value in enumerate(values)])
        count += 1
    workbook.properties.title = gettext("Audit log")
    workbook.properties.creator = "eOffice"
    workbook.save(target)
    return count
