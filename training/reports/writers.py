"""File formats of the exports (导出): Excel, CSV and PDF, from tables of plain rows. No ORM here.

No cell can run as a formula (CSV/formula injection), through the helpers every export shares
(``training.org.spreadsheets``): in CSV, text starting with = + - @ (or a tab or carriage return)
gets a leading apostrophe (``neutralise``); in Excel such text is a string cell with Excel's quote
prefix (``text_cell``), shown and read back exactly as it was, never a formula.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

# STSong-Light, the Adobe-GB1 CID font that PDF readers supply (registered there): nothing to ship.
from training.competency.certificates import FONT
from training.org.spreadsheets import FORMULA_STARTS, neutralise, text_cell

__all__ = ["FORMULA_STARTS", "ReportTable", "csv_lines", "neutralise", "write_csv", "write_pdf", "write_xlsx"]


def _cell(ws, value):
    """A write-only cell that can take a style and is never a formula."""
    cell = text_cell(ws, value)
    return cell if hasattr(cell, "font") else WriteOnlyCell(ws, value=cell)


@dataclass
class ReportTable:
    """One exportable table (台账): a title, column headers and rows of plain values."""

    key: str
    title: str
    columns: list[str]
    rows: Iterable[list]
    widths: list[int] = field(default_factory=list)  # in characters, per column
    count: int | None = None  # rows, when known in advance (for progress)


def _title(table: ReportTable, unit_name: str, day: datetime.date) -> str:
    return f"{unit_name} · {table.title} · {day.isoformat()}"


def _widths(table: ReportTable) -> list[int]:
    return table.widths or [max(8, 2 * len(c) + 2) for c in table.columns]


def write_xlsx(
    out,
    tables: list[ReportTable],
    *,
    unit_name: str,
    day: datetime.date,
    progress=None,
    progress_every: int = 1_000,
) -> int:
    """An Excel workbook with a sheet per table, in write-only mode (rows are streamed to disk,
    memory stays flat): a title row with unit and date, a bold header row frozen below it, set
    column widths. ``progress(rows_written)`` is called every ``progress_every`` rows. Returns
    the number of data rows."""
    wb = Workbook(write_only=True)
    written = 0
    for table in tables:
        ws = wb.create_sheet(title=table.title[:31])
        for i, width in enumerate(_widths(table), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A3"
        title = _cell(ws, _title(table, unit_name, day))
        title.font = Font(bold=True, size=14)
        ws.append([title])
        header = []
        for name in table.columns:
            cell = _cell(ws, name)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E8EEF4")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            header.append(cell)
        ws.append(header)
        for row in table.rows:
            ws.append([text_cell(ws, v) for v in row])
            written += 1
            if progress and written % progress_every == 0:
                progress(written)
    wb.save(out)
    return written


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: ReportTable, *, unit_name: str, day: datetime.date) -> Iterator[str]:
    """A CSV file line by line: UTF-8 with a byte-order mark first (without it Excel on Windows
    reads the Chinese as GBK and shows garbage), a title line, the header, the rows."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([neutralise(_title(table, unit_name, day))])
    yield writer.writerow([neutralise(c) for c in table.columns])
    for row in table.rows:
        yield writer.writerow([neutralise(v) for v in row])


def write_csv(out, table: ReportTable, *, unit_name: str, day: datetime.date, progress=None) -> int:
    """The same CSV into a binary file; returns the number of data rows."""
    written = -3  # BOM, title, header
    for line in csv_lines(table, unit_name=unit_name, day=day):
        out.write(line.encode("utf-8"))
        written += 1
        if progress and written > 0 and written % 1_000 == 0:
            progress(written)
    return max(written, 0)


PAGE = landscape(A4)
MARGIN = 36
ROW_HEIGHT = 16
FONT_SIZE = 9
INK = HexColor("#1f2933")
RULE = HexColor("#c5ced8")


def _fit(text: str, width: float) -> str:
    """Cut a cell to its column (with an ellipsis), so a long name never runs into the next."""
    if pdfmetrics.stringWidth(text, FONT, FONT_SIZE) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, FONT_SIZE) > width:
        text = text[:-1]
    return text + "…"


def _pdf_page_start(
    pdf, table: ReportTable, columns: list[tuple[float, float]], *, title: str, page_no: int
) -> float:
    """Begin a page of a table: the title on its first page, the page number, the header row.
    Returns the y under the header."""
    width, height = PAGE
    y = height - MARGIN
    pdf.setFillColor(INK)
    if title:
        pdf.setFont(FONT, 14)
        pdf.drawString(MARGIN, y - 14, title)
        y -= 30
    pdf.setFont(FONT, 8)
    pdf.drawRightString(width - MARGIN, MARGIN / 2, str(page_no))
    pdf.setFillColor(HexColor("#e8eef4"))
    pdf.rect(MARGIN, y - ROW_HEIGHT, width - 2 * MARGIN, ROW_HEIGHT, stroke=0, fill=1)
    pdf.setFillColor(INK)
    pdf.setFont(FONT, FONT_SIZE)
    for (x, w), name in zip(columns, table.columns, strict=True):
        pdf.drawString(x + 2, y - ROW_HEIGHT + 4, _fit(name, w - 4))
    pdf.setStrokeColor(RULE)
    pdf.setLineWidth(0.5)
    return y - ROW_HEIGHT


def write_pdf(out, tables: list[ReportTable], *, unit_name: str, day: datetime.date, progress=None) -> int:
    """A landscape A4 PDF: per table a title, then the header repeated on every page, ruled rows
    and page numbers. Drawn on the canvas directly (platypus tables cost far more for the same
    page); Chinese in the STSong-Light CID font. Returns the number of data rows."""
    pdf = canvas.Canvas(out, pagesize=PAGE, pageCompression=1)
    pdf.setTitle(f"{unit_name} · {day.isoformat()}")
    usable = PAGE[0] - 2 * MARGIN
    written = page_no = 0
    for table in tables:
        weights = _widths(table)
        scale = usable / sum(weights)
        columns, x = [], MARGIN
        for w in weights:
            columns.append((x, w * scale))
            x += w * scale
        page_no += 1
        y = _pdf_page_start(pdf, table, columns, title=_title(table, unit_name, day), page_no=page_no)
        for row in table.rows:
            if y - ROW_HEIGHT < MARGIN:
                pdf.showPage()
                page_no += 1
                y = _pdf_page_start(pdf, table, columns, title="", page_no=page_no)
            for (x, w), value in zip(columns, row, strict=False):
                if value is not None and value != "":
                    pdf.drawString(x + 2, y - ROW_HEIGHT + 4, _fit(str(value), w - 4))
            y -= ROW_HEIGHT
            pdf.line(MARGIN, y, MARGIN + usable, y)
            written += 1
            if progress and written % 500 == 0:
                progress(written)
        pdf.showPage()
    pdf.save()
    return written
