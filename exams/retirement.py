"""Deleting questions and banks (删除试题、题库): what any exam, paper or attempt uses is retired
(停用) — no longer drawn, kept so that papers already given, their hand-in, grading and results
keep working — and only what nothing uses is deleted.

What "used" means:
- a question: it has a version (it was drawn into a paper, of an exam or a practice, so attempts
  name it), an answer, or it is on an exam's fixed paper;
- a bank: an exam draws from it (the exam's bank or one of its quotas), or one of its questions is
  used.

A retired question stays on the fixed papers that name it: those were chosen by hand, and a formal
exam gives everyone the same paper, so new sittings keep getting it (its current version); the
trainer is told so and takes it off the exam to stop that. Random draws, quotas and practice never
draw a retired question, nor any question of a retired bank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Answer, ExamFixedQuestion, ExamPage, ExamQuota, Question, QuestionBank, QuestionVersion
from .services import QUESTIONS

DRAWN = _("drawn into papers already given")
ANSWERED = _("answered in attempts")
QUESTIONS_USED = _("its questions are in papers already given")


@dataclass
class Outcome:
    """What a delete did: the objects deleted, and those retired with why."""

    deleted: list[str] = field(default_factory=list)
    retired: list[tuple[str, list[str]]] = field(default_factory=list)


def _on_fixed_paper(title: str) -> str:
    return _("on the fixed paper of the exam “%(exam)s” (new sittings keep it)") % {"exam": title}


def _drawn_by_exam(title: str) -> str:
    return _("the exam “%(exam)s” draws from it (it will draw no more from this bank)") % {"exam": title}


def question_uses(*, question_ids: Iterable[int]) -> dict[int, list[str]]:
    """Why each of these questions must be kept (试题被引用): only the used ones appear. Three
    queries whatever the number of questions."""
    ids = list(question_ids)
    reasons: dict[int, list[str]] = {}
    for qid, title in ExamFixedQuestion.objects.filter(question_id__in=ids).values_list(
        "question_id", "page__title"
    ):
        reasons.setdefault(qid, []).append(_on_fixed_paper(title))
    drawn = set(QuestionVersion.objects.filter(question_id__in=ids).values_list("question_id", flat=True))
    for qid in drawn:
        reasons.setdefault(qid, []).append(str(DRAWN))
    answered = Answer.objects.filter(question_id__in=ids).values_list("question_id", flat=True)
    for qid in set(answered) - drawn:
        reasons.setdefault(qid, []).append(str(ANSWERED))
    return reasons


def bank_uses(*, bank_ids: Iterable[int]) -> dict[int, list[str]]:
    """Why each of these banks must be kept (题库被引用): only the used ones appear."""
    ids = list(bank_ids)
    reasons: dict[int, list[str]] = {}
    drawing = [
        *ExamPage.objects.filter(bank_id__in=ids).values_list("bank_id", "title"),
        *ExamQuota.objects.filter(bank_id__in=ids).values_list("bank_id", "page__title"),
    ]
    for bank_id, title in drawing:
        reason = _drawn_by_exam(title)
        if reason not in reasons.get(bank_id, []):
            reasons.setdefault(bank_id, []).append(reason)
    questions = dict(Question.objects.filter(bank_id__in=ids).values_list("pk", "bank_id"))
    for qid in question_uses(question_ids=questions):
        if str(QUESTIONS_USED) not in reasons.get(questions[qid], []):
            reasons.setdefault(questions[qid], []).append(str(QUESTIONS_USED))
    return reasons


def _delete_or_retire_questions(ids: list[int], *, now) -> None:
    """Delete the unused ones of these questions and retire the others."""
    used = question_uses(question_ids=ids)
    unused = [qid for qid in ids if qid not in used]
    if unused:
        try:
            with transaction.atomic():
                Question.objects.filter(pk__in=unused).delete()
        except ProtectedError:
            # Drawn between our look and the delete: kept, like the others.
            used.update(dict.fromkeys(unused, []))
    Question.objects.filter(pk__in=list(used), retired_at__isnull=True).update(retired_at=now)


@transaction.atomic
def questions_delete_or_retire(*, questions: Iterable[Question], now=None) -> Outcome:
    """Delete questions (删除试题): a question any paper, attempt or exam uses is retired (停用:
    no longer drawn, kept for history) instead; only one nothing uses is deleted."""
    now = now or timezone.now()
    questions = list(questions)
    used = question_uses(question_ids=[q.pk for q in questions])
    _delete_or_retire_questions([q.pk for q in questions], now=now)
    still_there = set(Question.objects.filter(pk__in=[q.pk for q in questions]).values_list("pk", flat=True))
    QUESTIONS.bump()
    return Outcome(
        deleted=[str(q) for q in questions if q.pk not in still_there],
        retired=[(str(q), used.get(q.pk, [])) for q in questions if q.pk in still_there],
    )


@transaction.atomic
def banks_delete_or_retire(*, banks: Iterable[QuestionBank], now=None) -> Outcome:
    """Delete question banks (删除题库): a bank any exam draws from, or whose questions papers
    and attempts use, is retired (停用) with its questions — of which those nothing uses are
    deleted; a bank nothing uses is deleted with its questions."""
    now = now or timezone.now()
    banks = list(banks)
    used = bank_uses(bank_ids=[b.pk for b in banks])
    question_ids = list(Question.objects.filter(bank__in=banks).values_list("pk", flat=True))
    _delete_or_retire_questions(question_ids, now=now)
    outcome, kept = Outcome(), []
    for bank in banks:
        if bank.pk not in used and not Question.objects.filter(bank=bank).exists():
            try:
                with transaction.atomic():
                    bank.delete()
                outcome.deleted.append(str(bank))
                continue
            except ProtectedError:
                pass  # an exam chose it between our look and the delete: kept
        kept.append(bank.pk)
        outcome.retired.append((str(bank), used.get(bank.pk, [])))
    QuestionBank.objects.filter(pk__in=kept, retired_at__isnull=True).update(retired_at=now)
    # What is left of a retired bank is retired with it (its unused questions were deleted).
    Question.objects.filter(bank__in=kept, retired_at__isnull=True).update(retired_at=now)
    QUESTIONS.bump()
    return outcome


def delete_or_retire(*, objects: Iterable[Question | QuestionBank], now=None) -> Outcome:
    """The delete of the admin, for questions or banks."""
    objects = list(objects)
    if objects and isinstance(objects[0], QuestionBank):
        return banks_delete_or_retire(banks=objects, now=now)
    return questions_delete_or_retire(questions=objects, now=now)


def uses_of(obj: Question | QuestionBank) -> list[str]:
    """Why this one question or bank would be retired rather than deleted (empty: it would be
    deleted)."""
    if isinstance(obj, QuestionBank):
        return bank_uses(bank_ids=[obj.pk]).get(obj.pk, [])
    return question_uses(question_ids=[obj.pk]).get(obj.pk, [])
