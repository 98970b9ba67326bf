"""Uploaded and exported spreadsheets (表格文件), hardened once for every importer and exporter.

Reading: ``read_table`` turns the bytes of an uploaded .xlsx or .csv into a header map and rows of
cells, or raises ``SpreadsheetInvalid`` with Chinese messages naming the file, row and column.
Before openpyxl parses anything, the zip is checked entry by entry: the number of entries, the
declared sizes and compression ratios, then the actual size of every entry as it is inflated in
1 MB steps (stopping at the limit, so a zip bomb costs at most the limit), and no XML part may carry
a DTD (entity expansion, "billion laughs"; Office files never have one; openpyxl also parses with
defusedxml). Old binary .xls/.et files, hidden sheets, merged cells, duplicate or missing headers,
too many rows, overlong cells and cells that are real formulas are refused, each with a message.
A CSV may be what Chinese Excel or WPS writes: UTF-8 (with or without BOM), GBK/GB18030 ("CSV
(逗号分隔)" on Chinese Windows), or UTF-16 with BOM ("Unicode 文本", tab-separated); anything
else, binary content included, is refused. Formula-like text (= + - @, tab, CR first) is only
flagged (``formula_like``): each importer decides, because a name must not be one but a question
option may well be "-1".

Writing: ``neutralise`` for CSV (a leading apostrophe) and ``text_cell`` for .xlsx (a string cell
with Excel's quote prefix, so the text comes back exactly and is never a formula), for every export.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter, range_boundaries

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_MAX = 32_767  # characters Excel itself allows in a cell
MAX_ZIP_ENTRIES = 2_000
MAX_RATIO = 200  # uncompressed / compressed for one large entry; real sheets stay well under 100
RATIO_CHECK_FROM = 1024 * 1024  # small entries may compress better than that and hurt nobody
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, .doc: the old binary formats
_DTD_MARKS = tuple(
    mark.encode(encoding)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHUNK = 1024 * 1024
_SCIENTIFIC_RE = re.compile(r"^\d+(?:\.\d+)?[Ee]\+\d+$")


# --- problems ------------------------------------------------------------------------------------


@dataclass
class SpreadsheetProblem:
    """One problem, located as precisely as the file allows (row 1 is the header)."""

    message: str  # Simplified Chinese, shown to the uploader
    row: int | None = None
    column: str | None = None  # the header name, e.g. 姓名
    letter: str | None = None  # the spreadsheet column, e.g. B


class SpreadsheetInvalid(Exception):
    """The file cannot be read as a table; ``problems`` says every reason found."""

    def __init__(self, filename: str, problems: list[SpreadsheetProblem]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(f"{filename}：{p.message}" for p in problems))


# --- the table -----------------------------------------------------------------------------------


@dataclass
class TableRow:
    """One data row: ``cells`` by header (stripped text), the headers whose cell was a number (or,
    in a CSV, a number Excel wrote as 1.2E+17), and the headers whose text looks like a formula
    (starts with = + - @, tab or CR)."""

    number: int
    cells: dict[str, str]
    numeric: frozenset[str] = frozenset()
    formula_like: frozenset[str] = frozenset()


@dataclass
class Table:
    """A sheet read as a table: where each known header is, and the non-empty rows below it."""

    kind: str  # "xlsx" or "csv"
    header: list[str]
    positions: dict[str, int]  # header → 0-based column
    rows: list[TableRow] = field(default_factory=list)
    sheet: str = ""

    def letter(self, name: str) -> str:
        return get_column_letter(self.positions[name] + 1)


@dataclass(frozen=True)
class Limits:
    """What an importer accepts; everything above is refused before or while reading."""

    upload_bytes: int
    unzipped_bytes: int
    rows: int
    cell_chars: int


def formula_like(text: str) -> bool:
    """Whether a spreadsheet program would take this text for a formula (CSV/formula injection)."""
    return text.startswith(FORMULA_STARTS)


def formula_injection_message(text: str) -> str:
    """The message for refused formula-like text, naming the character it starts with."""
    first = {"\t": "制表符", "\r": "回车符"}.get(text[:1], f"“{text[:1]}”")
    shown = _short(text.strip(), 20)
    return f"内容“{shown}”以{first}开头，可能被表格软件当作公式执行（公式注入），已拒绝；请删去开头的符号后再导入"


def read_table(
    data: bytes,
    *,
    filename: str,
    headers: tuple[str, ...],
    required: frozenset[str],
    identify: frozenset[str],
    limits: Limits,
    csv_allowed: bool = True,
) -> Table:
    """The table of an uploaded .xlsx (or, when allowed, .csv): the header row is row 1 and must
    hold every ``required`` header once; the sheet used is the first visible one whose header has
    the ``identify`` headers (else the first visible sheet). Cells are text, stripped; empty rows
    are skipped. Raises ``SpreadsheetInvalid`` for any problem listed in the module docstring."""

    def fail(message: str, row: int | None = None) -> SpreadsheetInvalid:
        return SpreadsheetInvalid(filename, [SpreadsheetProblem(message, row)])

    if len(data) > limits.upload_bytes:
        raise fail(f"文件超过 {limits.upload_bytes // 1024 // 1024} MB，请拆分后分批导入")
    if not data.strip():
        raise fail("文件是空的")
    if data.startswith(OLE_MAGIC):
        raise fail("这是旧版 Excel（.xls）或 WPS（.et）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入")
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, filename, headers, required, identify, limits, fail)
    if not csv_allowed:
        raise fail("文件不是有效的 Excel（.xlsx）文件")
    return _read_csv(data, filename, headers, required, limits, fail)


# --- .xlsx ---------------------------------------------------------------------------------------


def _check_zip(data: bytes, limits: Limits, fail) -> dict[str, list[str]]:
    """Refuse a zip that inflates too far or carries a DTD; returns merged ranges per sheet part."""
    broken = "文件不是有效的 Excel（.xlsx）文件，或文件已损坏"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # BadZipFile, struct.error, ValueError…: whatever a damaged directory raises
        raise fail(broken) from None
    bomb = (
        f"文件解压后超过 {limits.unzipped_bytes // 1024 // 1024} MB 或压缩比异常，可能是恶意文件，已拒绝导入"
    )
    merges: dict[str, list[str]] = {}
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise fail(f"文件包含 {len(infos)} 个部件，不像正常的 Excel 文件，已拒绝导入")
        declared = 0
        for info in infos:
            declared += info.file_size
            ratio_too_high = info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            )
            if declared > limits.unzipped_bytes or ratio_too_high:
                raise fail(bomb)
        actual = 0
        for info in infos:
            if info.is_dir():
                continue
            is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            tail = b""
            try:
                with archive.open(info) as part:
                    while chunk := part.read(_CHUNK):
                        actual += len(chunk)
                        if actual > limits.unzipped_bytes:
                            raise fail(bomb)
                        window = tail + chunk
                        if any(mark in window for mark in _DTD_MARKS):
                            raise fail("文件中含有 XML 实体声明（DTD），可能是恶意文件，已拒绝导入")
                        if is_sheet:
                            found = _MERGE_RE.findall(window)
                            if found:
                                merges.setdefault(info.filename, []).extend(m.decode() for m in found)
                        tail = chunk[-256:]
            except SpreadsheetInvalid:
                raise
            except Exception:
                # a bad CRC, a lying size, a damaged deflate stream (zlib.error), an unknown
                # compression or a password: not a file we read
                raise fail(broken) from None
    return {part: list(dict.fromkeys(refs)) for part, refs in merges.items()}


def _read_xlsx(data, filename, headers, required, identify, limits, fail) -> Table:
    merges = _check_zip(data, limits, fail)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            # data_only=False: a formula comes back as its text and is never evaluated.
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for a damaged or non-Excel zip
        raise fail("无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式") from None
    try:
        visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
        hidden = [ws for ws in workbook.worksheets if ws.sheet_state != "visible"]
        sheet = next((ws for ws in visible if identify <= set(_first_row(ws))), None)
        if sheet is None:
            concealed = next((ws for ws in hidden if identify <= set(_first_row(ws))), None)
            if concealed is not None:
                raise fail(f"数据所在的工作表“{concealed.title}”是隐藏的，请取消隐藏并确认内容后再导入")
            if not visible:
                raise fail("Excel 文件中没有可见的工作表")
            sheet = visible[0]
        refs = merges.get(getattr(sheet, "_worksheet_path", "").lstrip("/"), [])
        if refs:
            shown = "、".join(refs[:5]) + ("等" if len(refs) > 5 else "")
            raise fail(
                f"工作表“{sheet.title}”含有合并单元格（{shown}），请取消合并，并在每一行填写完整后再导入",
                row=range_boundaries(refs[0])[1],
            )
        header = _first_row(sheet)
        table = _table("xlsx", header, headers, required, filename, fail)
        table.sheet = sheet.title
        width = max(table.positions.values()) + 1
        problems: list[SpreadsheetProblem] = []
        for number, cells in enumerate(sheet.iter_rows(min_row=2, max_col=width), start=2):
            values = [cell.value for cell in cells]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(table.rows) >= limits.rows:
                raise fail(f"数据超过 {limits.rows} 行，请拆分后分批导入")
            formulas = {
                name
                for name, index in table.positions.items()
                if index < len(cells) and getattr(cells[index], "data_type", None) == "f"
            }
            for name in sorted(formulas, key=table.positions.get):
                shown = _short(_cell_text(values[table.positions[name]]))
                problems.append(
                    SpreadsheetProblem(
                        f"单元格是公式（{shown}），不会被计算；请复制后“选择性粘贴 → 数值”，改为直接填写内容",
                        number,
                        name,
                        table.letter(name),
                    )
                )
            table.rows.append(_row(number, values, table, limits, problems, skip=formulas))
        if problems:
            raise SpreadsheetInvalid(filename, problems)
        return table
    except SpreadsheetInvalid:
        raise
    except Exception:  # read_only parses the sheet lazily, so a damaged sheet fails only here
        raise fail("无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式") from None
    finally:
        workbook.close()


def _first_row(sheet: Any) -> list[str]:
    row = next(sheet.iter_rows(min_row=1, max_row=1, max_col=64, values_only=True), ())
    return [_cell_text(v).strip()[:100] for v in row]


# --- .csv ----------------------------------------------------------------------------------------


def decode_csv(data: bytes, *, filename: str) -> str:
    """The text of a CSV as Chinese offices write it: UTF-8 with or without BOM, UTF-16 with BOM,
    GBK/GB18030; raises ``SpreadsheetInvalid`` for anything else (binary content included)."""

    def fail(message: str) -> SpreadsheetInvalid:
        return SpreadsheetInvalid(filename, [SpreadsheetProblem(message)])

    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise fail("文件声明为 UTF-16 编码，但内容无法按 UTF-16 解码，文件可能已损坏") from None
    elif b"\x00" in data:
        raise fail(
            "文件含有二进制内容，不是 CSV 文本文件；请上传 .xlsx，或在 Excel 中另存为“CSV UTF-8（逗号分隔）”"
        )
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise fail(
                "无法识别文件编码（支持 UTF-8、GBK/GB18030、带 BOM 的 UTF-16），请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"
            )
    text = text.removeprefix("\ufeff")
    bad = _CONTROL_RE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise fail(
            f"第 {line} 行含有无法识别的控制字符，文件可能不是文本文件或编码有误；请上传 .xlsx，或另存为“CSV UTF-8（逗号分隔）”"
        )
    return text


def _read_csv(data, filename, headers, required, limits, fail) -> Table:
    text = decode_csv(data, filename=filename)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    # The csv module refuses a field over 128 KiB (its default, left alone: it is process-wide);
    # that is far above any cell limit of ours, so such a field is reported as too long.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().removeprefix("\ufeff") for h in next(reader, [])]
    except csv.Error as error:
        raise fail(_csv_error(error), row=1) from None
    table = _table("csv", header, headers, required, filename, fail)
    problems: list[SpreadsheetProblem] = []
    number = 1  # records, not lines: a quoted cell may span lines, Excel shows it as one row
    while True:
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise fail(_csv_error(error), row=number) from None
        if all(not v.strip() for v in values):
            continue
        if len(table.rows) >= limits.rows:
            raise fail(f"数据超过 {limits.rows} 行，请拆分后分批导入")
        table.rows.append(_row(number, list(values), table, limits, problems, skip=set()))
    if problems:
        raise SpreadsheetInvalid(filename, problems)
    return table


def _csv_error(error: csv.Error) -> str:
    text = str(error)
    if "field larger" in text:
        return "单元格内容过长，已拒绝（CSV 格式）"
    if "expected after" in text or "quote" in text:
        return "引号不配对，或引号后缺少逗号（CSV 格式错误）；请在 Excel 中打开后重新另存为 CSV"
    return "不是有效的 CSV 行（CSV 格式错误）；请在 Excel 中打开后重新另存为 CSV"


# --- shared --------------------------------------------------------------------------------------


def _table(kind, header, headers, required, filename, fail) -> Table:
    if not any(header):
        raise fail(f"工作表是空的：第 1 行应为表头（{'、'.join(headers)}），请使用导入模板", row=1)
    positions: dict[str, int] = {}
    problems = []
    for index, name in enumerate(header):
        if name in headers:
            if name in positions:
                first = get_column_letter(positions[name] + 1)
                problems.append(
                    SpreadsheetProblem(
                        f"列名“{name}”重复（{first} 列和 {get_column_letter(index + 1)} 列），请只保留一列",
                        1,
                        name,
                        get_column_letter(index + 1),
                    )
                )
            else:
                positions[name] = index
    missing = [h for h in headers if h in required and h not in positions]
    if missing:
        unknown = [
            f"{get_column_letter(i + 1)} 列“{n}”" for i, n in enumerate(header) if n and n not in headers
        ]
        hint = f"（无法识别的列：{'、'.join(unknown[:10])}）" if unknown else ""
        for name in missing:
            problems.append(SpreadsheetProblem(f"缺少“{name}”列，表头须与导入模板一致{hint}", 1, name))
    if problems:
        raise SpreadsheetInvalid(filename, problems)
    return Table(kind=kind, header=header, positions=positions)


def _row(number, values, table: Table, limits: Limits, problems, *, skip) -> TableRow:
    cells: dict[str, str] = {}
    numeric, formulas = set(), set()
    for name, index in table.positions.items():
        value = values[index] if index < len(values) else None
        if name in skip:
            cells[name] = ""
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            numeric.add(name)
        elif isinstance(value, str) and _SCIENTIFIC_RE.match(value.strip()):
            numeric.add(name)  # a CSV saved from a number cell: 3.60102E+17 has lost its digits
        text = _cell_text(value)
        limit = min(limits.cell_chars, EXCEL_CELL_MAX)
        if len(text) > limit:
            problems.append(
                SpreadsheetProblem(
                    f"单元格内容过长（{len(text)} 个字符，最多 {limit} 个），已拒绝",
                    number,
                    name,
                    table.letter(name),
                )
            )
            text = ""
        if isinstance(value, str) and formula_like(text.lstrip(" ")):
            formulas.add(name)
        cells[name] = text.strip()
    return TableRow(number, cells, frozenset(numeric), frozenset(formulas))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _short(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[:size] + "…"


# --- writing -------------------------------------------------------------------------------------


def neutralise(value):
    """For CSV: text a spreadsheet would take for a formula gets a leading apostrophe, so Excel and
    WPS show it instead of running it; numbers, dates and empty cells pass unchanged."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def text_cell(sheet, value):
    """For .xlsx (any worksheet, write-only included): a value as a cell that can never be a
    formula. Formula-like text becomes a string cell with Excel's quote prefix (shown and kept as
    typed, exactly as when a person types '=…); characters XML cannot carry are dropped; anything
    else passes through unchanged."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
