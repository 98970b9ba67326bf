"""Import and export of question banks (题库导入导出): between the format-neutral
``ParsedQuestion`` of ``exams.formats`` and the database. All or nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .formats import dump, parse
from .formats.model import ImportFailed, ImportIssue, Option, ParsedQuestion, stem_key
from .models import Choice, Question, QuestionBank

FORMAT_BY_SUFFIX = {
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".xls": "xlsx",  # old binary Excel and WPS: the reader says to save them as .xlsx
    ".et": "xlsx",
    ".gift": "gift",
    ".txt": "gift",
    ".aiken": "aiken",
    ".xml": "moodlexml",
}
DUPLICATE_IN_BANK = "题干与题库中已有试题重复"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def format_for(filename: str, given: str | None = None) -> str:
    if given:
        return given
    fmt = FORMAT_BY_SUFFIX.get(Path(filename).suffix.lower())
    if fmt is None:
        raise ImportFailed([ImportIssue(filename, None, None, "无法从文件扩展名判断格式，请指定 --format")])
    return fmt


@transaction.atomic
def questions_import(
    *, bank: QuestionBank, data: bytes, filename: str, fmt: str | None = None
) -> list[Question]:
    """Import every question of a file into a bank, or none (全部导入或全部不导入): any problem
    in the file, or a stem the bank already has, raises ``ImportFailed`` listing every issue by
    file, line or row, and column."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFailed([ImportIssue(filename, None, None, "文件超过 10 MB")])
    parsed = parse(format_for(filename, fmt), data, filename=filename)
    existing = {stem_key(s) for s in Question.objects.filter(bank=bank).values_list("stem", flat=True)}
    issues = [
        ImportIssue(filename, q.source_line or None, "题干", DUPLICATE_IN_BANK)
        for q in parsed
        if stem_key(q.stem) in existing
    ]
    if issues:
        raise ImportFailed(issues)
    start = (Question.objects.filter(bank=bank).count() or 0) + 1
    created = []
    for offset, pq in enumerate(parsed):
        question = Question.objects.create(
            bank=bank,
            qtype=pq.qtype,
            stem=pq.stem,
            answers=list(pq.answers),
            explanation=pq.explanation,
            difficulty=pq.difficulty,
            partial_credit=pq.qtype == "multiple" and any(o.weight is not None for o in pq.options),
            sort_order=start + offset,
        )
        Choice.objects.bulk_create(
            Choice(
                question=question,
                text=o.text,
                is_correct=o.correct,
                weight=None if o.weight is None else Decimal(str(o.weight)),
                sort_order=i,
            )
            for i, o in enumerate(pq.options)
        )
        if pq.tags:
            question.tags.add(*pq.tags)
            question.save()
        created.append(question)
    return created


def bank_as_parsed(*, bank: QuestionBank) -> list[ParsedQuestion]:
    """The bank's questions in the format-neutral form (two queries and one per tagged question)."""
    questions = list(
        Question.objects.filter(bank=bank)
        .prefetch_related("choices", "tagged_items__tag")
        .order_by("sort_order", "pk")
    )
    return [
        ParsedQuestion(
            qtype=q.qtype,
            stem=q.stem,
            options=[
                Option(
                    text=c.text, correct=c.is_correct, weight=None if c.weight is None else float(c.weight)
                )
                for c in sorted(q.choices.all(), key=lambda c: (c.sort_order or 0, c.pk))
            ],
            answers=list(q.answers or []),
            explanation=q.explanation,
            difficulty=q.difficulty,
            tags=sorted(t.tag.name for t in q.tagged_items.all()),
        )
        for q in questions
    ]


def questions_export(*, bank: QuestionBank, fmt: str) -> bytes:
    """A bank in one of the formats (Excel template layout, GIFT, Aiken, Moodle XML)."""
    out = dump(fmt, bank_as_parsed(bank=bank))
    return out if isinstance(out, bytes) else out.encode("utf-8")
