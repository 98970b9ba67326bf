import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase

from courses.page_cache import CachedViewRestrictionsMixin
from training.org.choices import Level
from training.org.models import BusinessArea

from .choices import AttemptStatus, ExamMode, GradingMethod, Layout, QuestionType, Reveal
from .forms import ExamPageForm

# Staggered entry (错峰入场) of a scheduled exam: 3 000 people spread over a minute is 50 starts a
# second, which two cores carry next to the answers (bench/README.md, the exam window).
ENTRY_SPREAD_DEFAULT = 60
ENTRY_SPREAD_MAX = 1800


class QuestionBank(models.Model):
    """A question bank (题库) of one business area and level."""

    title = models.CharField(_("title"), max_length=120)
    area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, related_name="question_banks", verbose_name=_("business area")
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BASIC)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="question_banks",
        verbose_name=_("owner"),
    )
    open_for_practice = models.BooleanField(
        _("open for practice"),
        default=False,
        help_text=_(
            "Daily practice and the wrong-answer book may serve this bank's questions with their "
            "right answers even when an exam that uses the bank never shows its answers."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Retired (停用): "deleted" while an exam, a paper or an attempt uses it, so kept for history
    # and no longer drawn (exams/retirement.py).
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)

    panels = [
        FieldPanel("title"),
        FieldPanel("area"),
        FieldPanel("level"),
        FieldPanel("owner"),
        FieldPanel("open_for_practice"),
    ]

    class Meta:
        ordering = ["area__sort_order", "level", "title"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")

    def __str__(self) -> str:
        return self.title


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey("exams.Question", on_delete=models.CASCADE, related_name="tagged_items")

    class Meta:
        verbose_name = _("question tag")
        verbose_name_plural = _("question tags")


class Question(ClusterableModel):
    """A question (试题) of a bank; its options are edited inline. Every edit that changes what is
    asked or what is right becomes a new ``QuestionVersion`` the next time it is drawn; attempts
    keep the version they were given."""

    # PROTECT: a bank is retired, or emptied first, never deleted under its questions.
    bank = models.ForeignKey(
        QuestionBank, on_delete=models.PROTECT, related_name="questions", verbose_name=_("question bank")
    )
    qtype = models.CharField(
        _("type"), max_length=16, choices=QuestionType.choices, default=QuestionType.SINGLE
    )
    stem = models.TextField(_("question"))
    answers = models.JSONField(
        _("accepted answers"),
        default=list,
        blank=True,
        help_text=_("Fill in the blank: every accepted answer. Width, spaces and case do not matter."),
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, default=1)
    partial_credit = models.BooleanField(
        _("partial credit"), default=False, help_text=_("Multiple choice: points for each right option.")
    )
    negative_marking = models.BooleanField(
        _("negative marking"), default=False, help_text=_("Multiple choice: wrong options take points off.")
    )
    explanation = models.TextField(_("explanation"), blank=True)
    cites = models.ForeignKey(
        "courses.TextbookChapterPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("textbook chapter cited"),
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), default=1, choices=[(1, _("Easy")), (2, _("Medium")), (3, _("Hard"))]
    )
    tags = ClusterTaggableManager(through=QuestionTag, blank=True, verbose_name=_("tags"))
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    # Retired (停用): see QuestionBank.retired_at.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)

    panels = [
        FieldPanel("bank"),
        FieldPanel("qtype"),
        FieldPanel("stem"),
        InlinePanel("choices", label=_("Options")),
        FieldPanel("answers"),
        FieldRowPanel([FieldPanel("points"), FieldPanel("difficulty")]),
        FieldRowPanel([FieldPanel("partial_credit"), FieldPanel("negative_marking")]),
        FieldPanel("explanation"),
        FieldPanel("cites"),
        FieldPanel("tags"),
    ]

    class Meta:
        ordering = ["bank", "sort_order", "pk"]
        # The stem field is also labelled "question" (题干); the model is 试题.
        verbose_name = pgettext_lazy("model", "question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.stem[:60]


class Choice(Orderable):
    """One option of a choice question."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("option"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Partial credit: share of the points for this option, negative to take points off."),
    )

    panels = [FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("weight")]

    class Meta(Orderable.Meta):
        verbose_name_plural = _("options")
        verbose_name = _("option")

    def __str__(self) -> str:
        return self.text


class QuestionVersion(models.Model):
    """A frozen copy of a question as it was given in attempts (试题版本)."""

    # PROTECT: the papers of attempts name their versions; a used question is retired, not deleted.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question", "-number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="unique_question_version")]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"


class ExamPage(CachedViewRestrictionsMixin, Page):
    """An exam (考试) inside a module: a fixed paper or a random draw by quotas, with its rules.

    A formal exam passed completes its lesson in the module; practice answers at once; a mock exam
    is a rehearsal that counts for nothing. Unpublished, it is a draft nobody can sit.
    """

    mode = models.CharField(_("mode"), max_length=16, choices=ExamMode.choices, default=ExamMode.FORMAL)
    bank = models.ForeignKey(
        QuestionBank,
        on_delete=models.PROTECT,
        related_name="exams",
        verbose_name=_("question bank"),
        help_text=_("Questions are drawn from this bank unless fixed questions or quotas are given."),
    )
    question_count = models.PositiveSmallIntegerField(
        _("number of questions"), default=10, help_text=_("Drawn at random from the bank for each attempt.")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, help_text=_("Share of points needed to pass, in percent.")
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), default=0, help_text=_("0: none.")
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    entry_spread_seconds = models.PositiveIntegerField(
        _("staggered entry (seconds)"),
        default=ENTRY_SPREAD_DEFAULT,
        validators=[MaxValueValidator(ENTRY_SPREAD_MAX)],
        help_text=_(
            "With an opening time: each person enters at their own moment within this many seconds "
            "after the exam opens, so that a large exam does not start all at once. Everyone's time "
            "limit counts from their own entry. 0: everyone enters at the opening time."
        ),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempt limit"), default=0, help_text=_("0 means no limit.")
    )
    minutes_between_attempts = models.PositiveSmallIntegerField(_("minutes between attempts"), default=0)
    grading_method = models.CharField(
        _("which attempt counts"), max_length=8, choices=GradingMethod.choices, default=GradingMethod.BEST
    )
    reveal = models.CharField(
        _("show answers"), max_length=16, choices=Reveal.choices, default=Reveal.AFTER_SUBMIT
    )
    layout = models.CharField(_("layout"), max_length=8, choices=Layout.choices, default=Layout.ALL)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    intro = models.TextField(_("introduction"), blank=True)
    success_text = models.TextField(_("text shown on passing"), blank=True)
    fail_text = models.TextField(_("text shown on failing"), blank=True)

    base_form_class = ExamPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("mode"),
                FieldPanel("bank"),
                FieldPanel("question_count"),
                InlinePanel("quotas", label=_("Random draw quotas")),
                InlinePanel("fixed_questions", label=_("Fixed paper")),
            ],
            heading=_("Paper"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("time_limit_minutes")]),
                FieldRowPanel(
                    [FieldPanel("opens_at"), FieldPanel("closes_at"), FieldPanel("entry_spread_seconds")]
                ),
                FieldRowPanel([FieldPanel("max_attempts"), FieldPanel("minutes_between_attempts")]),
                FieldRowPanel([FieldPanel("grading_method"), FieldPanel("reveal")]),
                FieldRowPanel(
                    [FieldPanel("layout"), FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]
                ),
            ],
            heading=_("Rules"),
        ),
        FieldPanel("success_text"),
        FieldPanel("fail_text"),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The exam must close after it opens.")})
        if self.opens_at and self.closes_at and self.time_limit_minutes:
            last_entry = self.opens_at + datetime.timedelta(seconds=self.entry_spread_seconds)
            if last_entry + datetime.timedelta(minutes=self.time_limit_minutes) > self.closes_at:
                # The deadline is the time limit or the close, whichever comes first: the last to
                # enter would have less time than the others.
                raise ValidationError(
                    {
                        "closes_at": _(
                            "Too early: the last person enters %(spread)s s after the opening and "
                            "needs the whole time limit; close at %(earliest)s or later."
                        )
                        % {
                            "spread": self.entry_spread_seconds,
                            "earliest": timezone.localtime(
                                last_entry + datetime.timedelta(minutes=self.time_limit_minutes)
                            ).strftime("%Y-%m-%d %H:%M:%S"),
                        }
                    }
                )

    def entry_offset_seconds(self, user_id: int) -> float:
        """This person's moment of entry, in seconds after the opening: spread evenly over
        ``entry_spread_seconds`` by a hash of exam and person, so it is the same on every load
        of the page and differs from one exam to the next."""
        if not self.entry_spread_seconds:
            return 0.0
        digest = hashlib.blake2b(f"{self.pk}:{user_id}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64 * self.entry_spread_seconds

    def entry_wait_seconds(self, user_id: int, now: datetime.datetime | None = None) -> float:
        """Seconds from ``now`` until this person may enter (0 when they may enter at once): the
        page's script waits this long after the click before it starts the exam. Without an
        opening time there is no common start to spread."""
        if self.opens_at is None:
            return 0.0
        entry = self.opens_at + datetime.timedelta(seconds=self.entry_offset_seconds(user_id))
        return max(0.0, (entry - (now or timezone.now())).total_seconds())

    def get_context(self, request, *args, **kwargs):
        """The exam's module, and whether its prerequisite (先修模块) still locks it for this
        person; a reviewer's preview of a draft is shown unlocked."""
        from courses.selectors import module_locked_for_user, module_of

        context = super().get_context(request, *args, **kwargs)
        module = module_of(self)
        locked_by = (
            None
            if getattr(request, "is_preview", False)
            else module_locked_for_user(module=module, user=request.user)
        )
        context.update(module=module, locked=locked_by is not None, locked_by=locked_by)
        return context

    def serve(self, request, *args, **kwargs):
        from .views import exam_page_serve

        return exam_page_serve(request, self)


class ExamQuota(Orderable):
    """Part of a random draw (抽题规则): so many questions of a bank, optionally of one difficulty."""

    page = ParentalKey(ExamPage, on_delete=models.CASCADE, related_name="quotas")
    bank = models.ForeignKey(
        QuestionBank, on_delete=models.PROTECT, related_name="+", verbose_name=_("question bank")
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), null=True, blank=True, choices=[(1, _("Easy")), (2, _("Medium")), (3, _("Hard"))]
    )
    count = models.PositiveSmallIntegerField(_("number of questions"), default=5)

    panels = [FieldPanel("bank"), FieldPanel("difficulty"), FieldPanel("count")]

    class Meta(Orderable.Meta):
        verbose_name = _("draw rule")
        verbose_name_plural = _("draw rules")


class ExamFixedQuestion(Orderable):
    """A question of a fixed paper (固定试卷), in the order given."""

    page = ParentalKey(ExamPage, on_delete=models.CASCADE, related_name="fixed_questions")
    # PROTECT: a question chosen by hand for a paper is retired, and stays on the paper, rather than
    # silently vanishing from it.
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        verbose_name = _("fixed question")
        verbose_name_plural = _("fixed questions")


class Attempt(models.Model):
    """One sitting (答卷) of an exam, or of a practice drawn from the wrong-answer book or the daily
    practice; the drawn paper (question versions and option order) is stored with it."""

    class Kind(models.TextChoices):
        EXAM = "exam", _("Exam")
        WRONG_BOOK = "wrong_book", _("Wrong-answer practice")
        DAILY = "daily", _("Daily practice")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    exam = models.ForeignKey(
        ExamPage, on_delete=models.CASCADE, related_name="attempts", null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EXAM)
    status = models.CharField(
        _("status"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    # The paper: [{"q": question_id, "v": version_id, "c": [option ids in display order]}, …]
    paper = models.JSONField(default=list)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, null=True, blank=True)
    possible = models.DecimalField(
        _("points possible"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True)
    day = models.DateField(null=True, blank=True)  # daily practice: the day it belongs to

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        indexes = [
            models.Index(fields=["user", "exam", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            # At most one open sitting per person and exam, even under two tabs or a double click.
            models.UniqueConstraint(
                fields=["user", "exam"],
                condition=models.Q(status="in_progress", kind="exam"),
                name="one_open_attempt_per_user_exam",
            ),
            models.UniqueConstraint(
                fields=["user", "day"], condition=models.Q(kind="daily"), name="one_daily_practice_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id or self.kind} · {self.user_id} · {self.status}"


class Answer(models.Model):
    """The answer given to one question of an attempt, saved as soon as it is given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+", null=True)
    # option id, list of option ids, or text, by question type
    response = models.JSONField(null=True)
    awarded = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    is_correct = models.BooleanField(null=True)
    saved_at = models.DateTimeField(auto_now=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)
    marker_comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.question_id}"


class WrongAnswer(models.Model):
    """An entry of a learner's wrong-answer book (错题本): a question they got wrong, until they get
    it right in re-practice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wrong_answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    times_wrong = models.PositiveIntegerField(default=1)
    last_wrong_at = models.DateTimeField(auto_now_add=True)
    mastered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("wrong-answer book entry")
        verbose_name_plural = _("wrong-answer book entries")
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="one_wrong_entry_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.question_id}"


class PointsEntry(models.Model):
    """Points earned in practice (练兵积分): one row per graded practice or exam."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries"
    )
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="points_entry")
    points = models.IntegerField()
    earned_on = models.DateField()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [models.Index(fields=["earned_on"])]

    def __str__(self) -> str:
        return f"{self.user_id} +{self.points}"
