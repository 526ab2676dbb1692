"""Printable registers and processing reports (NĐ 30/2020 Phụ lục IV, VI).

- ``queries``: the data, scoped to one agency (and, for a department head, one
  department), as plain rows;
- ``layouts``: each register or report as one neutral table description (title,
  columns, rows), with the official column headers;
- ``pdf`` and ``xlsx``: render any such description (A4 landscape PDF with the DejaVu
  fonts shipped in ``app/static/fonts``; an Excel workbook);
- ``views``: the /reports/ screen that chooses one and downloads it.
"""
