"""Exam sittings: draw, start, save an answer, submit, grade, mark; practice from the wrong-answer
book and the daily practice (考试作答、评分、阅卷、错题本、每日一练).

One module per job: ``versions`` (question versions), ``draw`` (a paper, a sitting opened),
``answer`` (saving an answer), ``grade`` (hand-in, grading, marking), ``practice`` (wrong-answer
book, daily practice), ``errors`` (the refusals). This package exports what callers use.
"""

from __future__ import annotations

from .answer import answer_feedback, answer_save
from .draw import attempt_start
from .errors import MARK_OUT_OF_RANGE, AnswerRefused, ExamError
from .grade import answer_mark, attempt_submit, attempts_submit_expired
from .practice import daily_practice_start, wrong_book_practice_start
from .versions import QUESTIONS, question_versions_current

__all__ = [
    "MARK_OUT_OF_RANGE",
    "QUESTIONS",
    "AnswerRefused",
    "ExamError",
    "answer_feedback",
    "answer_mark",
    "answer_save",
    "attempt_start",
    "attempt_submit",
    "attempts_submit_expired",
    "daily_practice_start",
    "question_versions_current",
    "wrong_book_practice_start",
]
