"""Any report of ``layouts`` as a PDF to print: A4 landscape, the DejaVu fonts shipped
with the app (Vietnamese diacritics, embedded), title block, column numbers under the
headers like the paper forms, header rows repeated on every page, "Trang x/y" below.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from app.i18n import format_date, format_datetime, utcnow
from app.reports.layouts import DATE, NUMBER, SERIAL, Column, Report, Table

# Served from the app itself, never from the system or a CDN (closed networks).
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE = landscape(A4)  # 842 x 595 pt
MARGIN = 12 * mm
BODY_SIZE = 8.5
PADDING = 3  # points left and right of a cell's text
HEADER_FILL = colors.HexColor("#EEEEEE")


@functools.cache
def register_fonts() -> None:
    """Register the TrueType fonts once per process; reportlab embeds the subset used."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)


def style(name: str, size: float = BODY_SIZE, bold: bool = False,
          align: int = TA_LEFT) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=BOLD if bold else REGULAR, fontSize=size,
                          leading=size * 1.25, alignment=align)


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    return {
        "agency": style("agency", 11, bold=True),
        "title": style("title", 14, bold=True, align=TA_CENTER),
        "period": style("period", 10, align=TA_CENTER),
        "heading": style("heading", 10, bold=True),
        "header": style("header", BODY_SIZE, bold=True, align=TA_CENTER),
        "number_row": style("number_row", BODY_SIZE - 1, align=TA_CENTER),
        "text": style("text"),
        "center": style("center", align=TA_CENTER),
        "right": style("right", align=TA_RIGHT),
        "bold_text": style("bold_text", bold=True),
        "bold_right": style("bold_right", bold=True, align=TA_RIGHT),
    }


def text(value) -> str:
    """Cell text as reportlab markup: escaped, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def cell_text(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == DATE and isinstance(value, dt.date):
        return format_date(value)
    if kind == SERIAL and isinstance(value, int):
        return f"{value:02d}"
    return str(value)


def cell(value, kind: str, bold: bool) -> Paragraph:
    found = styles()
    if kind in (NUMBER, SERIAL, DATE) and not bold:
        name = "right" if kind == NUMBER else "center"
    elif kind == NUMBER:
        name = "bold_right"
    else:
        name = "bold_text" if bold else "text"
    return Paragraph(text(cell_text(value, kind)), found[name])


def minimum_width(column: Column) -> float:
    """Wide enough for the longest word of the header and for a whole date."""
    words = [stringWidth(word, BOLD, BODY_SIZE) for word in column.title.split()]
    if column.kind == DATE:
        words.append(stringWidth("00/00/0000", REGULAR, BODY_SIZE))
    return max(words, default=0) + 2 * PADDING + 1


def column_widths(table: Table, width: float) -> list[float]:
    """The page width shared by the columns' widths, each at least its minimum; what
    narrow columns need is taken from the wider ones."""
    total = sum(column.width for column in table.columns)
    shares = [width * column.width / total for column in table.columns]
    minimums = [minimum_width(column) for column in table.columns]
    needed = sum(max(0.0, low - share) for share, low in zip(shares, minimums, strict=True))
    spare = sum(max(0.0, share - low) for share, low in zip(shares, minimums, strict=True))
    if not needed or not spare:
        return shares
    ratio = min(1.0, needed / spare)
    return [low if share <= low else share - (share - low) * ratio
            for share, low in zip(shares, minimums, strict=True)]


def table_flowable(report: Report, table: Table, width: float) -> LongTable:
    """Headers, then (1) (2) … like the forms; both rows repeat on every page."""
    found = styles()
    widths = column_widths(table, width)
    data = [
        [Paragraph(text(column.title), found["header"]) for column in table.columns],
        [Paragraph(f"({i})", found["number_row"]) for i in range(1, len(table.columns) + 1)],
    ]
    first_total = len(table.rows) - table.totals
    for index, row in enumerate(table.rows):
        data.append([cell(value, column.kind, index >= first_total)
                     for value, column in zip(row, table.columns, strict=True)])
    commands = [
        ("FONT", (0, 0), (-1, -1), REGULAR, BODY_SIZE),  # plain cells too: never Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if not table.rows:
        data.append([Paragraph(text(report.empty_text), found["center"])]
                    + [""] * (len(table.columns) - 1))
        commands.append(("SPAN", (0, 2), (-1, 2)))
    return LongTable(data, colWidths=widths, repeatRows=2, style=TableStyle(commands))


def story(report: Report, width: float) -> list:
    found = styles()
    agency, title, period = report.heading
    flowables = [
        Paragraph(text(agency), found["agency"]),
        Spacer(1, 4 * mm),
        Paragraph(text(title), found["title"]),
        Paragraph(text(period), found["period"]),
        Spacer(1, 5 * mm),
    ]
    for table in report.tables:
        if table.heading:
            flowables += [Paragraph(text(table.heading), found["heading"]), Spacer(1, 2 * mm)]
        flowables += [table_flowable(report, table, width), Spacer(1, 6 * mm)]
    return flowables


class FooterCanvas(Canvas):
    """Draws "title – agency" and "Trang x/y" on every page once the page count is
    known (pages are kept until ``save``)."""

    def __init__(self, *args, footer: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._printed = _("Printed %(at)s", at=format_datetime(utcnow()))
        self._saved_pages: list[dict] = []

    def showPage(self):  # noqa: N802 (reportlab's name)
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        count = len(self._saved_pages)
        for number, state in enumerate(self._saved_pages, 1):
            self.__dict__.update(state)
            self._draw_footer(number, count)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, count: int) -> None:
        self.saveState()
        self.setFont(REGULAR, 7.5)
        y = MARGIN / 2
        self.drawString(MARGIN, y, f"{self._footer} — {self._printed}")
        self.drawRightString(PAGE[0] - MARGIN, y,
                             _("Page %(page)s of %(pages)s", page=number, pages=count))
        self.restoreState()


def render(report: Report) -> bytes:
    """The report as PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=report.title, author=report.agency, creator="eOffice",
        subject=report.heading[2],
        initialFontName=REGULAR,  # no standard (non-embedded) font in the file at all
    )
    footer = f"{report.title} — {report.agency}"
    document.build(story(report, document.width),
                   canvasmaker=functools.partial(FooterCanvas, footer=footer))
    return buffer.getvalue()
