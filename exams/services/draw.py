"""Drawing a paper and opening a sitting (抽题、开始答题)."""

from __future__ import annotations

import datetime
import random

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .. import grading
from ..choices import AttemptStatus
from ..models import Attempt, ExamPage, Question, QuestionVersion
from ..selectors import open_attempt_for_user
from .answer import _paper_remember
from .errors import ATTEMPTS_USED_UP, CLOSED, NO_QUESTIONS, NOT_OPEN_YET, TOO_SOON, ExamError
from .versions import QUESTIONS, question_versions_current


def _paper_for_questions(
    question_ids: list[int], *, rng: random.Random, shuffle_options: bool, versions_out: dict | None = None
) -> list[dict]:
    versions = question_versions_current(question_ids=question_ids)
    if versions_out is not None:
        versions_out.update({v.pk: v for v in versions.values()})
    paper = []
    for qid in question_ids:
        version = versions.get(qid)
        if version is None:
            continue
        options = [o["id"] for o in version.data["options"]]
        if shuffle_options and version.data["qtype"] != grading.TRUE_FALSE:
            rng.shuffle(options)
        # "t": the type, so that an answer is checked against it without reading the version.
        paper.append({"q": qid, "v": version.pk, "c": options, "t": version.data["qtype"]})
    return paper


def _draw_question_ids(*, exam: ExamPage, rng: random.Random) -> list[int]:
    # The exam may come with has_fixed / has_quotas already known (``exam_for_start``).
    has_fixed = getattr(exam, "has_fixed", True)
    fixed = has_fixed and list(
        exam.fixed_questions.order_by("sort_order").values_list("question_id", flat=True)
    )
    if fixed:
        ids = fixed
    elif exam.has_quotas if hasattr(exam, "has_quotas") else exam.quotas.exists():
        ids = []
        for quota in exam.quotas.order_by("sort_order"):
            # One bank: its questions in the bank's order, without the join the default ordering makes.
            pool = Question.objects.filter(bank_id=quota.bank_id, retired_at__isnull=True).order_by(
                "sort_order", "pk"
            )
            if quota.difficulty:
                pool = pool.filter(difficulty=quota.difficulty)
            candidates = QUESTIONS.remember(
                f"bank:{quota.bank_id}:{quota.difficulty or ''}",
                lambda pool=pool: list(pool.values_list("pk", flat=True)),
            )
            candidates = [pk for pk in candidates if pk not in ids]
            ids.extend(rng.sample(candidates, min(quota.count, len(candidates))))
    else:
        candidates = QUESTIONS.remember(
            f"bank:{exam.bank_id}:",
            lambda: list(
                Question.objects.filter(bank_id=exam.bank_id, retired_at__isnull=True)
                .order_by("sort_order", "pk")
                .values_list("pk", flat=True)
            ),
        )
        ids = rng.sample(candidates, min(exam.question_count, len(candidates)))
    if exam.shuffle_questions:
        rng.shuffle(ids)
    return ids


def attempt_start(
    *, user, exam: ExamPage, seed: int | None = None, now: datetime.datetime | None = None
) -> Attempt:
    """Open a sitting (开始答题) or resume the open one.

    The questions are drawn once (fixed paper, quotas, or the bank), their current versions and
    the option order are stored on the attempt. The window, the attempt limit and the delay
    between attempts are enforced; the deadline is the time limit or the window's close,
    whichever comes first. A second start, from another tab or a double click, returns the same
    open attempt.
    """
    now = now or timezone.now()
    open_attempt = open_attempt_for_user(user=user, exam=exam)
    if open_attempt is not None:
        return open_attempt
    if exam.opens_at and now < exam.opens_at:
        raise ExamError(NOT_OPEN_YET)
    if exam.closes_at and now >= exam.closes_at:
        raise ExamError(CLOSED)
    previous = Attempt.objects.filter(user=user, exam=exam, kind=Attempt.Kind.EXAM)
    if exam.max_attempts and previous.count() >= exam.max_attempts:
        raise ExamError(ATTEMPTS_USED_UP)
    if exam.minutes_between_attempts:
        last = previous.aggregate(last=Max("submitted_at"))["last"]
        if last and now < last + datetime.timedelta(minutes=exam.minutes_between_attempts):
            raise ExamError(TOO_SOON)
    rng = random.Random(seed)
    versions: dict[int, QuestionVersion] = {}
    paper = _paper_for_questions(
        _draw_question_ids(exam=exam, rng=rng),
        rng=rng,
        shuffle_options=exam.shuffle_options,
        versions_out=versions,
    )
    if not paper:
        raise ExamError(NO_QUESTIONS)
    deadline = now + datetime.timedelta(minutes=exam.time_limit_minutes) if exam.time_limit_minutes else None
    if exam.closes_at and (deadline is None or exam.closes_at < deadline):
        deadline = exam.closes_at
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(user=user, exam=exam, paper=paper, deadline=deadline)
    except IntegrityError:
        # Another request opened it between our check and our insert.
        return Attempt.objects.get(
            user=user, exam=exam, kind=Attempt.Kind.EXAM, status=AttemptStatus.IN_PROGRESS
        )
    # A new sitting: the versions of its paper are at hand (they never change), and it has no
    # answers yet; the start's answer (``paper_for_attempt(..., no_answers_yet=True)``) need not
    # read either. Not a fake prefetch: later reads of ``attempt.answers`` must see saved answers.
    attempt.versions_drawn = versions
    attempt.just_started = True
    _paper_remember(attempt)  # its first answer can take the one-statement path
    return attempt
