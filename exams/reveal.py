"""The reveal rule (答案公布): whether a person may see the key of a question — its right options,
accepted answers and explanation, and whether their own answer to it was right.

One rule for every path to a key: the exam's result page, the practice result page, the answer
feedback of practice, the JSON API, the wrong-answer book and the draws of daily and wrong-answer
practice all ask here.

- A sitting of an exam shows the keys as the exam's reveal policy says (``exam_key_public``);
  while it is in progress, only a practice-mode exam that reveals immediately does.
- Whatever the sitting, a key stays withheld from a person (``questions_withheld``):
  - for the questions of their own formal or mock sitting in progress (练兵不能泄露正在作答的试卷);
  - for the questions of an exam that does not show its answers now — "never", or "after the
    window closes" before it closes — unless their bank is open for practice (``open_for_practice``).
- Practice (daily practice, the wrong-answer book) serves no question whose key is withheld from
  the person (``practice_questions``).
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .choices import AttemptStatus, ExamMode, QuestionType, Reveal
from .models import Attempt, ExamFixedQuestion, ExamPage, ExamQuota, Question, WrongAnswer


def exam_key_public(*, exam: ExamPage, now: datetime.datetime | None = None) -> bool:
    """Whether an exam's reveal policy lets its handed-in sittings show their keys now."""
    if exam.reveal in (Reveal.IMMEDIATELY, Reveal.AFTER_SUBMIT):
        return True
    if exam.reveal == Reveal.AFTER_CLOSE:
        return exam.closes_at is not None and (now or timezone.now()) >= exam.closes_at
    return False


def _exams_withholding(now: datetime.datetime) -> QuerySet[ExamPage]:
    """Exams whose keys nobody may see now: "never", and "after close" before the close."""
    not_closed = Q(closes_at__isnull=True) | Q(closes_at__gt=now)
    return ExamPage.objects.filter(Q(reveal=Reveal.NEVER) | (Q(reveal=Reveal.AFTER_CLOSE) & not_closed))


def _withheld_by_exams(now: datetime.datetime) -> Q:
    """Questions (a filter on ``Question``) of an exam that withholds its keys — its bank, the banks
    of its quotas, its fixed paper — unless their bank is open for practice."""
    exams = _exams_withholding(now).values("pk")
    return Q(bank__open_for_practice=False) & (
        Q(bank_id__in=ExamPage.objects.filter(pk__in=exams).values("bank_id"))
        | Q(bank_id__in=ExamQuota.objects.filter(page_id__in=exams).values("bank_id"))
        | Q(pk__in=ExamFixedQuestion.objects.filter(page_id__in=exams).values("question_id"))
    )


def _questions_in_progress(user_id: int, *, except_attempt_id: int | None = None) -> set[int]:
    """The questions of the person's formal and mock sittings in progress (one query)."""
    papers = (
        Attempt.objects.filter(user_id=user_id, kind=Attempt.Kind.EXAM, status=AttemptStatus.IN_PROGRESS)
        .exclude(exam__mode=ExamMode.PRACTICE)
        .exclude(pk=except_attempt_id)
        .values_list("paper", flat=True)
    )
    return {entry["q"] for paper in papers for entry in paper}


def questions_withheld(
    *,
    user_id: int,
    question_ids,
    now: datetime.datetime | None = None,
    except_attempt_id: int | None = None,
) -> set[int]:
    """Of these questions, those whose key is withheld from this person now, whatever the sitting
    they are seen in (see the module's docstring). Two queries."""
    now = now or timezone.now()
    ids = set(question_ids)
    if not ids:
        return set()
    in_progress = _questions_in_progress(user_id, except_attempt_id=except_attempt_id) & ids
    rest = ids - in_progress
    by_exams = set(
        Question.objects.filter(pk__in=rest).filter(_withheld_by_exams(now)).values_list("pk", flat=True)
        if rest
        else ()
    )
    return in_progress | by_exams


def practice_questions(*, user, now: datetime.datetime | None = None) -> QuerySet[Question]:
    """The questions practice may serve this person (练兵题源): none of their sitting in progress,
    none of an exam that withholds its keys unless the bank is open for practice, none retired, no essays
    (nothing to tell right from wrong at once)."""
    now = now or timezone.now()
    return (
        Question.objects.filter(retired_at__isnull=True)  # 停用的题不再抽出
        .exclude(qtype=QuestionType.ESSAY)
        .exclude(pk__in=_questions_in_progress(user.pk))
        .exclude(_withheld_by_exams(now))
    )


def wrong_book_entries(*, user, now: datetime.datetime | None = None) -> QuerySet[WrongAnswer]:
    """The person's wrong-answer book entries they may see (错题本): an entry says the answer was
    wrong, so questions whose key is withheld from them are left out, and essays never enter."""
    return WrongAnswer.objects.filter(user=user, question__in=practice_questions(user=user, now=now))


def sitting_shows_keys(*, attempt: Attempt, now: datetime.datetime | None = None) -> bool:
    """The sitting's own policy: a practice sitting shows keys; an exam's sitting as its exam's
    reveal policy says once handed in, and while in progress only in a practice-mode exam that
    reveals immediately."""
    if attempt.exam_id is None:
        return True
    exam = attempt.exam
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return exam.mode == ExamMode.PRACTICE and exam.reveal == Reveal.IMMEDIATELY
    return exam_key_public(exam=exam, now=now)


def keys_shown(*, attempt: Attempt, question_ids=None, now: datetime.datetime | None = None) -> set[int]:
    """The questions of a sitting (all, or those of ``question_ids``) whose keys its person may see
    now: the sitting's own policy, then what is withheld from the person whatever the sitting."""
    now = now or timezone.now()
    ids = {e["q"] for e in attempt.paper}
    if question_ids is not None:
        ids &= set(question_ids)
    if not ids:
        return set()
    if not sitting_shows_keys(attempt=attempt, now=now):
        return set()
    return ids - questions_withheld(
        user_id=attempt.user_id, question_ids=ids, now=now, except_attempt_id=attempt.pk
    )
