"""Excel (.xlsx) question bank on the Station Academy template (one question per row).

Header row, exactly: 题型, 题干, 选项A…选项H, 答案, 解析, 难度, 标签 (any order; 选项C–选项H may be
left out, extra columns are ignored). 题型: 单选题/多选题/判断题/填空题/简答题. 答案: letters for
choice questions ("B", "ACD", "A,C,D"), 正确/错误 (对/错, √/×, T/F) for 判断题, "|"-separated
accepted answers for 填空题, empty for 简答题. 难度: 易/中/难 or 1/2/3 (empty = 易). 标签: split on "，" "," or "、".

Hostile files are refused with an issue rather than read, by the reader every importer shares
(``training.org.spreadsheets``): not a zip, a zip bomb (declared and actual sizes, ratio), XML
entities, over 5 000 data rows, cells over 5 000 characters, hidden data sheets, merged cells and
cells that are real formulas (never evaluated). Text starting with = + - @ is content here (an
option may be "-1") and is kept; it is written with one leading "'" so spreadsheet programs show
it instead of running it, and parse strips exactly that quote again.

Not carried: title and option weights (come back "" and None).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from exams.formats.model import (
    QTYPE_LABELS,
    ImportFailed,
    ImportIssue,
    Option,
    ParsedQuestion,
    finish,
    option_letter,
    question_label,
    true_false,
)
from training.org.spreadsheets import Limits, SpreadsheetInvalid, read_table, text_cell

OPTION_HEADERS = tuple(f"选项{option_letter(i)}" for i in range(8))
HEADERS = ("题型", "题干", *OPTION_HEADERS, "答案", "解析", "难度", "标签")
OPTIONAL_HEADERS = frozenset(OPTION_HEADERS[2:])
MAX_ROWS = 5000
MAX_CELL_CHARS = 5000
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SHEET_TITLE = "题库"

_TYPES = {
    "单选题": "single",
    "单选": "single",
    "多选题": "multiple",
    "多选": "multiple",
    "判断题": "true_false",
    "判断": "true_false",
    "填空题": "fill_blank",
    "填空": "fill_blank",
    "简答题": "essay",
    "简答": "essay",
    "问答题": "essay",
}
_TRUE_WORDS = frozenset({"正确", "对", "√", "✓", "✔", "T", "TRUE", "是"})
_FALSE_WORDS = frozenset({"错误", "错", "×", "✗", "✘", "X", "F", "FALSE", "否"})
_DIFFICULTY = {"易": 1, "简单": 1, "1": 1, "中": 2, "中等": 2, "2": 2, "难": 3, "困难": 3, "3": 3}
_DIFFICULTY_NAMES = {1: "易", 2: "中", 3: "难"}
_COLUMNS = {"qtype": "题型", "stem": "题干", "option": "选项{letter}", "answer": "答案", "difficulty": "难度"}
_DANGEROUS_RE = re.compile(r"^'*[=+\-@]")  # what a spreadsheet may run as a formula
_QUOTED_RE = re.compile(r"^'+[=+\-@]")
_TAG_SPLIT_RE = re.compile(r"[，,、]")
_LETTER_SPLIT_RE = re.compile(r"[\s,，、;；/]+")
_WIDTHS = {"题型": 10, "题干": 50, "答案": 10, "解析": 40, "难度": 8, "标签": 20}

_Report = Callable[[str, str], None]


LIMITS = Limits(
    upload_bytes=MAX_UPLOAD_BYTES, unzipped_bytes=MAX_UNZIPPED_BYTES, rows=MAX_ROWS, cell_chars=MAX_CELL_CHARS
)


def parse(data: bytes | str, *, filename: str) -> list[ParsedQuestion]:
    """Questions in a template-shaped .xlsx; raises ImportFailed listing every problem."""
    if isinstance(data, str):
        raise ImportFailed([ImportIssue(filename, None, None, "文件不是有效的 Excel（.xlsx）文件")])
    return parse_table(data, filename=filename, csv_allowed=False)


def parse_table(data: bytes, *, filename: str, csv_allowed: bool) -> list[ParsedQuestion]:
    """Questions in a template-shaped .xlsx (or .csv when allowed), read by the shared hardened
    reader: zip bombs, XML entities, hidden sheets, merged cells and formula cells are refused."""
    try:
        table = read_table(
            data,
            filename=filename,
            headers=HEADERS,
            required=frozenset(HEADERS) - OPTIONAL_HEADERS,
            identify=frozenset({"题型", "题干"}),
            limits=LIMITS,
            csv_allowed=csv_allowed,
        )
    except SpreadsheetInvalid as invalid:
        raise ImportFailed(
            [ImportIssue(filename, p.row, p.column, p.message) for p in invalid.problems]
        ) from None
    questions: list[ParsedQuestion] = []
    issues: list[ImportIssue] = []
    for source in table.rows:

        def issue(column: str, message: str, row: int = source.number) -> None:
            issues.append(ImportIssue(filename, row, column, message))

        # Formula-like text stays text here (an option may well be "-1"); exports neutralise it.
        cells = {h: _unquote(source.cells.get(h, "")) for h in HEADERS}
        questions.append(_question(source.number, cells, issue))
    return finish(questions, issues, filename=filename, columns=_COLUMNS)


def _question(row: int, cells: dict[str, str], issue: _Report) -> ParsedQuestion:
    """The question on one row, as complete as the row allows; problems go to ``issue``."""
    raw_type = cells["题型"]
    qtype = _TYPES.get(_normalise(raw_type).replace(" ", ""), "")
    if not raw_type:
        issue("题型", "题型不能为空")
    elif not qtype:
        issue("题型", f"题型“{raw_type}”无效，应为：单选题、多选题、判断题、填空题、简答题")
    question = ParsedQuestion(
        qtype=qtype or raw_type or "?",
        stem=cells["题干"],
        explanation=cells["解析"],
        tags=list(dict.fromkeys(t.strip() for t in _TAG_SPLIT_RE.split(cells["标签"]) if t.strip())),
        source_line=row,
    )
    difficulty = _normalise(cells["难度"])
    if difficulty:
        if difficulty in _DIFFICULTY:
            question.difficulty = _DIFFICULTY[difficulty]
        else:
            issue("难度", f"难度“{cells['难度']}”无效，应为 易/中/难 或 1/2/3")
    answer = cells["答案"]
    if qtype in ("single", "multiple"):
        _choices(question, cells, answer, issue)
    elif qtype == "true_false":
        word = _normalise(answer).upper()
        if not word:
            issue("答案", "答案不能为空")
        elif word in _TRUE_WORDS or word in _FALSE_WORDS:
            question.options = true_false(word in _TRUE_WORDS)
        else:
            issue("答案", f"判断题答案“{answer}”无效，应为 正确/错误（或 对/错、√/×、T/F）")
    elif qtype == "fill_blank":
        question.answers = [a.strip() for a in re.split(r"[|｜]", answer) if a.strip()]
    elif qtype == "essay" and answer:
        issue("答案", "简答题的“答案”列应留空，参考答案请写在“解析”列")
    return question


def _choices(question: ParsedQuestion, cells: dict[str, str], answer: str, issue: _Report) -> None:
    values = [cells.get(h, "") for h in OPTION_HEADERS]
    last = max((i for i, v in enumerate(values) if v), default=-1)
    for i in range(last):
        if not values[i]:
            issue(OPTION_HEADERS[i], f"{OPTION_HEADERS[i]}为空，但后面还有选项")
    question.options = [Option(v) for v in values[: last + 1]]
    letters = _normalise(answer).upper()
    if not letters:
        issue("答案", "答案不能为空")
        return
    for letter in dict.fromkeys(_LETTER_SPLIT_RE.sub("", letters)):
        index = ord(letter) - ord("A")
        if not ("A" <= letter <= "Z"):
            issue("答案", f"答案“{letter}”不是选项字母，应为 A–H 的字母，如“B”或“ACD”")
        elif index >= len(question.options) or not question.options[index].text:
            issue("答案", f"答案“{letter}”不在选项中")
        else:
            question.options[index].correct = True


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits ("Ａ", "２") typed with a Chinese IME.
    return unicodedata.normalize("NFKC", text).strip()


def _unquote(text: str) -> str:
    """Undo ``_quote``: drop the one "'" written in front of formula-like text."""
    return text[1:] if _QUOTED_RE.match(text) else text


def _quote(text: str) -> str:
    """Text as a cell value a spreadsheet will show, never run: "=1+1" → "'=1+1"."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if _DANGEROUS_RE.match(text) else text


def _rows(questions: list[ParsedQuestion]) -> list[list[str]]:
    rows = []
    for index, q in enumerate(questions):
        label = question_label(q, index)
        if q.qtype not in QTYPE_LABELS:
            raise ValueError(f"{label}的题型“{q.qtype}”无效")
        options = ["" for _ in OPTION_HEADERS]
        answer = ""
        if q.qtype in ("single", "multiple"):
            if len(q.options) > len(OPTION_HEADERS):
                raise ValueError(
                    f"Excel 模板最多 {len(OPTION_HEADERS)} 个选项：{label}有 {len(q.options)} 个"
                )
            for i, option in enumerate(q.options):
                options[i] = option.text
            answer = "".join(option_letter(i) for i, o in enumerate(q.options) if o.correct)
        elif q.qtype == "true_false":
            answer = "正确" if q.options and q.options[0].correct else "错误"
        elif q.qtype == "fill_blank":
            if any(re.search(r"[|｜]", a) for a in q.answers):
                raise ValueError(f"Excel 模板用“|”分隔填空题答案，{label}的答案中不能含有“|”")
            answer = "|".join(q.answers)
        if any(_TAG_SPLIT_RE.search(t) for t in q.tags):
            raise ValueError(f"Excel 模板用逗号分隔标签，{label}的标签中不能含有逗号或顿号")
        rows.append(
            [
                QTYPE_LABELS[q.qtype],
                q.stem,
                *options,
                answer,
                q.explanation,
                _DIFFICULTY_NAMES.get(q.difficulty, str(q.difficulty)),
                "，".join(q.tags),
            ]
        )
    return rows


def _bank_sheet(sheet: Worksheet, rows: list[list[str]]) -> None:
    sheet.title = SHEET_TITLE
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append([text_cell(sheet, _quote(value)) for value in row])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(header, 20)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def dump(questions: list[ParsedQuestion]) -> bytes:
    """An .xlsx on the import template; ValueError names a question the template cannot hold."""
    workbook = Workbook()
    _bank_sheet(workbook.active, _rows(questions))
    return _to_bytes(workbook)


TEMPLATE_EXAMPLES = [
    ParsedQuestion(
        qtype="single",
        stem="失业保险累计缴费时间满10年以上的，领取失业保险金的期限最长为多少个月？",
        options=[Option("12个月"), Option("18个月"), Option("24个月", correct=True), Option("36个月")],
        explanation="依据《失业保险条例》第十七条：累计缴费满10年以上的，领取失业保险金的期限最长为24个月。",
        difficulty=1,
        tags=["失业保险", "待遇期限"],
    ),
    ParsedQuestion(
        qtype="multiple",
        stem="失业人员申领失业保险金，应当同时具备下列哪些条件？",
        options=[
            Option("按照规定参加失业保险，所在单位和本人已按规定履行缴费义务满1年", correct=True),
            Option("非因本人意愿中断就业", correct=True),
            Option("已经进行失业登记，并有求职要求", correct=True),
            Option("已经办理退休手续"),
        ],
        explanation="依据《失业保险条例》第十四条，A、B、C 三项条件须同时具备；已办理退休的人员不属于失业保险保障对象。",
        difficulty=2,
        tags=["失业保险", "申领条件"],
    ),
]

_GUIDE = [
    ("题型", "必填", "单选题、多选题、判断题、填空题、简答题 五选一", "单选题"),
    ("题干", "必填", "题目内容，最多 2000 字；同一文件中题干不能重复", "失业保险金按月发放吗？"),
    (
        "选项A～选项H",
        "单选/多选必填",
        "至少填 2 个选项，从选项A开始连续填写，每个最多 500 字；其他题型留空",
        "18个月",
    ),
    (
        "答案",
        "除简答题外必填",
        "单选题填一个字母；多选题填多个字母（如 ACD 或 A,C,D）；判断题填 正确/错误（也可填 对/错、√/×、T/F）；"
        "填空题填参考答案，多个可接受答案用“|”分隔；简答题留空",
        "C",
    ),
    (
        "解析",
        "选填",
        "答案解析，答题后显示给学员；简答题的参考答案也写在这里",
        "依据《失业保险条例》第十七条……",
    ),
    ("难度", "选填", "易/中/难 或 1/2/3，留空为“易”", "中"),
    ("标签", "选填", "多个标签用逗号分隔", "失业保险，待遇期限"),
]
_NOTES = [
    "每行一道题，第一行表头请勿修改、删除或调换列名。",
    f"一次最多导入 {MAX_ROWS} 道题，单元格内容不超过 {MAX_CELL_CHARS} 字。",
    "以 = + - @ 开头的内容会按文字导入，不会当作公式计算。",
    "文件中只要有一处错误，整个文件都不会导入；请按提示的行号和列名修改后重新上传。",
]


def template() -> bytes:
    """The downloadable import template: the bank sheet with two examples and a 说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    _bank_sheet(sheet, _rows(TEMPLATE_EXAMPLES))
    types = DataValidation(type="list", formula1='"单选题,多选题,判断题,填空题,简答题"', allow_blank=True)
    levels = DataValidation(type="list", formula1='"易,中,难"', allow_blank=True)
    sheet.add_data_validation(types)
    sheet.add_data_validation(levels)
    types.add(f"A2:A{MAX_ROWS + 1}")
    levels.add(
        f"{get_column_letter(HEADERS.index('难度') + 1)}2:{get_column_letter(HEADERS.index('难度') + 1)}{MAX_ROWS + 1}"
    )

    guide = workbook.create_sheet("说明")
    guide.append(["列名", "是否必填", "填写说明", "示例"])
    for row in _GUIDE:
        guide.append(list(row))
    guide.append([])
    guide.append(["注意事项"])
    for note in _NOTES:
        guide.append([note])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    guide.cell(row=len(_GUIDE) + 3, column=1).font = Font(bold=True)
    for letter, width in zip("ABCD", (16, 16, 70, 30), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2, max_row=len(_GUIDE) + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _to_bytes(workbook)
