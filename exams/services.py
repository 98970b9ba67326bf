"""Exam sittings: draw, start, save an answer, submit, grade, mark; practice from the wrong-answer
book and the daily practice (考试作答、评分、阅卷、错题本、每日一练)."""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import random
from decimal import Decimal
from functools import partial

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.services import lesson_complete
from training.kept import Kept, Local

from . import grading
from .choices import AttemptStatus, ExamMode, QuestionType
from .models import Answer, Attempt, Choice, ExamPage, PointsEntry, Question, QuestionVersion, WrongAnswer
from .reveal import keys_shown, practice_questions, wrong_book_entries
from .selectors import open_attempt_for_user, question_banks_for_author
from .signals import attempt_graded

NO_QUESTIONS = _("This exam has no questions yet.")
ATTEMPTS_USED_UP = _("You have used all attempts allowed for this exam.")
ATTEMPT_CLOSED = _("This attempt has already been submitted.")
NOT_ON_PAPER = _("This question is not on your paper.")
NOT_AN_OPTION = _("This option does not belong to the question.")
TIME_UP = _("Time is up: this answer came after the deadline and was not saved.")
NOT_OPEN_YET = _("This exam is not open yet.")
CLOSED = _("This exam is closed.")
TOO_SOON = _("Please wait before the next attempt.")
ANSWER_TOO_LONG = _("The answer is too long.")
ONE_OPTION_ONLY = _("This question takes exactly one option.")
TEXT_ONLY = _("This question takes a written answer, not options.")
BLANK_TOO_LONG = _("A fill-in-the-blank answer is at most %(limit)s characters.")
NOT_YOURS_TO_MARK = _("This answer is not in a question bank you mark.")
MARK_OUT_OF_RANGE = _("The mark must be between 0 and the question's points.")
NOTHING_TO_PRACTISE = _("Your wrong-answer book is empty: nothing to practise.")

# A request in flight when the clock runs out is still accepted for this long.
DEADLINE_GRACE = datetime.timedelta(seconds=3)
MAX_TEXT_ANSWER = 5000
MAX_BLANK_ANSWER = 200  # the paper's blank takes as many (templates/exams/_question.html)
DAILY_QUESTIONS = 5
WRONG_BOOK_QUESTIONS = 20


class ExamError(Exception):
    """A rule of the exam refused the request; the message is shown to the learner."""


class AnswerRefused(ExamError):
    """An answer the question's type cannot hold (two options to a single choice, options to an
    essay, an option of another question); the message says why. Views answer 422."""


# --- question versions -------------------------------------------------------------------------


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


# --- drawing a paper ---------------------------------------------------------------------------


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


# --- answering ---------------------------------------------------------------------------------


def _option_id(value, options: list[int]) -> int:
    if isinstance(value, bool):
        raise AnswerRefused(NOT_AN_OPTION)
    try:
        option = int(value)
    except (TypeError, ValueError):
        raise AnswerRefused(NOT_AN_OPTION) from None
    if option not in options:
        raise AnswerRefused(NOT_AN_OPTION)
    return option


def _clean_response(entry: dict, response):
    """Check a response against the paper entry and its question type; returns it in canonical
    form (an option id, a sorted list of option ids, or text), None when nothing is answered.

    Single choice and true/false hold exactly one option of the question, multiple choice one or
    more of them, fill-in-the-blank and essay text: anything else is refused (``AnswerRefused``)."""
    qtype, options = entry["t"], entry["c"]
    if response in (None, "", []):
        return None
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        if isinstance(response, list):
            if len(response) != 1:
                raise AnswerRefused(ONE_OPTION_ONLY)
            response = response[0]
        return _option_id(response, options)
    if qtype == QuestionType.MULTIPLE:
        chosen = response if isinstance(response, list) else [response]
        return sorted({_option_id(r, options) for r in chosen})
    if isinstance(response, list | dict):
        raise AnswerRefused(TEXT_ONLY)
    text = str(response)
    if qtype == QuestionType.FILL_BLANK and len(text) > MAX_BLANK_ANSWER:
        raise AnswerRefused(BLANK_TOO_LONG % {"limit": MAX_BLANK_ANSWER})
    if len(text) > MAX_TEXT_ANSWER:
        raise AnswerRefused(ANSWER_TOO_LONG)
    return text


def _with_types(attempt: Attempt) -> None:
    """Papers drawn before entries carried their question's type ("t") get it from their versions
    (one query, only for such papers)."""
    missing = [e for e in attempt.paper if "t" not in e]
    if missing:
        types = dict(
            QuestionVersion.objects.filter(pk__in=[e["v"] for e in missing]).values_list("pk", "data__qtype")
        )
        for entry in missing:
            entry["t"] = types.get(entry["v"])


def _entry(attempt: Attempt, question_id: int) -> dict:
    _with_types(attempt)
    entry = next((e for e in attempt.paper if e["q"] == question_id), None)
    if entry is None:
        raise ExamError(NOT_ON_PAPER)
    return entry


def _is_late(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE


# The paper of an attempt never changes once drawn, so each process keeps the entries of the
# attempts it has seen lately (the paper's question -> version and options), keyed by the attempt,
# its owner and its start time: the hot path of saving an answer then need not read and parse the
# paper. The start time is checked by the database with every save, so an entry can never speak for
# another row that got the same id (a restored archive): such a save finds no row and takes the
# slow path, which refills the entry.
PAPER_CACHE_SIZE = 4096
_papers = Local(size=PAPER_CACHE_SIZE, expiring=False)


def _paper_remember(attempt: Attempt) -> None:
    _with_types(attempt)
    _papers.set((attempt.pk, attempt.user_id), (attempt.started_at, {e["q"]: e for e in attempt.paper}))


def _paper_recalled(attempt_id: int, user_id: int) -> tuple[datetime.datetime, dict[int, dict]] | None:
    return _papers.get((attempt_id, user_id), None)


@functools.cache
def _upsert_sql() -> tuple[str, list]:
    """The one statement of the hot path (PostgreSQL): lock the attempt FOR SHARE if it is the
    caller's, still open, within its deadline and the same row the cached paper came from, and
    insert or update the answer. A hand-in locks the attempt FOR UPDATE, so it waits for a save
    in flight (and grades its answer), and a save that comes after it sees the attempt closed."""
    attempt_table = connection.ops.quote_name(Attempt._meta.db_table)
    table = connection.ops.quote_name(Answer._meta.db_table)
    fields = [f for f in Answer._meta.concrete_fields if not f.primary_key and f.name != "attempt"]
    fields = [f for f in fields if f.name in _ANSWER_INSERTED]
    q = connection.ops.quote_name
    sql = (
        f"WITH locked AS (SELECT {q('id')} FROM {attempt_table} "  # noqa: S608 (names quoted, values bound)
        f"WHERE {q('id')} = %s AND {q('user_id')} = %s AND {q('started_at')} = %s AND {q('status')} = %s "
        f"AND ({q('deadline')} IS NULL OR {q('deadline')} >= %s) FOR SHARE) "
        f"INSERT INTO {table} ({q('attempt_id')}, {', '.join(q(f.column) for f in fields)}) "
        f"SELECT locked.{q('id')}, {', '.join(f'CAST(%s AS {f.cast_db_type(connection)})' for f in fields)} "
        f"FROM locked ON CONFLICT ({q('attempt_id')}, {q('question_id')}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in ("response", "version_id", "saved_at"))
        + f" RETURNING {q('id')}"
    )
    return sql, fields


# Every column an insert must fill (the others are null until the answer is graded or marked).
_ANSWER_INSERTED = ("question", "version", "response", "saved_at", "marker_comment")


def _answer_save_fast(*, attempt_id: int, user, question_id: int, response, now) -> Answer | None:
    """One statement in autocommit, or None when the caller must take the slow path (no cached
    paper, a refused answer, or no open attempt of theirs: the slow path says which)."""
    cached = _paper_recalled(attempt_id, user.pk)
    if cached is None:
        return None
    started_at, entries = cached
    entry = entries.get(question_id)
    if entry is None:
        return None
    try:
        value = _clean_response(entry, response)
    except ExamError:
        return None
    answer = Answer(attempt_id=attempt_id, question_id=question_id, version_id=entry.get("v"), response=value)
    sql, fields = _upsert_sql()
    params = [attempt_id, user.pk, started_at, AttemptStatus.IN_PROGRESS, now - DEADLINE_GRACE]
    params += [f.get_db_prep_save(f.pre_save(answer, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    answer.pk = row[0]
    return answer


def answer_save(
    *, attempt_id: int, user, question_id: int, response, now: datetime.datetime | None = None
) -> Answer:
    """Save one answer as soon as it is given (自动保存); saving the same answer again is harmless,
    and the last one given counts. Once this returns, the answer is committed and never lost.
    Answers after the deadline are refused.

    On PostgreSQL, once the process knows the attempt's paper, one statement in autocommit
    (``_upsert_sql``); otherwise, and for every refusal, two inside a transaction: the attempt
    locked FOR UPDATE, then the upsert."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        answer = _answer_save_fast(
            attempt_id=attempt_id, user=user, question_id=question_id, response=response, now=now
        )
        if answer is not None:
            return answer
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise ExamError(ATTEMPT_CLOSED)
        if _is_late(attempt, now):
            raise ExamError(TIME_UP)
        _paper_remember(attempt)
        entry = _entry(attempt, question_id)
        value = _clean_response(entry, response)
        answer = Answer(
            attempt=attempt, question_id=question_id, version_id=entry.get("v"), response=value, saved_at=now
        )
        Answer.objects.bulk_create(
            [answer],
            update_conflicts=True,
            unique_fields=["attempt", "question"],
            update_fields=["response", "version", "saved_at"],
        )
    return answer


def answer_feedback(*, attempt: Attempt, question_id: int, response) -> dict | None:
    """Practice (练习): whether the answer is right, the right answer and the explanation — or None
    where the reveal rule withholds the key from the person (``exams.reveal.keys_shown``): a
    formal exam in progress, a question of their sitting in progress, a question of an exam that
    never shows its answers."""
    if question_id not in keys_shown(attempt=attempt, question_ids=[question_id]):
        return None
    entry = _entry(attempt, question_id)
    version = QuestionVersion.objects.get(pk=entry["v"])
    score = grading.score_answer(version_to_grading(version.data), _clean_response(entry, response))
    right = [o["id"] for o in version.data["options"] if o["correct"]]
    return {
        "correct": score.correct,
        "right_options": right,
        "accepted": version.data.get("answers", []),
        "explanation": version.data.get("explanation", ""),
    }


# --- grading -----------------------------------------------------------------------------------


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
        from django.db.models import F

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


# --- practice like the drills (练兵) -----------------------------------------------------------


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
    from .selectors import weak_area_ids_for_user

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
