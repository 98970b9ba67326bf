"""Practice like the drills (练兵): the wrong-answer book (错题重练) and the daily practice (每日一练)."""

from __future__ import annotations

import datetime
import random

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Attempt
from ..reveal import practice_questions, wrong_book_entries
from ..selectors import weak_area_ids_for_user
from .draw import _paper_for_questions
from .errors import NO_QUESTIONS, NOTHING_TO_PRACTISE, ExamError

DAILY_QUESTIONS = 5
WRONG_BOOK_QUESTIONS = 20


@transaction.atomic
def wrong_book_practice_start(*, user, seed: int | None = None) -> Attempt:
    """A practice sitting drawn from the learner's unmastered wrong answers (错题重练), of those
    the reveal rule lets practice serve them (``exams.reveal.wrong_book_entries``)."""
    ids = list(
        wrong_book_entries(user=user)
        .filter(mastered_at__isnull=True)
        .order_by("-times_wrong", "-last_wrong_at")
        .values_list("question_id", flat=True)[:WRONG_BOOK_QUESTIONS]
    )
    if not ids:
        raise ExamError(NOTHING_TO_PRACTISE)
    rng = random.Random(seed)
    return Attempt.objects.create(
        user=user,
        kind=Attempt.Kind.WRONG_BOOK,
        paper=_paper_for_questions(ids, rng=rng, shuffle_options=True),
    )


def daily_practice_start(*, user, today: datetime.date | None = None) -> Attempt:
    """Today's practice (每日一练): a few questions drawn from the learner's weakest areas, the
    same all day (the day and the person seed the draw), of those the reveal rule lets practice
    serve them (``exams.reveal.practice_questions``): never one of their sitting in progress."""
    today = today or timezone.localdate()
    existing = Attempt.objects.filter(user=user, kind=Attempt.Kind.DAILY, day=today).first()
    if existing is not None:
        return existing
    rng = random.Random(f"{user.pk}-{today.isoformat()}")
    areas = weak_area_ids_for_user(user=user)
    served = practice_questions(user=user)
    pool = list(served.filter(bank__area_id__in=areas).values_list("pk", flat=True))
    if len(pool) < DAILY_QUESTIONS:
        pool = list(served.values_list("pk", flat=True))
    ids = rng.sample(pool, min(DAILY_QUESTIONS, len(pool)))
    if not ids:
        raise ExamError(NO_QUESTIONS)
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                user=user,
                kind=Attempt.Kind.DAILY,
                day=today,
                paper=_paper_for_questions(ids, rng=rng, shuffle_options=True),
            )
    except IntegrityError:
        return Attempt.objects.get(user=user, kind=Attempt.Kind.DAILY, day=today)
