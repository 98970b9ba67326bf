import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from wagtailmedia.edit_handlers import MediaChooserPanel
from wagtailmedia.models import AbstractMedia

from training.org.choices import LEVEL_RANK, Level
from training.org.models import BusinessArea

from .blocks import ChapterStreamBlock, LessonStreamBlock
from .forms import AreaScopedPageForm
from .page_cache import CachedViewRestrictionsMixin
from .search import cjk_bigrams


def reader_of(request):
    """Whose progress a page shows: the person reading it, or nobody in particular in a preview
    (a reviewer looking at a draft: nothing of theirs is read or recorded on a page not live)."""
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if getattr(request, "is_preview", False) else request.user


class SearchableMixin:
    """Pages whose text is indexed as CJK bigrams too, so that a Chinese phrase inside a long
    run of characters is found (Chinese has no spaces for the full-text engines to split on)."""

    def search_text(self) -> str:
        parts = [self.title, getattr(self, "intro", "") or "", getattr(self, "summary", "") or ""]
        body = getattr(self, "body", None)
        if body is not None:
            parts.extend(body.stream_block.get_searchable_content(body))
        return "\n".join(p for p in parts if p)

    def search_bigrams(self) -> str:
        return cjk_bigrams(self.search_text())


class HomePage(CachedViewRestrictionsMixin, Page):
    """The site's home page: the learner's own modules, progress and next steps."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.TextbookIndexPage", "courses.ModuleIndexPage"]
    max_count = 1

    class Meta:
        verbose_name_plural = _("home pages")
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import home_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(home_context_for_user(user=request.user))
        return context

    def route(self, request, path_components):
        """Find the page a URL names in one lookup by its url_path, instead of Wagtail's walk down
        the tree with two queries per level, and keep it until pages change
        (courses/page_cache.py); routable sub-paths (``/print/``) and anything not found fall
        back to that walk."""
        if path_components:
            from django.http import Http404

            from wagtail.url_routing import RouteResult

            from .page_cache import remember

            found = remember(
                "route:" + "/".join(path_components),
                lambda: self._route_lookup(path_components),
                keep_none=False,  # unknown paths (a robot's guesses) are not kept
            )
            if found == "hidden":
                raise Http404
            if found is not None:
                return RouteResult(found)
        return super().route(request, path_components)

    def _route_lookup(self, path_components) -> Page | str | None:
        """The page (as its own type) a path names, "hidden" when it or a parent is not live,
        None to let Wagtail's walk decide. Every level of the path in one query, then the page."""
        from django.contrib.contenttypes.models import ContentType

        prefixes = [
            self.url_path + "/".join(path_components[:i]) + "/" for i in range(1, len(path_components) + 1)
        ]
        rows = {
            url_path: (pk, live, content_type_id)
            for url_path, pk, live, content_type_id in Page.objects.filter(url_path__in=prefixes).values_list(
                "url_path", "pk", "live", "content_type_id"
            )
        }
        if len(rows) != len(prefixes):
            return None
        if not all(live for _, live, _ in rows.values()):
            # Unlike Wagtail's walk, an unpublished module also hides its lessons.
            return "hidden"
        pk, _, content_type_id = rows[prefixes[-1]]
        return ContentType.objects.get_for_id(content_type_id).model_class().objects.filter(pk=pk).first()


class TextbookIndexPage(CachedViewRestrictionsMixin, Page):
    """The shelf of unified business-handling textbooks (业务经办教材)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.TextbookPage"]
    max_count = 1

    class Meta:
        verbose_name_plural = _("textbook indexes")
        verbose_name = _("textbook index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import textbooks_current

        context = super().get_context(request, *args, **kwargs)
        context["textbooks"] = textbooks_current(index=self)
        return context


class TextbookPage(CachedViewRestrictionsMixin, RoutablePageMixin, SearchableMixin, Page):
    """A unified, versioned business-handling textbook of one area (业务经办教材); its chapters are
    child pages. A new version is a copy that keeps the old one readable and links back to it."""

    area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, related_name="textbooks", verbose_name=_("business area")
    )
    version = models.CharField(_("version"), max_length=40)
    effective_date = models.DateField(_("effective date"))
    intro = models.TextField(_("introduction"), blank=True)
    change_note = models.TextField(
        _("what changed"), blank=True, help_text=_("A short note for readers of the previous version.")
    )
    previous_version = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("previous version"),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("area", widget=forms.Select), FieldPanel("version"), FieldPanel("effective_date")],
            heading=_("Textbook"),
        ),
        FieldPanel("intro"),
        FieldPanel("change_note"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_bigrams"),
        index.FilterField("area"),
    ]
    parent_page_types = ["courses.TextbookIndexPage"]
    subpage_types = ["courses.TextbookChapterPage"]
    base_form_class = AreaScopedPageForm

    class Meta:
        verbose_name = _("textbook")
        verbose_name_plural = _("textbooks")

    def get_context(self, request, *args, **kwargs):
        from .selectors import textbook_context

        context = super().get_context(request, *args, **kwargs)
        context.update(textbook_context(textbook=self))
        return context

    @path("print/")
    def print_view(self, request):
        """The whole textbook on one page, laid out for paper (打印版)."""
        from .selectors import textbook_print_context

        return self.render(
            request,
            context_overrides=textbook_print_context(textbook=self),
            template="courses/textbook_print.html",
        )

    @path("changes/")
    def changes_view(self, request):
        """What changed since the previous version, section by section (版本变更). A first edition
        has none: 404, not a page that breaks on the missing previous version."""
        from django.http import Http404

        from .selectors import textbook_changes

        if self.previous_version_id is None:
            raise Http404

        return self.render(
            request,
            context_overrides={"changes": textbook_changes(new=self)},
            template="courses/textbook_changes.html",
        )


class TextbookChapterPage(CachedViewRestrictionsMixin, SearchableMixin, Page):
    """A chapter of a textbook (章): sections, each with text and structured business items."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(ChapterStreamBlock(), blank=True, verbose_name=_("sections"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("search_bigrams")]
    parent_page_types = ["courses.TextbookPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")

    def get_context(self, request, *args, **kwargs):
        from .selectors import chapter_context

        context = super().get_context(request, *args, **kwargs)
        context.update(chapter_context(chapter=self))
        return context


class ModuleIndexPage(CachedViewRestrictionsMixin, Page):
    """The catalogue of tiered training modules (分级培训模块)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.ModulePage"]
    max_count = 1

    class Meta:
        verbose_name_plural = _("module indexes")
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


class ModulePage(CachedViewRestrictionsMixin, SearchableMixin, Page):
    """A tiered training module (培训模块) of one area and level: an ordered list of lessons.

    Its children, in tree order, are its lessons: reading, video, live session and exam. The exam
    page type lives in the ``exams`` app and is named here by string only. A higher level may
    require a lower one (先修模块) to be completed first.
    """

    area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, related_name="modules", verbose_name=_("business area")
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BASIC)
    intro = models.TextField(_("introduction"), blank=True)
    prerequisite = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unlocks",
        verbose_name=_("required module"),
        help_text=_("A lower-level module of the same area that must be completed first."),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("area", widget=forms.Select), FieldPanel("level"), FieldPanel("prerequisite")],
            heading=_("Module"),
        ),
        FieldPanel("intro"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("search_bigrams")]
    parent_page_types = ["courses.ModuleIndexPage"]
    base_form_class = AreaScopedPageForm
    subpage_types = [
        "courses.LessonPage",
        "courses.VideoLessonPage",
        "courses.LiveSessionPage",
        "exams.ExamPage",
    ]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def clean(self):
        super().clean()
        pre = self.prerequisite
        if pre is not None:
            if pre.pk == self.pk:
                raise ValidationError({"prerequisite": _("A module cannot require itself.")})
            if pre.area_id != self.area_id or LEVEL_RANK[pre.level] >= LEVEL_RANK[self.level]:
                raise ValidationError(
                    {"prerequisite": _("The required module must be of the same area and a lower level.")}
                )

    def get_context(self, request, *args, **kwargs):
        from .selectors import module_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(module_context_for_user(module=self, user=reader_of(request)))
        return context


class LessonMixin(CachedViewRestrictionsMixin):
    """What every lesson page shares: its module, the outline, the lock of the module's
    prerequisite, and "you opened this" for continue-where-you-left-off."""

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context_for_user(lesson=self, user=reader_of(request)))
        return context

    def serve(self, request, *args, **kwargs):
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        from .services import lesson_complete, lesson_start

        if request.user.is_authenticated and request.method == "POST" and self.completes_by_button:
            context = self.get_context(request)
            if not context["locked"]:
                lesson_complete(user=request.user, page=self)
                target = context["next_lesson"] or context["module"]
                return redirect(target.url)
        elif request.user.is_authenticated:
            # The context reads the person's progress once; the visit is recorded from it.
            context = self.get_context(request, *args, **kwargs)
            lesson_start(user=request.user, page=self, visit=context.get("visit"))
            return TemplateResponse(request, self.get_template(request, *args, **kwargs), context)
        return super().serve(request, *args, **kwargs)


class LessonPage(LessonMixin, SearchableMixin, Page):
    """A reading lesson (阅读课) inside a module; it may quote textbook sections."""

    completes_by_button = True

    summary = models.CharField(_("summary"), max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)
    body = StreamField(LessonStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("minutes"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("search_bigrams")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("reading lesson")
        verbose_name_plural = _("reading lessons")


class LessonVideo(AbstractMedia):
    """An uploaded lesson video (视频课素材). A background task reads its duration and size,
    makes a poster and, where the encoder is available, a low-bitrate rendition for slow links."""

    class Processing(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be processed")

    size_bytes = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    low_file = models.FileField(_("low-bitrate rendition"), upload_to="media_low", blank=True)
    low_size_bytes = models.PositiveBigIntegerField(_("rendition size in bytes"), default=0)
    processing = models.CharField(
        _("processing"), max_length=16, choices=Processing.choices, default=Processing.PENDING
    )
    processing_error = models.TextField(_("processing error"), blank=True)
    # Who may replace, delete and choose the video: the trainers of this area (培训师负责领域).
    # Null only for videos uploaded before areas were given to videos: administrators' alone.
    area = models.ForeignKey(
        BusinessArea,
        on_delete=models.PROTECT,
        null=True,
        related_name="videos",
        verbose_name=_("business area"),
    )

    admin_form_fields = ("title", "file", "area", "collection", "tags")

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")


class VideoLessonPage(LessonMixin, SearchableMixin, Page):
    """A video lesson (视频课). Completion needs the configured share of the timeline actually
    watched, merged over sessions and devices; seeking does not count."""

    completes_by_button = False
    base_form_class = AreaScopedPageForm  # videos of the trainer's areas

    video = models.ForeignKey(
        LessonVideo, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("video")
    )
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    body = StreamField(LessonStreamBlock(), blank=True, verbose_name=_("notes"))

    content_panels = [
        *Page.content_panels,
        MediaChooserPanel("video", media_type="video"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("search_bigrams")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("video lesson")
        verbose_name_plural = _("video lessons")

    def get_context(self, request, *args, **kwargs):
        from .selectors import video_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(video_context_for_user(page=self, video=self.video, user=reader_of(request)))
        return context


def _signin_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class LiveSessionPage(LessonMixin, SearchableMixin, Page):
    """A scheduled online meeting (在线直播/网络会议) with a join link, sign-in (签到) during its
    window, an attendance list, and the recording attached afterwards for those who missed it."""

    completes_by_button = False
    base_form_class = AreaScopedPageForm  # videos of the trainer's areas

    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    join_url = models.URLField(_("join link"), help_text=_("The meeting link of any meeting service."))
    signin_code = models.CharField(
        _("sign-in code"), max_length=12, default=_signin_code, help_text=_("Announced during the session.")
    )
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    recording = models.ForeignKey(
        LessonVideo,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_sessions",
        verbose_name=_("recording"),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("starts_at"),
                FieldPanel("ends_at"),
                FieldPanel("join_url"),
                FieldPanel("signin_code"),
            ],
            heading=_("Session"),
        ),
        FieldPanel("summary"),
        MediaChooserPanel("recording", media_type="video"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("search_bigrams")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The session must end after it starts.")})

    @property
    def is_over(self) -> bool:
        return timezone.now() > self.ends_at

    def get_context(self, request, *args, **kwargs):
        from .selectors import live_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(live_context_for_user(page=self, user=reader_of(request)))
        return context

    def serve(self, request, *args, **kwargs):
        if request.method == "POST" and request.user.is_authenticated:
            from .views import live_signin

            return live_signin(request, self)
        return super().serve(request, *args, **kwargs)


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
        verbose_name_plural = _("lesson progress")
        verbose_name = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="unique_progress_per_user_page")]
        indexes = [models.Index(fields=["user", "module"]), models.Index(fields=["user", "started_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.page_id}"


class VideoProgress(models.Model):
    """What one person has actually watched of one video page, merged over sessions and devices."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    intervals = models.JSONField(default=list)  # merged [[start, end], …] in seconds
    watched_seconds = models.FloatField(default=0)
    last_position = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("video progress")
        verbose_name_plural = _("video progress")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="unique_video_progress")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.page_id} · {self.watched_seconds:.0f}s"


def _viewing_token() -> str:
    return secrets.token_hex(16)  # 32 hex characters, 128 bits: cannot be guessed


class VideoViewing(models.Model):
    """One viewing session of a video page (one tab on one device); the server's clock between its
    reports bounds how much watching they may claim."""

    token = models.CharField(max_length=32, unique=True, default=_viewing_token)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    last_report_at = models.DateTimeField(default=timezone.now)
    rejected_reports = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("video viewing")
        verbose_name_plural = _("video viewings")

    def __str__(self) -> str:
        return self.token


class LiveAttendance(models.Model):
    """A sign-in (签到) to a live session during its window."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(LiveSessionPage, on_delete=models.CASCADE, related_name="attendance")
    signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("live session attendance")
        verbose_name_plural = _("live session attendance")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="unique_attendance")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.page_id}"


@register_setting(icon="time")
class LearningSettings(BaseGenericSetting):
    """Tunable numbers of learning (视频完成比例, 签到宽限)."""

    video_completion_percent = models.PositiveSmallIntegerField(
        _("share of a video to watch (%)"),
        default=90,
        help_text=_("A video lesson is complete when this share of its timeline has actually been watched."),
    )
    signin_early_minutes = models.PositiveSmallIntegerField(
        _("sign-in opens minutes early"), default=10, help_text=_("Sign-in opens this long before the start.")
    )

    class Meta:
        verbose_name_plural = _("learning settings")
        verbose_name = _("learning settings")
