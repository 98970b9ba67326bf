"""JSON API of exam sittings (/api/v1/): start, save an answer, submit, read the result.

Session authentication with CSRF, as the site's own pages; a learner reaches only their own
attempts (another person's attempt answers 404).
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.db import Error as DatabaseError
from django.http import Http404, JsonResponse

from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import ValidationError
from ninja.security import django_auth

from courses.selectors import page_locked_for_user

from .choices import AttemptStatus
from .models import Attempt
from .selectors import exam_for_start, paper_for_attempt, review_for_attempt
from .services import AnswerRefused, ExamError, answer_save, attempt_start, attempt_submit

api = NinjaAPI(
    title="Station Academy API",
    version="1",
    urls_namespace="api-v1",
    auth=django_auth,
    docs_url=None,  # the interactive docs page loads assets from a CDN; the OpenAPI document stays
)


# An id the database can hold (a signed 64-bit key): a larger one is refused as invalid (422)
# before any query, rather than overflowing the database driver (a 500).
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class StartIn(Schema):
    exam_id: DbId


class OptionOut(Schema):
    id: int
    text: str


class QuestionOut(Schema):
    id: int
    number: int
    type: str
    stem: str
    points: Decimal
    options: list[OptionOut]
    response: int | list[int] | str | None = None


class AttemptOut(Schema):
    id: int
    exam_id: int | None
    status: str
    deadline: datetime.datetime | None
    questions: list[QuestionOut]


class AnswerIn(Schema):
    response: int | list[int] | str | None = None


class SavedOut(Schema):
    saved: bool
    question_id: int
    saved_at: datetime.datetime


class ItemResultOut(Schema):
    id: int
    awarded: Decimal | None
    correct: bool | None
    right_options: list[int] | None = None
    explanation: str | None = None


class ResultOut(Schema):
    """A sitting's result: the total and pass or fail, and per question only what the reveal rule
    lets the person see (an exam that never shows its answers: no items at all)."""

    id: int
    status: str
    score: Decimal | None
    passed: bool | None
    points: Decimal | None
    possible: Decimal | None
    items: list[ItemResultOut]


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    """What django-ninja answers for a body or path that does not fit the schema (422)."""

    detail: list[dict]


# Answers every operation can give before its own code runs: a body that is not JSON (400), no
# login (401), no CSRF token (403), a request that does not fit the schema (422). Declared so that
# the OpenAPI document lists every answer a client can get (the schemathesis fuzz checks it).
COMMON = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}

# --- the API answers JSON, whatever happens ----------------------------------------------------

logger = logging.getLogger("django.request")


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(PermissionDenied)
def _denied(request, exc):
    return api.create_response(request, {"detail": "Forbidden"}, status=403)


@api.exception_handler(OverflowError)
def _overflow(request, exc):
    # A number beyond what the database holds names no object.
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(Exception)
def _unexpected(request, exc):
    """Any other error: logged as Django logs a 500 (and mailed to the admins), answered as JSON.
    A database error goes on to the site's handler, which tells an unavailable database (503, in
    JSON for the API) from a fault (500, in JSON for the API): training/org/views.py."""
    if isinstance(exc, DatabaseError):
        raise exc
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return JsonResponse({"detail": "Server Error"}, status=500)


def not_found(request, rest: str = ""):
    """Any other path under /api/: 404, in JSON like the rest of the API."""
    return JsonResponse({"detail": "Not Found"}, status=404)


def _attempt_out(attempt: Attempt) -> dict:
    # Plain data: django-ninja validates the answer against AttemptOut once; building the schema
    # objects here would validate every question twice more.
    return {
        "id": attempt.pk,
        "exam_id": attempt.exam_id,
        "status": attempt.status,
        "deadline": attempt.deadline,
        "questions": [
            {
                "id": item.question_id,
                "number": item.number,
                "type": item.qtype,
                "stem": item.stem,
                "points": item.points,
                "options": [{"id": o.id, "text": o.text} for o in item.options],
                "response": item.response,
            }
            # answered the moment it was opened: nothing saved yet
            for item in paper_for_attempt(
                attempt=attempt, no_answers_yet=getattr(attempt, "just_started", False)
            )
        ],
    }


def _result_out(attempt: Attempt) -> ResultOut:
    items = []
    if attempt.status != AttemptStatus.IN_PROGRESS:
        # The same review as the result page: an item whose key is withheld is left out.
        for item in review_for_attempt(attempt=attempt):
            if not item.key_shown:
                continue
            items.append(
                ItemResultOut(
                    id=item.question_id,
                    awarded=item.awarded,
                    correct=item.is_correct,
                    right_options=[o.id for o in item.options if o.correct],
                    explanation=item.explanation,
                )
            )
    return ResultOut(
        id=attempt.pk,
        status=attempt.status,
        score=attempt.score,
        passed=attempt.passed,
        points=attempt.points,
        possible=attempt.possible,
        items=items,
    )


@api.post("/attempts", response={200: AttemptOut, 404: ErrorOut, 409: ErrorOut, **COMMON}, tags=["exams"])
def start_attempt(request, payload: StartIn):
    """Start a sitting of an exam, or resume the open one."""
    exam = exam_for_start(exam_id=payload.exam_id)
    if exam is None:
        return Status(404, {"detail": "Not Found"})
    if page_locked_for_user(page=exam, user=request.user):
        return Status(409, {"detail": "locked"})
    try:
        attempt = attempt_start(user=request.user, exam=exam)
    except ExamError as error:
        return Status(409, {"detail": str(error)})
    # Rendered as django-ninja renders AttemptOut, without validating the paper field by field
    # again (a sixth of a start's CPU): _attempt_out builds exactly that shape from stored data,
    # and the API tests compare it with the schema (test_api.py, the schemathesis fuzz).
    return api.create_response(request, _attempt_out(attempt), status=200)


@api.put(
    "/attempts/{attempt_id}/answers/{question_id}",
    response={200: SavedOut, 404: ErrorOut, 409: ErrorOut, **COMMON},
    tags=["exams"],
)
def save_answer(request, attempt_id: int, question_id: int, payload: AnswerIn):
    """Save one answer (idempotent: the same answer again changes nothing; the last one counts)."""
    try:
        answer = answer_save(
            attempt_id=attempt_id, user=request.user, question_id=question_id, response=payload.response
        )
    except Attempt.DoesNotExist:
        return Status(404, {"detail": "not found"})
    except AnswerRefused as error:
        # The shape of django-ninja's own 422, so that a client reads every 422 alike.
        why = {"type": "answer_refused", "loc": ["body", "payload", "response"], "msg": str(error)}
        return Status(422, {"detail": [why]})
    except ExamError as error:
        return Status(409, {"detail": str(error)})
    return Status(200, SavedOut(saved=True, question_id=question_id, saved_at=answer.saved_at))


@api.post("/attempts/{attempt_id}/submit", response={200: ResultOut, 404: ErrorOut, **COMMON}, tags=["exams"])
def submit_attempt(request, attempt_id: int):
    """Hand in (twice counts once) and return the result."""
    try:
        attempt = attempt_submit(attempt_id=attempt_id, user=request.user)
    except Attempt.DoesNotExist:
        return Status(404, {"detail": "not found"})
    return Status(200, _result_out(attempt))


@api.get("/attempts/{attempt_id}", response={200: ResultOut, 404: ErrorOut, **COMMON}, tags=["exams"])
def read_result(request, attempt_id: int):
    """The result of one of your own attempts (the right answers only when the exam reveals them)."""
    attempt = Attempt.objects.filter(pk=attempt_id, user=request.user).select_related("exam").first()
    if attempt is None:
        return Status(404, {"detail": "not found"})
    return Status(200, _result_out(attempt))
