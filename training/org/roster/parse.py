"""Parse (解析): the roster file into rows of stripped text, refusing what is not a roster.

Nothing here reads the database; the rows are checked by ``validate`` and written by ``apply``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..spreadsheets import (
    Limits,
    SpreadsheetInvalid,
    formula_injection_message,
    formula_like,
    read_table,
)
from .columns import HEADERS, MAX_CELL_CHARS, MAX_ROWS, MAX_UNZIPPED_BYTES, MAX_UPLOAD_BYTES, TEMPLATE_HEADERS
from .problems import RosterInvalid, RosterIssue

_QUOTED_RE = re.compile(r"^'+[=+\-@]")


def _unquote(text: str) -> str:
    """An exported cell carries one "'" in front of formula-like text; drop exactly that one."""
    return text[1:] if _QUOTED_RE.match(text) else text


@dataclass
class RosterRow:
    """One person as read from the sheet (cells stripped; not yet checked against the database)."""

    row: int
    cells: dict[str, str]
    numeric: frozenset[str] = frozenset()  # columns whose cell was a number, not text


@dataclass
class RosterSheet:
    rows: list[RosterRow]
    letters: dict[str, str]  # header → column letter


REFUSED = "\x00"  # marks a refused cell: reported once, not checked again


def read_roster(data: bytes, *, filename: str = "") -> RosterSheet:
    """The rows of a roster (.xlsx, or .csv as Chinese Excel/WPS save it), read by the shared
    hardened reader (``training.org.spreadsheets``); raises ``RosterInvalid`` for a file that is
    not a readable table, a sheet without the template's header, no data or too many rows, cells
    too long, cells that are formulas, and text that a spreadsheet would run as a formula (formula
    injection: = + - @, tab or CR first; a name, unit or post never starts so, so it is refused
    rather than silently changed)."""
    try:
        table = read_table(
            data,
            filename=filename,
            headers=TEMPLATE_HEADERS,
            required=frozenset(HEADERS),
            identify=frozenset({"姓名", "身份证号"}),
            limits=Limits(
                upload_bytes=MAX_UPLOAD_BYTES,
                unzipped_bytes=MAX_UNZIPPED_BYTES,
                rows=MAX_ROWS,
                cell_chars=MAX_CELL_CHARS,
            ),
        )
    except SpreadsheetInvalid as invalid:
        raise RosterInvalid(
            [RosterIssue(p.row, p.column, p.letter, p.message) for p in invalid.problems]
        ) from None
    letters = {h: table.letter(h) for h in TEMPLATE_HEADERS if h in table.positions}
    issues: list[RosterIssue] = []
    rows: list[RosterRow] = []
    for source in table.rows:
        cells = {}
        for name, text in source.cells.items():
            text = _unquote(text)
            if name in source.formula_like or formula_like(text):
                issues.append(
                    RosterIssue(
                        source.number,
                        name,
                        letters[name],
                        formula_injection_message(text),
                    )
                )
                text = REFUSED
            cells[name] = text
        rows.append(RosterRow(source.number, cells, source.numeric))
    if issues:
        raise RosterInvalid(issues)
    if not rows:
        raise RosterInvalid([RosterIssue(2, message="没有找到任何人员数据：从第 2 行起每行填写一人")])
    return RosterSheet(rows, letters)
