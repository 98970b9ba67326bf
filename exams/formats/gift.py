"""Moodle GIFT text format, as Moodle's own exporter writes it.

Read: ``// comments`` (``// [tag:x]`` comments become tags, as in Moodle 3.6+), ``::title::``,
``[html]``/``[moodle]``/``[plain]``/``[markdown]`` text formats (HTML is reduced to plain text),
``$CATEGORY:`` lines (ignored), ``{=right ~wrong}`` single choice, ``{~%50%a ~%50%b ~%-100%c}``
multiple choice, ``{T}``/``{F}``/``{TRUE}``/``{FALSE}``, ``{=a =b}`` short answer → fill_blank,
``{}`` essay, ``####feedback`` → explanation, per-answer ``#feedback`` (ignored), the missing-word
form ``text {…} text`` (the blank becomes "_____"), and the escapes ``\\~ \\= \\# \\{ \\} \\: \\\\ \\n``.
Questions are separated by blank lines, as in Moodle.

Not carried: ``difficulty`` (comes back as 1). Short-answer alternatives worth less than 100 %
are dropped (only full-credit answers are accepted answers). Numerical and matching questions
are refused with an issue.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from exams.formats.model import (
    QTYPES,
    WEIGHT_TOLERANCE,
    ImportIssue,
    Option,
    ParsedQuestion,
    canonicalise_weights,
    decode_text,
    effective_weights,
    finish,
    format_weight,
    html_to_text,
    is_correct,
    question_label,
    true_false,
)

# Escaped characters are swapped for private-use code points while the structure is parsed,
# so "\{" can never open an answer block; they are swapped back in the final text.
_PLACEHOLDERS = {
    "\\": "\ue000",
    ":": "\ue001",
    "#": "\ue002",
    "=": "\ue003",
    "{": "\ue004",
    "}": "\ue005",
    "~": "\ue006",
    "n": "\ue007",
}
_RESTORE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _PLACEHOLDERS.items()})
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")
_FORMAT_RE = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_BAD_WEIGHT_RE = re.compile(r"^\s*%[^%]*%")
_TAG_RE = re.compile(r"\[tag:((?:\\.|[^\]\\])+)\]")
_HEADER_RE = re.compile(r"^\s*// question: ")
_TRUE = ("T", "TRUE")
_FALSE = ("F", "FALSE")


_Report = Callable[[int, str], None]


@dataclass
class _Block:
    text: str  # the paragraph, comment lines blanked, escapes replaced by placeholders
    first_line: int  # file line of text[0]
    comments: str

    def line_at(self, pos: int) -> int:
        return self.first_line + self.text.count("\n", 0, pos)


def parse(data: bytes | str, *, filename: str) -> list[ParsedQuestion]:
    """Questions in a GIFT file; raises ImportFailed listing every problem."""
    text = decode_text(data, filename=filename)
    questions: list[ParsedQuestion] = []
    issues: list[ImportIssue] = []
    for block in _blocks(text):
        question = _parse_block(block, filename, issues)
        if question is not None:
            questions.append(question)
    return finish(questions, issues, filename=filename)


def _blocks(text: str) -> list[_Block]:
    """Split on blank lines, as Moodle does; comment lines are kept as empty lines so every
    position still maps to its file line."""
    blocks: list[_Block] = []
    lines: list[str] = []
    comments: list[str] = []
    first = 0
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        if line.strip():
            if not lines:
                first = number
            if line.strip().startswith("//"):
                if not _HEADER_RE.match(line):  # Moodle's "// question: 1  name: …" line
                    comments.append(line)
                lines.append("")
            else:
                lines.append(line)
            continue
        if any(lines):
            blocks.append(
                _Block(
                    _ESCAPE_RE.sub(lambda m: _PLACEHOLDERS[m[1]], "\n".join(lines)),
                    first,
                    "\n".join(comments),
                )
            )
        lines, comments = [], []
    return blocks


def _parse_block(block: _Block, filename: str, issues: list[ImportIssue]) -> ParsedQuestion | None:
    text = block.text
    start = len(text) - len(text.lstrip())
    line = block.line_at(start)

    def issue(pos: int, message: str) -> None:
        issues.append(ImportIssue(filename, block.line_at(pos), None, message))

    if text[start:].startswith("$CATEGORY:"):
        return None
    title = ""
    body_start = start
    if text.startswith("::", start):
        end = text.find("::", start + 2)
        if end < 0:
            issue(start, "题目名称缺少结尾的“::”")
            return None
        title = _finish_text(text[start + 2 : end], plain=True)
        body_start = end + 2

    opening = text.find("{", body_start)
    closing = text.find("}", body_start)
    if opening < 0 and closing < 0:
        issue(start, "未找到答案部分“{…}”（GIFT 的每道题都需要用大括号写出答案）")
        return None
    if closing < 0:
        issue(opening, "大括号不匹配：“{”没有对应的“}”（答案部分不能有空行）")
        return None
    if opening < 0 or closing < opening:
        issue(closing, "大括号不匹配：多余的“}”，缺少对应的“{”")
        return None
    nested = text.find("{", opening + 1, closing)
    if nested >= 0:
        issue(opening, "大括号不匹配：“{”没有对应的“}”（答案中的“{”需写成“\\{”）")
        return None
    extra = min((p for p in (text.find("{", closing), text.find("}", closing + 1)) if p >= 0), default=-1)
    if extra >= 0:
        issue(extra, "同一段中出现多个答案部分“{…}”，题目之间请用空行分隔")
        return None

    before, after = text[body_start:opening], text[closing + 1 :]
    stem_raw = (before + "_____" + after) if after.strip() else before
    stem, fmt = _text_with_format(stem_raw.strip(), "moodle")
    answer = text[opening + 1 : closing]
    explanation = ""
    feedback_at = answer.rfind("####")
    if feedback_at >= 0:
        explanation, _ = _text_with_format(answer[feedback_at + 4 :].strip(), fmt)
        answer = answer[:feedback_at]
    question = ParsedQuestion(
        qtype="essay",
        stem=stem,
        explanation=explanation,
        tags=[_unescape_tag(t) for t in _TAG_RE.findall(block.comments)],
        title=title,
        source_line=line,
    )
    answer_start = opening + 1
    stripped = answer.strip()
    if not stripped:
        return question
    if stripped.startswith("#"):
        issue(opening, "暂不支持数值题（{#…}），请改为填空题")
        return None
    if "~" in answer:
        return _choices(question, answer, answer_start, fmt, issue)
    if "=" in answer and "->" in answer:
        issue(opening, "暂不支持匹配题（{=…->…}）")
        return None
    head = stripped.split("#", 1)[0].strip().upper()
    if head in _TRUE + _FALSE:
        question.qtype = "true_false"
        question.options = true_false(head in _TRUE)
        return question
    return _short_answer(question, answer, answer_start, issue)


def _segments(answer: str, markers: str) -> list[tuple[int, str, str]]:
    """(offset, marker, body) for each answer starting with one of ``markers``; text before the
    first marker comes back with marker ""."""
    starts = [i for i, ch in enumerate(answer) if ch in markers]
    result = []
    lead = answer[: starts[0]] if starts else answer
    if lead.strip():
        result.append((0, "", lead))
    for i, begin in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(answer)
        result.append((begin, answer[begin], answer[begin + 1 : end]))
    return result


def _weight(body: str) -> tuple[float | None, str, str]:
    """(weight, rest, problem) for an answer that may start with ``%n%``."""
    match = _WEIGHT_RE.match(body)
    if match:
        return float(match[1]), body[match.end() :], ""
    bad = _BAD_WEIGHT_RE.match(body)
    if bad:
        return None, body, f"分值“{bad[0].strip().strip('%')}”无效，应写成 %50% 这样的百分数"
    return None, body, ""


def _choices(
    question: ParsedQuestion, answer: str, offset: int, fmt: str, issue: _Report
) -> ParsedQuestion | None:
    question.qtype = "single" if "=" in answer else "multiple"
    ok = True
    for begin, marker, body in _segments(answer, "~="):
        if not marker:
            issue(offset + begin, "选项必须以“=”（正确）或“~”（错误）开头")
            ok = False
            continue
        weight: float | None = 100.0
        if marker == "~":
            weight, body, problem = _weight(body)
            if problem:
                issue(offset + begin, "选项" + problem)
                ok = False
                continue
            weight = 0.0 if weight is None else weight
        text, _ = _text_with_format(body.split("#", 1)[0].strip(), fmt)
        question.options.append(Option(text, correct=is_correct(question.qtype, weight), weight=weight))
    if not ok:
        return None
    canonicalise_weights(question)
    return question


def _short_answer(
    question: ParsedQuestion, answer: str, offset: int, issue: _Report
) -> ParsedQuestion | None:
    question.qtype = "fill_blank"
    for begin, _marker, body in _segments(answer, "="):
        weight, body, problem = _weight(body)
        if problem:
            issue(offset + begin, "答案" + problem)
            return None
        text = _finish_text(body.split("#", 1)[0], plain=True)
        if text and (weight is None or weight >= 100 - WEIGHT_TOLERANCE):
            question.answers.append(text)
    return question


def _text_with_format(raw: str, default: str) -> tuple[str, str]:
    """Text without its ``[format]`` prefix, escapes restored, HTML reduced; and its format."""
    fmt = default
    match = _FORMAT_RE.match(raw)
    if match:
        fmt, raw = match[1], raw[match.end() :]
    return _finish_text(raw, plain=fmt != "html"), fmt


def _finish_text(raw: str, *, plain: bool) -> str:
    text = raw.translate(_RESTORE)
    return (text if plain else html_to_text(text)).strip()


def _unescape_tag(tag: str) -> str:
    return re.sub(r"\\(.)", r"\1", tag).strip()


def _escape(text: str) -> str:
    """Text as GIFT needs it: special characters backslash-escaped, newlines as ``\\n``."""
    out = text.replace("\\", "\\\\")
    for ch in ":#=~{}":
        out = out.replace(ch, "\\" + ch)
    out = out.replace("\r", "").replace("\n", "\\n")
    # A leading "[html]" would be read as a format marker; an explicit one keeps it literal.
    return "[moodle]" + out if _FORMAT_RE.match(out) else out


def dump(questions: list[ParsedQuestion]) -> str:
    """A GIFT file Moodle can import."""
    parts = []
    for number, q in enumerate(questions, start=1):
        if q.qtype not in QTYPES:
            raise ValueError(f"{question_label(q, number - 1)}的题型“{q.qtype}”无效")
        name = " ".join((q.title or q.stem).split())[:50]
        lines = [f"// question: {number}  name: {name}"]
        if q.tags:
            lines.append("// " + " ".join(f"[tag:{_escape_tag(t)}]" for t in q.tags))
        head = (f"::{_escape(q.title)}::" if q.title else "") + _escape(q.stem)
        feedback = f"####{_escape(q.explanation)}" if q.explanation else ""
        if q.qtype == "essay":
            lines.append(head + "{" + feedback + "}")
        elif q.qtype == "true_false":
            truth = bool(q.options) and q.options[0].correct
            lines.append(head + "{" + ("TRUE" if truth else "FALSE") + feedback + "}")
        elif q.qtype == "fill_blank":
            lines.append(head + "{")
            lines += [f"\t={_guard_weight(_escape(a), 100)}" for a in q.answers]
            lines += [f"\t{feedback}"] if feedback else []
            lines.append("}")
        else:
            lines.append(head + "{")
            for option, weight in zip(q.options, effective_weights(q), strict=True):
                text = _escape(option.text)
                if q.qtype == "single" and option.correct and abs(weight - 100) < WEIGHT_TOLERANCE:
                    lines.append(f"\t={text}")
                elif abs(weight) < WEIGHT_TOLERANCE:
                    lines.append(f"\t~{_guard_weight(text, 0)}")
                else:
                    lines.append(f"\t~%{format_weight(weight)}%{text}")
            lines += [f"\t{feedback}"] if feedback else []
            lines.append("}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _guard_weight(text: str, weight: int) -> str:
    # Text that itself starts like "%50%" would be read back as a weight, so state the real one.
    return f"%{weight}%{text}" if _BAD_WEIGHT_RE.match(text) else text


def _escape_tag(tag: str) -> str:
    return tag.replace("\\", "\\\\").replace("]", "\\]")
