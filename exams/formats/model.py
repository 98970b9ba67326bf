"""The format-neutral question model every importer produces and every exporter consumes, plus
the checks that all formats share (题目校验). Pure Python: no Django, no ORM."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

QTYPES = ("single", "multiple", "true_false", "fill_blank", "essay")
QTYPE_LABELS = {
    "single": "单选题",
    "multiple": "多选题",
    "true_false": "判断题",
    "fill_blank": "填空题",
    "essay": "简答题",
}
TRUE_TEXT, FALSE_TEXT = "正确", "错误"

MAX_STEM_CHARS = 2000
MAX_OPTION_CHARS = 500
MAX_QUESTIONS = 5000
MAX_TEXT_BYTES = 20 * 1024 * 1024
WEIGHT_TOLERANCE = 0.001


@dataclass
class Option:
    """One answer choice of a single/multiple (or true/false) question."""

    text: str
    correct: bool = False
    weight: float | None = None  # Moodle fraction in percent (50.0, -25.0); None = derive


@dataclass
class ParsedQuestion:
    """A question as read from, or about to be written to, a file."""

    qtype: str  # one of QTYPES
    stem: str
    options: list[Option] = field(default_factory=list)  # true_false: "正确", "错误"
    answers: list[str] = field(default_factory=list)  # fill_blank: accepted answers
    explanation: str = ""
    difficulty: int = 1  # 1 easy, 2 medium, 3 hard
    tags: list[str] = field(default_factory=list)
    title: str = ""  # GIFT ::title::, Moodle <name>
    source_line: int = 0  # line (text formats) or row (xlsx) it came from


@dataclass
class ImportIssue:
    """One problem in an uploaded file, located as precisely as the format allows."""

    file: str
    line: int | None
    column: str | None
    message: str  # Simplified Chinese, shown to the uploader

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" 第{self.line}行"
        if self.column:
            where += f" “{self.column}”列"
        return f"{where}：{self.message}"


class ImportFailed(Exception):
    """The file cannot be imported; ``issues`` lists every problem found, in file order."""

    issues: list[ImportIssue]

    def __init__(self, issues: list[ImportIssue]) -> None:
        self.issues = sorted(issues, key=lambda issue: issue.line or 0)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def true_false(answer: bool) -> list[Option]:
    """The two options a true/false question carries."""
    return [Option(TRUE_TEXT, correct=answer), Option(FALSE_TEXT, correct=not answer)]


def is_correct(qtype: str, weight: float) -> bool:
    """Whether a Moodle fraction marks the option right: any credit for multiple choice, full
    credit for single choice (so partial-credit distractors stay distractors)."""
    if qtype == "single":
        return weight >= 100 - WEIGHT_TOLERANCE
    return weight > 0


def derived_weight(question: ParsedQuestion, option: Option) -> float:
    """The fraction an option without a weight gets: correct ones share 100 %, wrong ones 0."""
    if not option.correct:
        return 0.0
    correct = sum(1 for o in question.options if o.correct) or 1
    return 100.0 / correct


def effective_weights(question: ParsedQuestion) -> list[float]:
    """Each option's fraction: the given weight, else the derived one."""
    return [o.weight if o.weight is not None else derived_weight(question, o) for o in question.options]


def canonicalise_weights(question: ParsedQuestion) -> None:
    """Drop weights that say nothing beyond the correct flags, so ``weight is None`` round-trips."""
    weights = [o.weight for o in question.options if o.weight is not None]
    if not weights or len(weights) != len(question.options):
        return
    derived = [derived_weight(question, o) for o in question.options]
    if all(abs(w - d) < WEIGHT_TOLERANCE for w, d in zip(weights, derived, strict=True)):
        for option in question.options:
            option.weight = None


def format_weight(weight: float) -> str:
    """A fraction as Moodle writes it: "100", "-50", "33.3333333"."""
    text = f"{weight:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def stem_key(stem: str) -> str:
    """What two stems must share to count as duplicates."""
    return " ".join(stem.split())


def option_letter(index: int) -> str:
    return chr(ord("A") + index)


def question_label(question: ParsedQuestion, index: int) -> str:
    """How an exporter names a question in an error: position and the start of the stem."""
    stem = stem_key(question.stem)
    return f"第{index + 1}题“{stem[:30]}{'…' if len(stem) > 30 else ''}”"


def validate(
    questions: list[ParsedQuestion],
    *,
    filename: str,
    columns: Mapping[str, str] | None = None,
    label: Callable[[ParsedQuestion], str] | None = None,
) -> list[ImportIssue]:
    """Every rule violation in ``questions``. ``columns`` maps a field (qtype, stem, option,
    answer, difficulty) to the column it came from; "option" may hold a ``{letter}`` placeholder.
    ``label`` gives a prefix naming the question in each message (e.g. "第3题：")."""
    cols = columns or {}
    issues: list[ImportIssue] = []

    def issue(q: ParsedQuestion, fieldname: str, message: str, letter: str = "") -> None:
        column = cols.get(fieldname)
        if column and letter:
            column = column.format(letter=letter)
        prefix = label(q) if label else ""
        issues.append(ImportIssue(filename, q.source_line or None, column, prefix + message))

    if len(questions) > MAX_QUESTIONS:
        issues.append(ImportIssue(filename, None, None, f"题目超过 {MAX_QUESTIONS} 道，请拆分后分批导入"))
        return issues
    first_line: dict[str, int] = {}
    for q in questions:
        if q.qtype not in QTYPES:
            issue(q, "qtype", f"题型“{q.qtype}”无效")
        if not q.stem.strip():
            issue(q, "stem", "题干不能为空")
        elif len(q.stem) > MAX_STEM_CHARS:
            issue(q, "stem", f"题干超过 {MAX_STEM_CHARS} 个字符（当前 {len(q.stem)} 个）")
        else:
            key = stem_key(q.stem)
            if key in first_line:
                issue(q, "stem", f"题干与第{first_line[key]}行的题目重复")
            else:
                first_line[key] = q.source_line
        if q.difficulty not in (1, 2, 3):
            issue(q, "difficulty", f"难度“{q.difficulty}”无效，应为 1、2、3（易、中、难）")
        if q.qtype in ("single", "multiple"):
            _validate_choices(q, QTYPE_LABELS[q.qtype], issue)
        elif q.qtype == "true_false":
            texts = [o.text for o in q.options]
            if texts != [TRUE_TEXT, FALSE_TEXT] or sum(o.correct for o in q.options) != 1:
                issue(q, "answer", "判断题的答案必须是“正确”或“错误”之一")
        elif q.qtype == "fill_blank" and not [a for a in q.answers if a.strip()]:
            issue(q, "answer", "填空题至少需要一个参考答案")
    return issues


_Report = Callable[[ParsedQuestion, str, str, str], None]


def _validate_choices(q: ParsedQuestion, label: str, issue: _Report) -> None:
    if len(q.options) < 2:
        issue(q, "option", f"{label}至少需要 2 个选项（当前 {len(q.options)} 个）", "A")
    for i, option in enumerate(q.options):
        letter = option_letter(i) if i < 26 else str(i + 1)
        if not option.text.strip():
            issue(q, "option", f"选项{letter}不能为空", letter)
        elif len(option.text) > MAX_OPTION_CHARS:
            issue(
                q,
                "option",
                f"选项{letter}超过 {MAX_OPTION_CHARS} 个字符（当前 {len(option.text)} 个）",
                letter,
            )
        if option.weight is not None:
            if not -100 <= option.weight <= 100:
                issue(
                    q,
                    "option",
                    f"选项{letter}的分值 {format_weight(option.weight)}% 超出 -100%～100%",
                    letter,
                )
            elif is_correct(q.qtype, option.weight) != option.correct:
                issue(
                    q,
                    "option",
                    f"选项{letter}的分值 {format_weight(option.weight)}% 与是否正确不一致",
                    letter,
                )
    correct = sum(o.correct for o in q.options)
    if q.qtype == "single" and correct != 1:
        issue(q, "answer", f"单选题必须有且只有一个正确答案（当前 {correct} 个）", "")
    elif q.qtype == "multiple" and correct < 1:
        issue(q, "answer", "多选题至少需要一个正确答案", "")
    elif q.qtype == "multiple" and all(o.weight is not None for o in q.options):
        total = sum(w for w in effective_weights(q) if w > 0)
        if abs(total - 100) > 0.1:
            issue(q, "answer", f"多选题正确选项的分值之和应为 100%（当前 {format_weight(total)}%）", "")


def finish(
    questions: list[ParsedQuestion],
    issues: list[ImportIssue],
    *,
    filename: str,
    columns: Mapping[str, str] | None = None,
    skip_lines: set[int] | None = None,
    label: Callable[[ParsedQuestion], str] | None = None,
) -> list[ParsedQuestion]:
    """Validate, then either return the questions or raise with every issue found.

    One mistake is reported once: questions starting on ``skip_lines`` are not validated again,
    nor is a line/column that already has a parse issue."""
    skip = skip_lines or set()
    reported = {(issue.line, issue.column) for issue in issues}
    checked = validate(
        [q for q in questions if q.source_line not in skip], filename=filename, columns=columns, label=label
    )
    issues = issues + [issue for issue in checked if (issue.line, issue.column) not in reported]
    if issues:
        raise ImportFailed(issues)
    if not questions:
        raise ImportFailed([ImportIssue(filename, None, None, "文件中没有找到任何题目")])
    return questions


def decode_text(data: bytes | str, *, filename: str) -> str:
    """Bytes → text, trying UTF-8 (with or without BOM) then GB18030 (a superset of GBK, which
    Chinese Windows tools still write); newlines normalised to ``\\n``."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        if len(data) > MAX_TEXT_BYTES:
            raise ImportFailed([ImportIssue(filename, None, None, "文件超过 20 MB，请拆分后分批导入")])
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFailed(
                [ImportIssue(filename, None, None, "无法识别文件编码，请将文件另存为 UTF-8 编码后重新上传")]
            )
    if "\x00" in text:
        raise ImportFailed([ImportIssue(filename, None, None, "文件不是文本文件，请检查选择的导入格式")])
    return text.replace("\r\n", "\n").replace("\r", "\n")


_BLOCK_TAGS = frozenset(
    ["p", "div", "li", "ul", "ol", "tr", "table", "blockquote", "pre", *(f"h{n}" for n in range(1, 7))]
)
_SOFT_BREAK = "\x00"  # a block boundary: collapses with neighbours, unlike <br>


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append(_SOFT_BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(_SOFT_BREAK)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            # HTML whitespace collapses; &nbsp; (\xa0) survives, which is how dumps keep double spaces.
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data.replace(_SOFT_BREAK, "")))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, <p>/<br> → newlines."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = "".join(extractor.parts)
    text = re.sub(f" *{_SOFT_BREAK}[ {_SOFT_BREAK}]*", _SOFT_BREAK, text)
    text = re.sub(f"{_SOFT_BREAK}(?=\n)|(?<=\n){_SOFT_BREAK}", "", text).replace(_SOFT_BREAK, "\n")
    lines = [line.strip(" ") for line in text.split("\n")]
    return "\n".join(lines).strip("\n").replace("\xa0", " ")


def text_to_html(text: str) -> str:
    """Plain text as an HTML paragraph that ``html_to_text`` turns back into the same text."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"(?<= ) ", "&nbsp;", escaped)
    return "<p>" + "<br>".join(escaped.split("\n")) + "</p>"
