from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True / false")
    FILL_BLANK = "fill_blank", _("Fill in the blank")
    ESSAY = "essay", _("Essay")


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", pgettext_lazy("attempt", "In progress")
    SUBMITTED = "submitted", _("Waiting for marking")
    GRADED = "graded", _("Graded")


class ExamMode(models.TextChoices):
    PRACTICE = "practice", _("Practice (answers shown at once)")
    MOCK = "mock", _("Mock exam")
    FORMAL = "formal", _("Formal exam")


class Reveal(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately, question by question")
    AFTER_SUBMIT = "after_submit", _("After hand-in")
    AFTER_CLOSE = "after_close", _("After the exam window closes")
    NEVER = "never", _("Never")


class GradingMethod(models.TextChoices):
    BEST = "best", _("Best attempt counts")
    LAST = "last", _("Last attempt counts")


class Layout(models.TextChoices):
    ALL = "all", _("All questions on one page")
    ONE = "one", _("One question per page")
