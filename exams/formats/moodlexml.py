"""Moodle XML (``<quiz><question type="…">``), as Moodle exports it.

Read: multichoice (``<single>`` true → single, false → multiple; ``fraction`` → weight),
truefalse, shortanswer (→ fill_blank; only 100 % answers are accepted answers), essay;
``category`` entries are skipped and any other type is refused with an issue. ``<name>`` →
title, ``<questiontext>``/``<generalfeedback>`` → stem/explanation (HTML reduced to plain text
when ``format="html"``), ``<tags>`` → tags. Parsing uses defusedxml with DTDs forbidden, so
entity bombs and external entities are refused with an issue.

Written: plain text as HTML (escaped, newlines as ``<br>``) in CDATA with ``format="html"``.
Moodle needs a name, so a question without a title gets the start of its stem, and a name equal
to that on import counts as no title.

Not carried: ``difficulty`` (comes back as 1).
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET  # only TreeBuilder/Element/ParseError; parsing goes through defusedxml
from xml.sax.saxutils import escape as xml_escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import XMLParser as DefusedXMLParser

from exams.formats.model import (
    MAX_TEXT_BYTES,
    WEIGHT_TOLERANCE,
    ImportFailed,
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
    stem_key,
    text_to_html,
    true_false,
)

_SUPPORTED = {"multichoice", "truefalse", "shortanswer", "essay"}
_MOODLE_TYPES = {
    "single": "multichoice",
    "multiple": "multichoice",
    "true_false": "truefalse",
    "fill_blank": "shortanswer",
    "essay": "essay",
}
_TYPE_NAMES = {
    "matching": "匹配题",
    "numerical": "数值题",
    "multianswer": "完形填空题（Cloze）",
    "description": "说明文字",
    "calculated": "计算题",
    "ddwtos": "拖放题",
    "gapselect": "下拉选词题",
}
_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DEFAULT_NAME_CHARS = 50


class _LineTarget:
    """A TreeBuilder that remembers the line each element starts on."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder()
        self.lines: dict[int, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = self.builder.start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag: str) -> ET.Element:
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> ET.Element:
        return self.builder.close()


def _decode(data: bytes | str, filename: str) -> str:
    # pyexpat only knows single-byte codecs besides UTF-8/16, so the declared encoding (GBK…) is
    # applied here and the parser is fed text, which makes it ignore the declaration.
    if isinstance(data, bytes) and len(data) <= MAX_TEXT_BYTES:
        declared = _ENCODING_RE.match(data[:200])
        encoding = declared[1].decode("ascii").lower() if declared else ""
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        if encoding not in ("", "utf-8", "utf8"):
            try:
                return decode_text(data.decode(encoding), filename=filename)
            except (LookupError, UnicodeDecodeError):
                pass  # wrong declaration: fall back to guessing
    return decode_text(data, filename=filename)


def _root(text: str, filename: str) -> tuple[ET.Element, dict[int, int]]:
    target = _LineTarget()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    target.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException:
        raise ImportFailed(
            [ImportIssue(filename, None, None, "文件包含 DOCTYPE 或实体声明，出于安全原因拒绝导入")]
        ) from None
    except ET.ParseError as exc:
        line, _column = exc.position
        raise ImportFailed([ImportIssue(filename, line, None, f"XML 格式错误：{exc}")]) from None
    if root.tag != "quiz":
        raise ImportFailed([ImportIssue(filename, 1, None, f"根元素应为 <quiz>，实际为 <{root.tag}>")])
    return root, target.lines


def parse(data: bytes | str, *, filename: str) -> list[ParsedQuestion]:
    """Questions in a Moodle XML file; raises ImportFailed listing every problem."""
    root, lines = _root(_decode(data, filename), filename)
    questions: list[ParsedQuestion] = []
    issues: list[ImportIssue] = []
    position = 0
    positions: dict[int, int] = {}  # id(question) → its position, for validation messages
    for element in root.findall("question"):
        qtype = element.get("type", "")
        if qtype == "category":
            continue
        position += 1
        line = lines.get(id(element), 0)

        def issue(message: str, line: int = line, position: int = position) -> None:
            issues.append(ImportIssue(filename, line or None, None, f"第{position}题：{message}"))

        if qtype not in _SUPPORTED:
            issue(f"暂不支持题型“{_TYPE_NAMES.get(qtype, qtype or '（未指定）')}”")
            continue
        question = ParsedQuestion(
            qtype="essay",
            stem=_formatted_text(element.find("questiontext")),
            explanation=_formatted_text(element.find("generalfeedback")),
            tags=[t for t in (_plain(tag.find("text")) for tag in element.findall("tags/tag")) if t],
            source_line=line,
        )
        name = _plain(element.find("name/text"))
        question.title = "" if name == _default_name(question.stem) else name
        answers = element.findall("answer")
        fractions: list[float] = []
        for answer in answers:
            try:
                fractions.append(float(answer.get("fraction", "0")))
            except ValueError:
                issue(f"答案分值“{answer.get('fraction')}”不是数字")
                break
        else:
            problem = _fill(question, qtype, element, answers, fractions)
            if problem:
                issue(problem)
            else:
                questions.append(question)
                positions[id(question)] = position
    return finish(questions, issues, filename=filename, label=lambda q: f"第{positions[id(q)]}题：")


def _fill(
    question: ParsedQuestion,
    qtype: str,
    element: ET.Element,
    answers: list[ET.Element],
    fractions: list[float],
) -> str:
    """Fill in the type-specific parts; returns what is wrong with the element, or ""."""
    if qtype == "multichoice":
        single = (element.findtext("single") or "true").strip().lower() in ("true", "1")
        question.qtype = "single" if single else "multiple"
        question.options = [
            Option(_formatted_text(a), correct=is_correct(question.qtype, f), weight=f)
            for a, f in zip(answers, fractions, strict=True)
        ]
        canonicalise_weights(question)
    elif qtype == "truefalse":
        question.qtype = "true_false"
        right = {
            _plain(a.find("text")).lower()
            for a, f in zip(answers, fractions, strict=True)
            if f >= 100 - WEIGHT_TOLERANCE
        }
        if len(right & {"true", "false"}) != 1:
            return "判断题必须有且只有一个满分答案（true 或 false）"
        question.options = true_false("true" in right)
    elif qtype == "shortanswer":
        question.qtype = "fill_blank"
        question.answers = [
            text
            for a, f in zip(answers, fractions, strict=True)
            if f >= 100 - WEIGHT_TOLERANCE and (text := _plain(a.find("text")))
        ]
    return ""


def _plain(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _formatted_text(element: ET.Element | None) -> str:
    """The ``<text>`` of a Moodle text field, reduced to plain text when it is HTML."""
    if element is None:
        return ""
    text = element.findtext("text") or ""
    return html_to_text(text) if element.get("format", "html") == "html" else text.strip()


def _default_name(stem: str) -> str:
    return stem_key(stem)[:_DEFAULT_NAME_CHARS]


def _clean(text: str) -> str:
    return _XML_ILLEGAL_RE.sub("", text)


def _html(text: str) -> str:
    # html.escape turns ">" into "&gt;", so "]]>" can never end the CDATA early.
    return f"<![CDATA[{text_to_html(_clean(text))}]]>"


def _field(tag: str, text: str, indent: str = "    ") -> str:
    return f'{indent}<{tag} format="html">\n{indent}  <text>{_html(text) if text else ""}</text>\n{indent}</{tag}>'


def _answer(fraction: float, text: str, *, html: bool) -> str:
    body = _html(text) if html else xml_escape(_clean(text))
    fmt = "html" if html else "moodle_auto_format"
    return (
        f'    <answer fraction="{format_weight(fraction)}" format="{fmt}">\n'
        f"      <text>{body}</text>\n"
        '      <feedback format="html">\n        <text></text>\n      </feedback>\n'
        "    </answer>"
    )


def dump(questions: list[ParsedQuestion]) -> str:
    """A Moodle XML file Moodle can import."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for number, q in enumerate(questions, start=1):
        if q.qtype not in _MOODLE_TYPES:
            raise ValueError(f"{question_label(q, number - 1)}的题型“{q.qtype}”无效")
        moodle_type = _MOODLE_TYPES[q.qtype]
        name = q.title or _default_name(q.stem)
        out += [
            f"<!-- question: {number}  -->",
            f'  <question type="{moodle_type}">',
            f"    <name>\n      <text>{xml_escape(_clean(name))}</text>\n    </name>",
            _field("questiontext", q.stem),
            _field("generalfeedback", q.explanation),
            "    <defaultgrade>1.0000000</defaultgrade>",
            f"    <penalty>{'1.0000000' if q.qtype == 'true_false' else '0.3333333'}</penalty>",
            "    <hidden>0</hidden>",
            "    <idnumber></idnumber>",
        ]
        if q.qtype in ("single", "multiple"):
            out += [
                f"    <single>{'true' if q.qtype == 'single' else 'false'}</single>",
                "    <shuffleanswers>true</shuffleanswers>",
                "    <answernumbering>ABCD</answernumbering>",
                "    <showstandardinstruction>0</showstandardinstruction>",
            ]
            out += [
                _answer(weight, option.text, html=True)
                for option, weight in zip(q.options, effective_weights(q), strict=True)
            ]
        elif q.qtype == "true_false":
            truth = bool(q.options) and q.options[0].correct
            out += [
                _answer(100 if truth else 0, "true", html=False),
                _answer(0 if truth else 100, "false", html=False),
            ]
        elif q.qtype == "fill_blank":
            out.append("    <usecase>0</usecase>")
            out += [_answer(100, answer, html=False) for answer in q.answers]
        else:
            out += [
                "    <responseformat>editor</responseformat>",
                "    <responserequired>1</responserequired>",
                "    <responsefieldlines>15</responsefieldlines>",
                "    <attachments>0</attachments>",
                "    <attachmentsrequired>0</attachmentsrequired>",
                '    <graderinfo format="html">\n      <text></text>\n    </graderinfo>',
                '    <responsetemplate format="html">\n      <text></text>\n    </responsetemplate>',
            ]
        if q.tags:
            out.append("    <tags>")
            out += [f"      <tag><text>{xml_escape(_clean(tag))}</text></tag>" for tag in q.tags]
            out.append("    </tags>")
        out += ["  </question>", ""]
    out.append("</quiz>")
    return "\n".join(out) + "\n"
