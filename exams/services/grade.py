"""Handing in, grading and marking a sitting (交卷、评分、阅卷), and what follows a result: the
wrong-answer book, points, lesson completion and ``attempt_graded``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courses.services import lesson_complete

from .. import grading
from ..choices import AttemptStatus, ExamMode, QuestionType
from ..models import Answer, Attempt, PointsEntry, QuestionVersion, WrongAnswer
from ..selectors import question_banks_for_author
from ..signals import attempt_graded
from .answer import DEADLINE_GRACE, _clean_response, _entry, _is_late, _with_types
from .errors import MARK_OUT_OF_RANGE, NOT_YOURS_TO_MARK, ExamError
from .versions import version_to_grading


def _grade(attempt: Attempt, *, now: datetime.datetime) -> grading.Result:
    versions = QuestionVersion.objects.in_bulk([e["v"] for e in attempt.paper])
    answers = {a.question_id: a for a in attempt.answers.all()}
    scores, possible, changed = [], Decimal(0), []
    for entry in attempt.paper:
        data = versions[entry["v"]].data
        question = version_to_grading(data)
        possible += question.points
        answer = answers.get(entry["q"])
        if answer is not None and answer.marked_at is not None:
            score = grading.Score(awarded=answer.awarded, correct=answer.awarded == question.points)
        else:
            response = answer.response if answer else None
            score = grading.score_answer(question, response)
            if question.qtype == grading.ESSAY and not grading.is_answered(response):
                score = grading.Score(awarded=Decimal("0.00"), correct=False)  # nothing to mark
            if answer is not None and (answer.awarded, answer.is_correct) != (score.awarded, score.correct):
                answer.awarded, answer.is_correct = score.awarded, score.correct
                changed.append(answer)
        scores.append(score)
    if changed:
        Answer.objects.bulk_update(changed, ["awarded", "is_correct"])
    pass_mark = attempt.exam.pass_mark if attempt.exam_id else 0
    return grading.score_paper(scores=scores, possible=possible, pass_mark=pass_mark)


def _finish(attempt: Attempt, result: grading.Result, *, now: datetime.datetime) -> None:
    """Store the result and follow it: wrong-answer book, points, lesson completion, signal."""
    attempt.points, attempt.possible, attempt.score = result.awarded, result.possible, result.score
    attempt.passed = result.passed
    attempt.status = AttemptStatus.SUBMITTED if result.pending else AttemptStatus.GRADED
    attempt.save(update_fields=["points", "possible", "score", "passed", "status", "submitted_at"])
    if result.pending:
        return
    verdicts = {e["q"]: s.correct for e, s in zip(attempt.paper, result.per_question, strict=True)}
    _with_types(attempt)
    # An essay is marked, not right or wrong: it never enters the wrong-answer book.
    essays = {e["q"] for e in attempt.paper if e["t"] == QuestionType.ESSAY}
    _wrong_book_update(attempt.user, {q: ok for q, ok in verdicts.items() if q not in essays}, now=now)
    PointsEntry.objects.update_or_create(
        attempt=attempt,
        defaults={
            "user": attempt.user,
            "points": sum(1 for ok in verdicts.values() if ok),
            "earned_on": timezone.localdate(now),
        },
    )
    if attempt.exam_id and (result.passed or attempt.exam.mode != ExamMode.FORMAL):
        # A formal exam completes its lesson by a pass; practice and mock exams by being handed in.
        lesson_complete(user=attempt.user, page=attempt.exam)
    transaction.on_commit(
        partial(
            attempt_graded.send,
            sender=Attempt,
            attempt_id=attempt.pk,
            user_id=attempt.user_id,
            exam_id=attempt.exam_id,
            passed=result.passed,
        )
    )


def _wrong_book_update(user, verdicts: dict[int, bool | None], *, now: datetime.datetime) -> None:
    wrong = [q for q, ok in verdicts.items() if ok is False]
    right = [q for q, ok in verdicts.items() if ok is True]
    existing = set(
        WrongAnswer.objects.filter(user=user, question_id__in=wrong).values_list("question_id", flat=True)
    )
    WrongAnswer.objects.bulk_create(
        [WrongAnswer(user=user, question_id=q) for q in wrong if q not in existing]
    )
    if existing:
        WrongAnswer.objects.filter(user=user, question_id__in=existing).update(
            times_wrong=F("times_wrong") + 1, last_wrong_at=now, mastered_at=None
        )
    WrongAnswer.objects.filter(user=user, question_id__in=right, mastered_at__isnull=True).update(
        mastered_at=now
    )


@transaction.atomic
def attempt_submit(
    *, attempt_id: int, user, answers: dict[int, object] | None = None, now: datetime.datetime | None = None
) -> Attempt:
    """Hand in a sitting (交卷) and grade it. Submitting twice grades once.

    Answers sent with the submission are saved first unless the deadline has passed; answers
    saved earlier are kept. Essays wait for a marker; everything else is scored at once. A formal
    exam passed completes its lesson in the module; ``attempt_graded`` is sent after commit.
    """
    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt_id, user=user)
    )
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    if answers and not _is_late(attempt, now):
        for question_id, response in answers.items():
            entry = _entry(attempt, question_id)
            Answer.objects.update_or_create(
                attempt=attempt,
                question_id=question_id,
                defaults={"response": _clean_response(entry, response), "version_id": entry.get("v")},
            )
    attempt.submitted_at = now
    _finish(attempt, _grade(attempt, now=now), now=now)
    return attempt


def attempts_submit_expired(*, now: datetime.datetime | None = None) -> int:
    """Hand in every sitting whose time is up (超时自动交卷), with the answers saved so far."""
    now = now or timezone.now()
    expired = list(
        Attempt.objects.filter(
            status=AttemptStatus.IN_PROGRESS, deadline__lt=now - DEADLINE_GRACE
        ).values_list("pk", "user_id")
    )
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk([u for _, u in expired])
    for pk, user_id in expired:
        attempt_submit(attempt_id=pk, user=users[user_id], now=now)
    return len(expired)


@transaction.atomic
def answer_mark(*, answer_id: int, marker, awarded: Decimal, comment: str = "", now=None) -> Answer:
    """Mark an essay answer (阅卷) in a bank the marker owns; when the last answer of an attempt is
    marked, the attempt's result — and anything that depends on it — follows."""
    now = now or timezone.now()
    answer = (
        Answer.objects.select_for_update(of=("self",)).select_related("attempt", "question").get(pk=answer_id)
    )
    if not question_banks_for_author(user=marker).filter(pk=answer.question.bank_id).exists():
        raise ExamError(NOT_YOURS_TO_MARK)
    data = QuestionVersion.objects.get(pk=answer.version_id).data if answer.version_id else None
    points = Decimal(data["points"]) if data else answer.question.points
    awarded = Decimal(awarded)
    if awarded < 0 or awarded > points:
        raise ExamError(MARK_OUT_OF_RANGE)
    answer.awarded, answer.is_correct = awarded, awarded == points
    answer.marked_by, answer.marked_at, answer.marker_comment = marker, now, comment
    answer.save(update_fields=["awarded", "is_correct", "marked_by", "marked_at", "marker_comment"])
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=answer.attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        _finish(attempt, _grade(attempt, now=now), now=now)
    return answer
