from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from training.org.choices import Level
from training.org.models import BusinessArea

from .choices import AttemptStatus, QuestionType


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
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("title"), FieldPanel("area"), FieldPanel("level"), FieldPanel("owner")]

    class Meta:
        ordering = ["area__sort_order", "level", "title"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")

    def __str__(self) -> str:
        return self.title


class Question(ClusterableModel):
    """A question (试题) of a bank; its options are edited inline."""

    bank = models.ForeignKey(
        QuestionBank, on_delete=models.CASCADE, related_name="questions", verbose_name=_("question bank")
    )
    qtype = models.CharField(
        _("type"), max_length=16, choices=QuestionType.choices, default=QuestionType.SINGLE
    )
    stem = models.TextField(_("question"))
    explanation = models.TextField(_("explanation"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), default=1, choices=[(1, _("Easy")), (2, _("Medium")), (3, _("Hard"))]
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    panels = [
        FieldPanel("bank"),
        FieldPanel("qtype"),
        FieldPanel("stem"),
        InlinePanel("choices", label=_("Options"), min_num=2),
        FieldPanel("explanation"),
        FieldPanel("difficulty"),
    ]

    class Meta:
        ordering = ["bank", "sort_order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.stem[:60]


class Choice(Orderable):
    """One option of a choice question."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("option"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("option")

    def __str__(self) -> str:
        return self.text


class ExamPage(Page):
    """An exam (考试) inside a module: questions drawn from a bank, a pass mark, stored attempts.

    Passing it completes its lesson in the module.
    """

    bank = models.ForeignKey(
        QuestionBank, on_delete=models.PROTECT, related_name="exams", verbose_name=_("question bank")
    )
    question_count = models.PositiveSmallIntegerField(
        _("number of questions"), default=10, help_text=_("Drawn at random from the bank for each attempt.")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, help_text=_("Share of points needed to pass, in percent.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempt limit"), default=0, help_text=_("0 means no limit.")
    )
    intro = models.TextField(_("introduction"), blank=True)
    success_text = models.TextField(_("text shown on passing"), blank=True)
    fail_text = models.TextField(_("text shown on failing"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("bank"),
                FieldPanel("question_count"),
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
            ],
            heading=_("Paper"),
        ),
        FieldPanel("success_text"),
        FieldPanel("fail_text"),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")

    def serve(self, request, *args, **kwargs):
        from .views import exam_page_serve

        return exam_page_serve(request, self)


class Attempt(models.Model):
    """One sitting of an exam (答卷); the drawn paper is stored with it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    exam = models.ForeignKey(ExamPage, on_delete=models.CASCADE, related_name="attempts")
    status = models.CharField(
        _("status"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    # The paper: [{"q": question_id, "c": [choice ids in display order]}, …]
    paper = models.JSONField(default=list)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        indexes = [models.Index(fields=["user", "exam", "status"])]
        constraints = [
            # At most one open sitting per person and exam, even under two tabs or a double click.
            models.UniqueConstraint(
                fields=["user", "exam"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt_per_user_exam",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exam_id} · {self.user_id} · {self.status}"


class Answer(models.Model):
    """The answer given to one question of an attempt, saved as soon as it is given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, null=True, related_name="+")
    is_correct = models.BooleanField(null=True)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.question_id}"
