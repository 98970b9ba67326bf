"""Aiken: the simplest Moodle text format, single choice only.

    失业保险金按月发放吗？
    A. 按月发放
    B) 一次性发放
    ANSWER: A

The question text runs up to the first option line (it may span lines); options are a capital
letter followed by "." or ")" (full-width "．" "）" "、" are accepted too); ``ANSWER: X`` ends the
question. Blank lines between questions are optional.

Not carried: title, explanation, tags, difficulty (1) and option weights (None). ``dump`` raises
ValueError for any question that is not single choice or cannot be written as Aiken.
"""

from __future__ import annotations

import re

from exams.formats.model import (
    QTYPE_LABELS,
    ImportIssue,
    Option,
    ParsedQuestion,
    decode_text,
    finish,
    option_letter,
    question_label,
)

_OPTION_RE = re.compile(r"^([A-Z])\s*[.)．）、]\s*(.*)$")
_ANSWER_RE = re.compile(r"^ANSWER\s*[:：]\s*(.*?)\s*$", re.IGNORECASE)


def parse(data: bytes | str, *, filename: str) -> list[ParsedQuestion]:
    """Questions in an Aiken file; raises ImportFailed listing every problem."""
    text = decode_text(data, filename=filename)
    questions: list[ParsedQuestion] = []
    issues: list[ImportIssue] = []
    bad_lines: set[int] = set()
    current: ParsedQuestion | None = None
    stem_lines: list[str] = []
    letters: list[str] = []

    def issue(line: int, message: str) -> None:
        issues.append(ImportIssue(filename, line, None, message))

    def close_unanswered() -> None:
        if current is not None:
            issue(current.source_line, "题目缺少“ANSWER:”答案行")

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        option = _OPTION_RE.match(line)
        answer = _ANSWER_RE.match(line)
        if current is None:
            if not line:
                continue
            if answer:
                issue(number, "“ANSWER:”行前面没有题目")
                continue
            current = ParsedQuestion(qtype="single", stem="", source_line=number)
            stem_lines, letters = [line], []
            continue
        if not current.options and not option and not answer:
            stem_lines.append(line)  # the question text may run over several lines
            continue
        current.stem = "\n".join(stem_lines).strip()
        if not line:
            continue
        if option:
            letter = option[1]
            expected = option_letter(len(letters))
            if letter != expected:
                issue(number, f"选项字母应为“{expected}”，实际为“{letter}”")
                bad_lines.add(current.source_line)
            letters.append(letter)
            current.options.append(Option(option[2].strip()))
            continue
        if answer:
            given = answer[1].upper().replace(" ", "")
            if not given:
                issue(number, "“ANSWER:”后面缺少答案字母")
                bad_lines.add(current.source_line)
            elif len(given) > 1:
                issue(number, f"Aiken 格式只支持单选题，答案只能是一个字母（当前为“{answer[1]}”）")
                bad_lines.add(current.source_line)
            elif given not in letters:
                issue(number, f"答案“{given}”不在选项中")
                bad_lines.add(current.source_line)
            else:
                current.options[letters.index(given)].correct = True
            questions.append(current)
            current = None
            continue
        # Plain text after the options: the previous question never got its ANSWER line.
        close_unanswered()
        current = ParsedQuestion(qtype="single", stem="", source_line=number)
        stem_lines, letters = [line], []
    if current is not None:
        close_unanswered()
    return finish(questions, issues, filename=filename, skip_lines=bad_lines)


def dump(questions: list[ParsedQuestion]) -> str:
    """An Aiken file; ValueError names the first question Aiken cannot express."""
    parts = []
    for index, q in enumerate(questions):
        label = question_label(q, index)
        if q.qtype != "single":
            raise ValueError(f"Aiken 格式只支持单选题：{label}是{QTYPE_LABELS.get(q.qtype, q.qtype)}")
        if len(q.options) > 26:
            raise ValueError(f"Aiken 格式最多 26 个选项：{label}有 {len(q.options)} 个")
        stem_lines = q.stem.strip().split("\n")
        for line in stem_lines[1:]:
            if _OPTION_RE.match(line.strip()) or _ANSWER_RE.match(line.strip()):
                raise ValueError(f"Aiken 格式无法表示{label}：题干中的“{line.strip()}”会被当作选项或答案")
        if stem_lines and (_ANSWER_RE.match(stem_lines[0].strip()) or not stem_lines[0].strip()):
            raise ValueError(f"Aiken 格式无法表示{label}：题干第一行不能为空或以“ANSWER:”开头")
        correct = [i for i, o in enumerate(q.options) if o.correct]
        if len(correct) != 1:
            raise ValueError(f"Aiken 格式无法表示{label}：单选题必须有且只有一个正确答案")
        lines = list(stem_lines)
        for i, option in enumerate(q.options):
            if "\n" in option.text.strip():
                raise ValueError(f"Aiken 格式无法表示{label}：选项{option_letter(i)}包含换行")
            lines.append(f"{option_letter(i)}. {option.text.strip()}")
        lines.append(f"ANSWER: {option_letter(correct[0])}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
