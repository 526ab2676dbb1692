"""Any report of ``layouts`` as an Excel workbook: one worksheet per table with the
title block, the header row and the column numbers (frozen, repeated when printed),
wrapped text, real dates shown dd/mm/yyyy, A4 landscape page set-up."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.reports.layouts import DATE, NUMBER, SERIAL, TEXT, Report, Table

DATE_FORMAT = "DD/MM/YYYY"
SERIAL_FORMAT = "00"  # số 01, 02 … (NĐ 30 Phụ lục I)
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(workbook: Workbook, wanted: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = SHEET_FORBIDDEN.sub("-", wanted).strip() or "Sheet"
    title, suffix = base[:31], 2
    while title in workbook.sheetnames:
        tail = f" ({suffix})"
        title, suffix = base[: 31 - len(tail)] + tail, suffix + 1
    return title


def write(sheet: Worksheet, row: int, column: int, value, kind: str, bold: bool = False):
    """One body cell; text never becomes a formula (a subject typed "=…" stays text)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    target = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        target.data_type = "s"
    if kind == DATE and isinstance(value, dt.date):
        target.number_format = DATE_FORMAT
    elif kind == SERIAL and isinstance(value, int):
        target.number_format = SERIAL_FORMAT
    horizontal = {NUMBER: "right", SERIAL: "center", DATE: "center"}.get(kind)
    target.alignment = Alignment(wrap_text=True, vertical="top", horizontal=horizontal)
    target.border = BORDER
    if bold:
        target.font = Font(bold=True)
    return target


def title_block(sheet: Worksheet, report: Report, table: Table, width: int) -> int:
    """Agency, title, period and the table's heading; returns the next free row."""
    agency, title, period = report.heading
    lines = [(agency, Font(bold=True, size=11), None),
             (title, Font(bold=True, size=14), "center"),
             (period, Font(italic=True), "center")]
    if table.heading:
        lines.append((table.heading, Font(bold=True), None))
    for row, (value, font, horizontal) in enumerate(lines, 1):
        target = sheet.cell(row=row, column=1, value=value)
        target.font = font
        target.alignment = Alignment(horizontal=horizontal)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    return len(lines) + 2


def header(sheet: Worksheet, table: Table, row: int) -> None:
    """The header row and the (1) (2) … row under it."""
    for index, column in enumerate(table.columns, 1):
        for offset, value in ((0, column.title), (1, f"({index})")):
            target = sheet.cell(row=row + offset, column=index, value=value)
            target.font = Font(bold=offset == 0, italic=offset == 1)
            target.alignment = WRAP_CENTER
            target.border = BORDER
            if offset == 0:
                target.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width


def body(sheet: Worksheet, report: Report, table: Table, row: int) -> None:
    first_total = len(table.rows) - table.totals
    for index, values in enumerate(table.rows):
        for column_index, (value, column) in enumerate(
                zip(values, table.columns, strict=True), 1):
            write(sheet, row + index, column_index, value, column.kind, index >= first_total)
    if not table.rows:
        write(sheet, row, 1, report.empty_text, TEXT).alignment = WRAP_CENTER
        sheet.merge_cells(start_row=row, start_column=1, end_row=row,
                          end_column=len(table.columns))


def page_setup(sheet: Worksheet, header_row: int) -> None:
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row + 1}"


def add_sheet(workbook: Workbook, report: Report, table: Table) -> None:
    sheet = workbook.create_sheet(sheet_title(workbook, table.sheet or report.title))
    header_row = title_block(sheet, report, table, len(table.columns))
    header(sheet, table, header_row)
    body(sheet, report, table, header_row + 2)
    sheet.freeze_panes = sheet.cell(row=header_row + 2, column=1)
    page_setup(sheet, header_row)


def render(report: Report) -> bytes:
    """The report as .xlsx bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report.tables:
        add_sheet(workbook, report, table)
    workbook.properties.title = report.title
    workbook.properties.creator = "eOffice"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
