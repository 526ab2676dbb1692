"""Each register and report as one neutral table description (title, columns, rows),
laid out like the paper forms; ``pdf`` and ``xlsx`` render any of them the same way.

Column headers are the official ones (msgids in English, the decree's wording in the
``vi`` catalogue); cells hold plain values: text, numbers, dates (shown dd/mm/yyyy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import format_date
from app.models import Agency, Direction
from app.reports import queries
from app.reports.queries import Book, Handling, Period, Progress, Scope, UnitKind

TEXT, DATE, NUMBER, SERIAL = "text", "date", "number", "serial"


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # in characters, as Excel counts; the PDF shares the page width by it
    kind: str = TEXT  # SERIAL: a number printed with two digits at least (01, NĐ 30 Phụ lục I)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: list[tuple]
    heading: str = ""  # above the table, e.g. the register "Sổ đăng ký văn bản đến (2026)"
    sheet: str = ""  # worksheet name in Excel
    totals: int = 0  # trailing rows printed in bold (Tổng cộng)


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    agency: str
    period: Period
    tables: tuple[Table, ...]

    @property
    def heading(self) -> tuple[str, str, str]:
        """Title block: agency name upper-case, the title, the period."""
        return (self.agency.upper(), self.title.upper(), _(
            "From %(start)s to %(end)s", start=format_date(self.period.start),
            end=format_date(self.period.end)))

    @property
    def empty_text(self) -> str:
        return _("No document in this period.")

    def filename(self, extension: str) -> str:
        """so-dang-ky-van-ban-den_2026-01-01_2026-12-31.pdf"""
        return f"{self.slug}_{self.period.start:%Y-%m-%d}_{self.period.end:%Y-%m-%d}.{extension}"


def columns(*specs: tuple) -> tuple[Column, ...]:
    """Columns from (msgid, width[, kind]) specs, translated now."""
    return tuple(Column(str(spec[0]), *spec[1:]) for spec in specs)


def lines(values: Iterable[str]) -> str:
    return "\n".join(value for value in values if value)


def type_and_subject(type_name: str, subject: str) -> str:
    """Tên loại và trích yếu nội dung."""
    return f"{type_name}: {subject}" if type_name else subject


def note(description: str | None, cancel_reason: str | None) -> str:
    """Ghi chú; a cancelled document keeps its line with the reason."""
    if cancel_reason is None:
        return description or ""
    if cancel_reason:
        return lines((description, _("Cancelled: %(reason)s", reason=cancel_reason)))
    return lines((description, _("Cancelled")))


def progress_label(handling: Handling) -> str:
    """Tiến độ giải quyết: "Đang xử lý", "Hoàn thành 05/12/2026", "Quá hạn 3 ngày"."""
    date = format_date(handling.done)
    labels = {
        Progress.not_assigned: lambda: _("Not yet assigned"),
        Progress.in_progress: lambda: _("Being processed"),
        Progress.overdue: lambda: _("Overdue by %(days)s day(s)", days=handling.days_late),
        Progress.completed: lambda: _("Completed %(date)s", date=date).strip(),
        Progress.completed_late: lambda: _("Completed %(date)s, %(days)s day(s) late",
                                           date=date, days=handling.days_late),
        Progress.cancelled: lambda: _("Cancelled"),
    }
    return labels[handling.progress]()


# --- Registers and the follow-up book (NĐ 30 Phụ lục IV) ------------------------------------

INCOMING_REGISTER = (
    (_l("Arrival date"), 11, DATE),
    (_l("Arrival number"), 7, SERIAL),
    (_l("Author"), 18),
    (_l("Number and notation"), 18),
    (_l("Date of the document"), 11, DATE),
    (_l("Document type and subject"), 36),
    (_l("Receiving unit or person"), 20),
    (_l("Date passed on"), 11, DATE),
    (_l("Signature of receipt"), 10),
    (_l("Note"), 14),
)

OUTGOING_REGISTER = (
    (_l("Number and notation of the document"), 15),
    (_l("Date of the document"), 11, DATE),
    (_l("Document type and subject"), 40),
    (_l("Signed by"), 16),
    (_l("Recipients of the document"), 24),
    (_l("Unit or person keeping the file copy"), 16),
    (_l("Copies"), 7, NUMBER),
    (_l("Date passed on"), 11, DATE),
    (_l("Signature of receipt"), 10),
    (_l("Note"), 14),
)

FOLLOW_UP = (
    (_l("Arrival number"), 7, SERIAL),
    (_l("Type, number, notation, date and issuing agency"), 46),
    (_l("Receiving unit or person"), 22),
    (_l("Time limit for handling"), 12, DATE),
    (_l("Handling progress"), 18),
    (_l("Number and notation of the reply"), 16),
    (_l("Note"), 16),
)


def book_tables(books: list[Book], specs: tuple, row: Callable) -> list[Table]:
    """One table per register; one empty table when nothing was registered."""
    if not books:
        return [Table(columns(*specs), [], sheet=_("Document register"))]
    return [Table(columns(*specs), [row(entry) for entry in book.entries],
                  heading=book.register, sheet=book.register) for book in books]


def incoming_register_row(e: queries.IncomingEntry) -> tuple:
    return (e.arrival_date, e.arrival_number, e.author, e.number_notation, e.document_date,
            type_and_subject(e.type_name, e.subject), lines(e.receivers), e.passed_on, "",
            note(e.description, e.cancel_reason))


def outgoing_register_row(e: queries.OutgoingEntry) -> tuple:
    return (e.number_display, e.issued_date, type_and_subject(e.type_name, e.subject),
            e.signer, lines(e.recipients), e.file_copy, e.copies, e.passed_on, "",
            note(e.description, e.cancel_reason))


def identification(e: queries.FollowUpEntry) -> str:
    """Tên loại, số, ký hiệu, ngày tháng và cơ quan ban hành; the subject below it."""
    parts = [
        e.type_name,
        _("No. %(number)s", number=e.number_notation) if e.number_notation else "",
        _("dated %(date)s", date=format_date(e.document_date)) if e.document_date else "",
        _("of %(author)s", author=e.author) if e.author else "",
    ]
    return lines((" ".join(part for part in parts if part), e.subject))


def follow_up_row(e: queries.FollowUpEntry) -> tuple:
    return (e.arrival_number, identification(e), lines(e.receivers), e.handling.deadline,
            progress_label(e.handling), lines(e.replies), e.description or "")


# --- Processing reports --------------------------------------------------------------------

INCOMING_HANDLING = (
    (_l("No."), 5, NUMBER),
    (_l("Department or unit"), 34),
    (_l("Documents received"), 14, NUMBER),
    (_l("Completed on time"), 14, NUMBER),
    (_l("Completed late"), 14, NUMBER),
    (_l("In progress, not yet due"), 14, NUMBER),
    (_l("In progress, overdue"), 14, NUMBER),
)

OVERDUE = (
    (_l("Arrival number"), 7, SERIAL),
    (_l("Arrival date"), 11, DATE),
    (_l("Number and notation"), 14),
    (_l("Author"), 20),
    (_l("Subject"), 40),
    (_l("Lead unit or person"), 20),
    (_l("Time limit for handling"), 12, DATE),
    (_l("Days overdue"), 9, NUMBER),
)

OUTGOING_HANDLING = (
    (_l("No."), 5, NUMBER),
    (_l("Document type"), 24),
    (_l("Documents issued"), 12, NUMBER),
    (_l("Sent electronically"), 12, NUMBER),
    (_l("Number of recipients"), 12, NUMBER),
    (_l("Recipients completed (06)"), 14, NUMBER),
    (_l("Recipients still handling"), 14, NUMBER),
    (_l("Replies expected"), 12, NUMBER),
    (_l("Replies overdue"), 12, NUMBER),
)


def unit_label(row: queries.HandlingCounts) -> str:
    return {
        UnitKind.department: lambda: row.unit,
        UnitKind.persons: lambda: _("Assigned directly to people"),
        UnitKind.unassigned: lambda: _("Not yet assigned"),
        UnitKind.total: lambda: _("Total"),
    }[row.kind]()


def counts_row(number, row: queries.HandlingCounts) -> tuple:
    return (number, unit_label(row), row.received, row.on_time, row.late, row.pending,
            row.overdue)


def incoming_handling_tables(request: Request) -> list[Table]:
    report = queries.incoming_handling(request.session, request.scope, request.period,
                                       request.today)
    summary = [counts_row(i, row) for i, row in enumerate(report.units, 1)]
    overdue = [(e.arrival_number, e.arrival_date, e.number_notation, e.author, e.subject,
                e.assignee or _("Not yet assigned"), e.deadline, e.days_late)
               for e in report.overdue]
    return [
        Table(columns(*INCOMING_HANDLING), summary + [counts_row("", report.total)],
              sheet=_("Summary"), totals=1),
        Table(columns(*OVERDUE), overdue, heading=_("Overdue documents"), sheet=_("Overdue")),
    ]


def outgoing_handling_tables(request: Request) -> list[Table]:
    report = queries.outgoing_handling(request.session, request.scope, request.period,
                                       request.today)

    def row(number, counts: queries.OutgoingTypeCounts, name: str) -> tuple:
        return (number, name, counts.issued, counts.sent, counts.recipients, counts.completed,
                counts.open, counts.replies_expected, counts.replies_overdue)

    rows = [row(i, counts, counts.type_name) for i, counts in enumerate(report.types, 1)]
    return [Table(columns(*OUTGOING_HANDLING), rows + [row("", report.total, _("Total"))],
                  sheet=_("Summary"), totals=1)]


# --- The catalogue of reports --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    session: object
    scope: Scope
    period: Period
    today: dt.date
    register_id: int | None = None


@dataclass(frozen=True)
class ReportKind:
    slug: str  # file name stem
    title: object  # lazy msgid
    tables: Callable[[Request], list[Table]]
    direction: Direction | None = None  # the registers it may be limited to


KINDS: dict[str, ReportKind] = {
    # NĐ 30 Phụ lục IV: Sổ đăng ký văn bản đến.
    "incoming_register": ReportKind(
        "so-dang-ky-van-ban-den", _l("Register of incoming documents"),
        lambda r: book_tables(queries.incoming_register(r.session, r.scope, r.period,
                                                        r.register_id),
                              INCOMING_REGISTER, incoming_register_row),
        Direction.incoming),
    # NĐ 30 Phụ lục IV: Sổ đăng ký văn bản đi.
    "outgoing_register": ReportKind(
        "so-dang-ky-van-ban-di", _l("Register of outgoing documents"),
        lambda r: book_tables(queries.outgoing_register(r.session, r.scope, r.period,
                                                        r.register_id),
                              OUTGOING_REGISTER, outgoing_register_row),
        Direction.outgoing),
    # NĐ 30 Phụ lục IV: Sổ theo dõi giải quyết văn bản đến.
    "incoming_follow_up": ReportKind(
        "so-theo-doi-giai-quyet-van-ban-den", _l("Follow-up book of incoming documents"),
        lambda r: book_tables(queries.incoming_follow_up(r.session, r.scope, r.period,
                                                         r.today, r.register_id),
                              FOLLOW_UP, follow_up_row),
        Direction.incoming),
    "incoming_handling": ReportKind(
        "bao-cao-tinh-hinh-giai-quyet-van-ban-den",
        _l("Report on the handling of incoming documents"), incoming_handling_tables),
    "outgoing_handling": ReportKind(
        "bao-cao-tinh-hinh-giai-quyet-van-ban-di",
        _l("Report on the handling of outgoing documents"), outgoing_handling_tables),
}


def build(kind: str, request: Request) -> Report:
    """The report ``kind`` for the scope and period of ``request``."""
    spec = KINDS[kind]
    agency = request.session.get(Agency, request.scope.agency_id)
    return Report(slug=spec.slug, title=str(spec.title), agency=agency.name,
                  period=request.period, tables=tuple(spec.tables(request)))
