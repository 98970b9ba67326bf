"""The Excel template's columns as CSV (题库 CSV): what Chinese Excel or WPS writes with "另存为
CSV" — UTF-8 (with or without BOM), GBK/GB18030 or UTF-16 "Unicode 文本" — is read by the shared
hardened reader (``training.org.spreadsheets``) and checked exactly as the .xlsx template is.
Written as UTF-8 with a BOM (so Excel on Chinese Windows does not read it as GBK), with text a
spreadsheet would run as a formula quoted as in the .xlsx export (parse strips that quote again).
"""

from __future__ import annotations

import csv
import io

from exams.formats import xlsx
from exams.formats.model import ImportFailed, ImportIssue, ParsedQuestion
from training.org.spreadsheets import neutralise


def parse(data: bytes | str, *, filename: str) -> list[ParsedQuestion]:
    """Questions in a CSV with the template's header row; raises ImportFailed listing every problem."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise ImportFailed([ImportIssue(filename, None, None, "文件是空的")])
    return xlsx.parse_table(data, filename=filename, csv_allowed=True)


def dump(questions: list[ParsedQuestion]) -> str:
    """The questions as a CSV on the template's columns; ValueError names a question it cannot hold."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(xlsx.HEADERS)
    for row in xlsx._rows(questions):
        # _quote keeps the round trip exact; neutralise also covers a leading tab or CR.
        writer.writerow([neutralise(xlsx._quote(value)) for value in row])
    return "\ufeff" + out.getvalue()
