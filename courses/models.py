from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from training.org.choices import Level
from training.org.models import BusinessArea

from .blocks import LessonStreamBlock, TextbookStreamBlock


class HomePage(Page):
    """The site's home page: the learner's own modules, progress and next steps."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.TextbookIndexPage", "courses.ModuleIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import home_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(home_context_for_user(user=request.user))
        return context


class TextbookIndexPage(Page):
    """The shelf of unified business-handling textbooks (业务经办教材)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.TextbookPage"]
    max_count = 1

    class Meta:
        verbose_name = _("textbook index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["textbooks"] = (
            TextbookPage.objects.child_of(self).live().select_related("area").order_by("area__sort_order")
        )
        return context


class TextbookPage(Page):
    """A unified, versioned business-handling textbook of one area (业务经办教材)."""

    area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, related_name="textbooks", verbose_name=_("business area")
    )
    version = models.CharField(_("version"), max_length=40)
    effective_date = models.DateField(_("effective date"))
    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(TextbookStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("area"), FieldPanel("version"), FieldPanel("effective_date")],
            heading=_("Textbook"),
        ),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["courses.TextbookIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("textbook")
        verbose_name_plural = _("textbooks")


class ModuleIndexPage(Page):
    """The catalogue of tiered training modules (分级培训模块)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.ModulePage"]
    max_count = 1

    class Meta:
        verbose_name = _("module index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["modules"] = (
            ModulePage.objects.child_of(self)
            .live()
            .select_related("area")
            .order_by("area__sort_order", "level", "path")
        )
        return context


class ModulePage(Page):
    """A tiered training module (培训模块) of one area and level: an ordered list of lessons.

    Its children, in tree order, are its lessons: reading lessons and the exam. The exam page type
    lives in the ``exams`` app and is named here by string only.
    """

    area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, related_name="modules", verbose_name=_("business area")
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BASIC)
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("area"), FieldPanel("level")], heading=_("Module")),
        FieldPanel("intro"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["courses.ModuleIndexPage"]
    subpage_types = ["courses.LessonPage", "exams.ExamPage"]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def get_context(self, request, *args, **kwargs):
        from .selectors import module_outline_for_user

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = module_outline_for_user(module=self, user=request.user)
        return context


class LessonPage(Page):
    """A reading lesson (阅读课) inside a module."""

    summary = models.CharField(_("summary"), max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)
    body = StreamField(LessonStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("minutes"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("reading lesson")
        verbose_name_plural = _("reading lessons")

    def serve(self, request, *args, **kwargs):
        from django.shortcuts import redirect

        from .services import lesson_complete, lesson_start

        if request.user.is_authenticated:
            if request.method == "POST":
                lesson_complete(user=request.user, page=self)
                context = self.get_context(request)
                target = context["next_lesson"] or context["module"]
                return redirect(target.url)
            lesson_start(user=request.user, page=self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context_for_user(lesson=self, user=request.user))
        return context


class LessonProgress(models.Model):
    """One person's completion of one lesson page (课时完成记录); the exam counts as a lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(ModulePage, on_delete=models.CASCADE, related_name="progress_rows", null=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="unique_progress_per_user_page")]
        indexes = [models.Index(fields=["user", "module"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.page_id}"
