"""Question versions (试题版本): what a paper stores of each question, made when a question was
edited since its last version, and kept until question content changes."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.db.models import F

from training.kept import Kept

from .. import grading
from ..models import Choice, Question, QuestionVersion


def _question_data(question: Question, choices: list[tuple], area_id: int | None) -> dict:
    """The content of a question as a version stores it; ``choices`` are
    (id, sort_order, text, is_correct, weight) rows."""
    return {
        "qtype": question.qtype,
        "stem": question.stem,
        "points": str(question.points),
        "options": [
            {"id": pk, "text": text, "correct": correct, "weight": None if weight is None else str(weight)}
            for pk, _order, text, correct, weight in sorted(choices, key=lambda c: (c[1] or 0, c[0]))
        ],
        "answers": list(question.answers or []),
        "partial_credit": question.partial_credit,
        "negative_marking": question.negative_marking,
        "explanation": question.explanation,
        "cites": question.cites_id,
        "area": area_id,
    }


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# Question content (questions, their options, banks) as exam starts read it: kept until any of it
# changes (the receivers in apps.py), see training/kept.py.
QUESTIONS = Kept("exams:questions")


def question_versions_current(*, question_ids: list[int]) -> dict[int, QuestionVersion]:
    """The current version (试题版本) of each question; kept until question content changes, so a
    start whose questions were all drawn before reads none (``_question_versions_current``)."""
    kept = QUESTIONS.remember_many(
        [f"version:{qid}" for qid in question_ids],
        lambda names: {
            f"version:{qid}": version
            for qid, version in _question_versions_current(
                question_ids=[int(n.removeprefix("version:")) for n in names]
            ).items()
        },
        keep_none=False,
    )
    return {qid: kept[f"version:{qid}"] for qid in question_ids if kept.get(f"version:{qid}") is not None}


def _question_versions_current(*, question_ids: list[int]) -> dict[int, QuestionVersion]:
    """The current version (试题版本) of each question, making a new one where the question was
    edited since its last version. Three queries whatever the number of questions (four when
    versions are made).

    The versions are read without their content: a version whose digest matches the question's
    content as it is now holds exactly that content, so it is filled in from the question."""
    questions = (
        Question.objects.filter(pk__in=question_ids)
        .order_by()
        .annotate(area_id=F("bank__area_id"))
        .only(*_QUESTION_FIELDS)
    )
    choices: dict[int, list[tuple]] = {}
    for question_id, *row in (
        Choice.objects.filter(question_id__in=question_ids)
        .order_by()
        .values_list("question_id", "pk", "sort_order", "text", "is_correct", "weight")
    ):
        choices.setdefault(question_id, []).append(row)
    latest = {}
    for version in (
        QuestionVersion.objects.filter(question_id__in=question_ids)
        .order_by("question_id", "-number")
        .only("pk", "question_id", "number", "digest")
    ):
        latest.setdefault(version.question_id, version)
    current, new = {}, []
    for question in questions:
        data = _question_data(question, choices.get(question.pk, []), question.area_id)
        digest = _digest(data)
        known = latest.get(question.pk)
        if known is not None and known.digest == digest:
            known.data = data  # the same content as stored (same digest): no need to read it
            current[question.pk] = known
        else:
            new.append(
                QuestionVersion(
                    question_id=question.pk,
                    number=(known.number + 1) if known else 1,
                    digest=digest,
                    data=data,
                )
            )
    if new:
        # Two first sittings at once make the same new versions: the first to commit wins and the
        # other reads its rows, rather than failing on the unique constraint (a 500 on PostgreSQL).
        QuestionVersion.objects.bulk_create(new, ignore_conflicts=True)
        wanted = {(v.question_id, v.number) for v in new}
        for version in QuestionVersion.objects.filter(question_id__in=[v.question_id for v in new]):
            if (version.question_id, version.number) in wanted:
                current[version.question_id] = version
    return current


# What a version is made of (besides the options and the bank's area).
_QUESTION_FIELDS = (
    "pk",
    "qtype",
    "stem",
    "points",
    "answers",
    "partial_credit",
    "negative_marking",
    "explanation",
    "cites",
)


def version_to_grading(data: dict) -> grading.QuestionData:
    return grading.QuestionData(
        qtype=data["qtype"],
        points=Decimal(data["points"]),
        options=tuple(
            grading.OptionData(
                id=o["id"],
                text=o["text"],
                correct=o["correct"],
                weight=None if o.get("weight") is None else Decimal(o["weight"]),
            )
            for o in data["options"]
        ),
        answers=tuple(data.get("answers") or ()),
        partial_credit=data.get("partial_credit", False),
        negative_marking=data.get("negative_marking", False),
    )
