"""Exam sittings: start, save an answer, submit and grade (考试作答与评分)."""

from __future__ import annotations

import random
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.services import lesson_complete

from .choices import AttemptStatus
from .grading import score_paper, single_choice_is_correct
from .models import Answer, Attempt, Choice, ExamPage, Question
from .signals import attempt_graded

NO_QUESTIONS = _("This exam has no questions yet.")
ATTEMPTS_USED_UP = _("You have used all attempts allowed for this exam.")
ATTEMPT_CLOSED = _("This attempt has already been submitted.")
NOT_ON_PAPER = _("This question is not on your paper.")
NOT_AN_OPTION = _("This option does not belong to the question.")


class ExamError(Exception):
    """A rule of the exam refused the request; the message is shown to the learner."""


def _draw_paper(*, exam: ExamPage, rng: random.Random) -> list[dict]:
    ids = list(Question.objects.filter(bank_id=exam.bank_id).values_list("pk", flat=True))
    if not ids:
        raise ExamError(NO_QUESTIONS)
    drawn = rng.sample(ids, min(exam.question_count, len(ids)))
    choices: dict[int, list[int]] = {}
    for qid, cid in Choice.objects.filter(question_id__in=drawn).values_list("question_id", "pk"):
        choices.setdefault(qid, []).append(cid)
    paper = []
    for qid in drawn:
        options = choices.get(qid, [])
        rng.shuffle(options)
        paper.append({"q": qid, "c": options})
    return paper


def attempt_start(*, user, exam: ExamPage, seed: int | None = None) -> Attempt:
    """Open a sitting (开始答题) or resume the open one.

    The questions are drawn once, with options shuffled, and stored on the attempt. A second
    start, from another tab or a double click, returns the same open attempt.
    """
    open_attempt = Attempt.objects.filter(user=user, exam=exam, status=AttemptStatus.IN_PROGRESS).first()
    if open_attempt is not None:
        return open_attempt
    if exam.max_attempts and Attempt.objects.filter(user=user, exam=exam).count() >= exam.max_attempts:
        raise ExamError(ATTEMPTS_USED_UP)
    paper = _draw_paper(exam=exam, rng=random.Random(seed))
    try:
        with transaction.atomic():
            return Attempt.objects.create(user=user, exam=exam, paper=paper)
    except IntegrityError:
        # Another request opened it between our check and our insert.
        return Attempt.objects.get(user=user, exam=exam, status=AttemptStatus.IN_PROGRESS)


def _check_answer(attempt: Attempt, question_id: int, choice_id: int | None) -> None:
    entry = next((e for e in attempt.paper if e["q"] == question_id), None)
    if entry is None:
        raise ExamError(NOT_ON_PAPER)
    if choice_id is not None and choice_id not in entry["c"]:
        raise ExamError(NOT_AN_OPTION)


@transaction.atomic
def answer_save(*, attempt_id: int, user, question_id: int, choice_id: int | None) -> Answer:
    """Save one answer as soon as it is given (自动保存); saving the same answer again is harmless.

    Once this returns, the answer is committed: it is never lost, even if the page is closed.
    """
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ExamError(ATTEMPT_CLOSED)
    _check_answer(attempt, question_id, choice_id)
    answer, _ = Answer.objects.update_or_create(
        attempt=attempt, question_id=question_id, defaults={"choice_id": choice_id}
    )
    return answer


@transaction.atomic
def attempt_submit(*, attempt_id: int, user, answers: dict[int, int | None] | None = None) -> Attempt:
    """Hand in a sitting (交卷) and grade it. Submitting twice grades once.

    Answers sent with the submission are saved first; answers saved earlier are kept. A pass
    completes the exam's lesson in its module; ``attempt_graded`` is sent after commit.
    """
    attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt_id, user=user)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    for question_id, choice_id in (answers or {}).items():
        _check_answer(attempt, question_id, choice_id)
        Answer.objects.update_or_create(
            attempt=attempt, question_id=question_id, defaults={"choice_id": choice_id}
        )
    question_ids = [e["q"] for e in attempt.paper]
    correct: dict[int, set[int]] = {qid: set() for qid in question_ids}
    for qid, cid in Choice.objects.filter(question_id__in=question_ids, is_correct=True).values_list(
        "question_id", "pk"
    ):
        correct[qid].add(cid)
    given = {a.question_id: a for a in attempt.answers.all()}
    verdicts = []
    for qid in question_ids:
        answer = given.get(qid)
        ok = single_choice_is_correct(chosen=answer.choice_id if answer else None, correct_ids=correct[qid])
        verdicts.append(ok)
        if answer is not None and answer.is_correct != ok:
            answer.is_correct = ok
            answer.save(update_fields=["is_correct"])
    result = score_paper(answers_correct=verdicts, pass_mark=attempt.exam.pass_mark)
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.score = result.score
    attempt.passed = result.passed
    attempt.save(update_fields=["status", "submitted_at", "score", "passed"])
    if result.passed:
        lesson_complete(user=user, page=attempt.exam)
    transaction.on_commit(
        partial(
            attempt_graded.send,
            sender=Attempt,
            attempt_id=attempt.pk,
            user_id=user.pk,
            exam_id=attempt.exam_id,
            passed=result.passed,
        )
    )
    return attempt
