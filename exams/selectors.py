"""Reads of exam papers and results, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from .choices import AttemptStatus
from .models import Attempt, Choice, ExamPage, Question, QuestionBank


@dataclass
class PaperItem:
    number: int
    question: Question
    options: list[Choice]
    chosen_id: int | None
    is_correct: bool | None


def paper_for_attempt(*, attempt: Attempt) -> list[PaperItem]:
    """The attempt's questions in drawn order with options in shuffled order and the saved answers.

    Three queries whatever the paper's length.
    """
    question_ids = [e["q"] for e in attempt.paper]
    questions = Question.objects.in_bulk(question_ids)
    choice_ids = [cid for e in attempt.paper for cid in e["c"]]
    choices = Choice.objects.in_bulk(choice_ids)
    answers = {a.question_id: a for a in attempt.answers.all()}
    items = []
    for number, entry in enumerate(attempt.paper, start=1):
        answer = answers.get(entry["q"])
        items.append(
            PaperItem(
                number=number,
                question=questions[entry["q"]],
                options=[choices[c] for c in entry["c"] if c in choices],
                chosen_id=answer.choice_id if answer else None,
                is_correct=answer.is_correct if answer else None,
            )
        )
    return items


def attempts_for_user(*, user, exam: ExamPage) -> QuerySet[Attempt]:
    """A person's own sittings of one exam, newest first (learners see only their own)."""
    return Attempt.objects.filter(user=user, exam=exam).order_by("-started_at")


def open_attempt_for_user(*, user, exam: ExamPage) -> Attempt | None:
    return Attempt.objects.filter(user=user, exam=exam, status=AttemptStatus.IN_PROGRESS).first()


def question_banks_for_author(*, user) -> QuerySet[QuestionBank]:
    """Banks a trainer may author (题库): their own; an administrator may author all."""
    from training.org.selectors import scope_for_user

    if scope_for_user(user).is_admin:
        return QuestionBank.objects.all()
    return QuestionBank.objects.filter(owner=user)


def questions_for_author(*, user) -> QuerySet[Question]:
    """Questions of the banks the trainer may author."""
    return Question.objects.filter(bank__in=question_banks_for_author(user=user))
