"""Question-bank import/export (题库导入导出) in five formats: Excel template, the same as CSV,
Moodle GIFT, Aiken, Moodle XML. Pure Python: every format turns a file into ``ParsedQuestion`` objects and back.

A file with any problem raises ``ImportFailed`` carrying every ``ImportIssue`` found, so a caller
imports all of a file or none of it.
"""

from __future__ import annotations

from types import ModuleType

from exams.formats import aiken, csv_table, gift, moodlexml, xlsx
from exams.formats.model import QTYPES, ImportFailed, ImportIssue, Option, ParsedQuestion

FORMATS: dict[str, ModuleType] = {
    "xlsx": xlsx,
    "csv": csv_table,
    "gift": gift,
    "aiken": aiken,
    "moodlexml": moodlexml,
}

__all__ = [
    "FORMATS",
    "QTYPES",
    "ImportFailed",
    "ImportIssue",
    "Option",
    "ParsedQuestion",
    "dump",
    "parse",
]


def _module(fmt: str) -> ModuleType:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown question format {fmt!r}; expected one of {sorted(FORMATS)}") from None


def parse(fmt: str, data: bytes | str, *, filename: str) -> list[ParsedQuestion]:
    """Questions in ``data`` read as ``fmt``; raises ImportFailed listing every problem."""
    return _module(fmt).parse(data, filename=filename)


def dump(fmt: str, questions: list[ParsedQuestion]) -> bytes | str:
    """``questions`` written as ``fmt`` (bytes for xlsx, text otherwise)."""
    return _module(fmt).dump(questions)
