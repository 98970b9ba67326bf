"""Saving an answer as it is given (自动保存) and practice feedback on it."""

from __future__ import annotations

import datetime
import functools

from django.db import connection, transaction
from django.utils import timezone

from training.kept import Local

from .. import grading
from ..choices import AttemptStatus, QuestionType
from ..models import Answer, Attempt, QuestionVersion
from ..reveal import keys_shown
from .errors import (
    ANSWER_TOO_LONG,
    ATTEMPT_CLOSED,
    BLANK_TOO_LONG,
    NOT_AN_OPTION,
    NOT_ON_PAPER,
    ONE_OPTION_ONLY,
    TEXT_ONLY,
    TIME_UP,
    AnswerRefused,
    ExamError,
)
from .versions import version_to_grading

# A request in flight when the clock runs out is still accepted for this long.
DEADLINE_GRACE = datetime.timedelta(seconds=3)
MAX_TEXT_ANSWER = 5000
MAX_BLANK_ANSWER = 200  # the paper's blank takes as many (templates/exams/_question.html)


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


# Two paths save an answer. The one-statement path (PostgreSQL only: FOR SHARE, and casts SQLite
# would read as numbers) is kept because it is what meets the answer-save target: see
# bench/RESULTS.md, "What was fixed in the second session" item 4, and the status's answer-save
# margin at L. The transaction path is the only one on SQLite and takes every refusal and first
# save everywhere. The one-statement path's tests (tests/exams/test_services_attempt.py, the hot
# path section; tests/test_faults.py) run on PostgreSQL in .ci/run, not in `make test`.
#
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
