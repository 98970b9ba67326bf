"""Why the exam services refuse a request: the messages shown to the learner or marker, and the
errors that carry them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

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


class ExamError(Exception):
    """A rule of the exam refused the request; the message is shown to the learner."""


class AnswerRefused(ExamError):
    """An answer the question's type cannot hold (two options to a single choice, options to an
    essay, an option of another question); the message says why. Views answer 422."""
