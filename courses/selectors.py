"""Reads of learning content and a person's progress through it.

Every function here costs a fixed number of queries, whatever the number of lessons or progress
rows: children are fetched in one query and progress for them in one more.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from wagtail.models import Page

from training.compiled import Compiled
from training.org.choices import LEVEL_RANK
from training.org.selectors import areas_q, trainer_area_ids

from .models import (
    LearningSettings,
    LessonProgress,
    LessonVideo,
    LiveAttendance,
    LiveSessionPage,
    ModuleIndexPage,
    ModulePage,
    TextbookChapterPage,
    TextbookIndexPage,
    TextbookPage,
    VideoProgress,
    VideoViewing,
)
from .page_cache import remember

LESSON_KINDS = {
    "lessonpage": "reading",
    "videolessonpage": "video",
    "livesessionpage": "live",
    "exampage": "exam",
}


# --- textbooks ---------------------------------------------------------------------------------


def textbooks_current(*, index: TextbookIndexPage) -> list[TextbookPage]:
    """The textbook shelf: per area the newest live version already in force (现行版本)."""
    today = timezone.localdate()
    books = list(
        TextbookPage.objects.child_of(index)
        .live()
        .filter(effective_date__lte=today)
        .select_related("area")
        .order_by("area__sort_order", "-effective_date", "-pk")
    )
    superseded = {b.previous_version_id for b in books if b.previous_version_id}
    return [b for b in books if b.pk not in superseded]


def textbook_versions(*, textbook: TextbookPage) -> list[TextbookPage]:
    """Every live version of the same textbook, newest first (walks the version chain in memory)."""
    books = list(
        TextbookPage.objects.live()
        .filter(area_id=textbook.area_id)
        .only("pk", "title", "version", "effective_date", "previous_version_id", "url_path", "path", "depth")
    )
    by_pk = {b.pk: b for b in books}
    children: dict[int, list[TextbookPage]] = {}
    for b in books:
        if b.previous_version_id:
            children.setdefault(b.previous_version_id, []).append(b)
    # the family: walk back to the first version, then forward
    root = textbook
    seen = set()
    while root.previous_version_id and root.previous_version_id in by_pk and root.pk not in seen:
        seen.add(root.pk)
        root = by_pk[root.previous_version_id]
    family, stack = [], [by_pk.get(root.pk, root)]
    while stack:
        node = stack.pop()
        family.append(node)
        stack.extend(children.get(node.pk, []))
    return sorted(family, key=lambda b: (b.effective_date, b.pk), reverse=True)


def textbook_context(*, textbook: TextbookPage) -> dict:
    """Chapters of a textbook, its other versions and whether a newer one supersedes it."""
    versions = textbook_versions(textbook=textbook)
    today = timezone.localdate()
    newer = [v for v in versions if v.effective_date > textbook.effective_date and v.effective_date <= today]
    return {
        "chapters": TextbookChapterPage.objects.child_of(textbook).live().order_by("path"),
        "versions": versions,
        "superseded_by": newer[-1] if newer else None,
    }


def chapter_context(*, chapter: TextbookChapterPage) -> dict:
    textbook = TextbookPage.objects.select_related("area").get(path=chapter.path[: -Page.steplen])
    siblings = list(TextbookChapterPage.objects.child_of(textbook).live().order_by("path"))
    position = next((i for i, c in enumerate(siblings) if c.pk == chapter.pk), 0)
    return {
        "textbook": textbook,
        "chapters": siblings,
        "previous_chapter": siblings[position - 1] if position > 0 else None,
        "next_chapter": siblings[position + 1] if position + 1 < len(siblings) else None,
    }


def textbook_print_context(*, textbook: TextbookPage) -> dict:
    return {"chapters": list(TextbookChapterPage.objects.child_of(textbook).live().order_by("path"))}


@dataclass
class SectionChange:
    chapter: str
    section: str
    kind: str  # "added", "removed", "changed"
    lines: list[tuple[str, str]] = field(default_factory=list)  # ("+"/"-", text)


def _sections(textbook: TextbookPage) -> dict[tuple[str, str], str]:
    sections: dict[tuple[str, str], str] = {}
    for chapter in TextbookChapterPage.objects.child_of(textbook).order_by("path"):
        for block in chapter.body:
            if block.block_type != "section":
                continue
            content = block.value["content"]
            text = "\n".join(content.stream_block.get_searchable_content(content))
            sections[(chapter.title, block.value["title"])] = text
    return sections


def textbook_changes(*, new: TextbookPage) -> list[SectionChange]:
    """What changed from the previous version (版本变更), section by section: sections added,
    removed, and the lines changed inside sections present in both."""
    old = new.previous_version
    if old is None:
        return []
    before, after = _sections(old), _sections(new)
    changes = []
    for key, text in after.items():
        if key not in before:
            changes.append(SectionChange(chapter=key[0], section=key[1], kind="added"))
        elif before[key] != text:
            lines = [
                (line[0], line[2:])
                for line in difflib.ndiff(before[key].splitlines(), text.splitlines())
                if line[:1] in "+-" and line[2:].strip()
            ]
            changes.append(SectionChange(chapter=key[0], section=key[1], kind="changed", lines=lines))
    for key in before:
        if key not in after:
            changes.append(SectionChange(chapter=key[0], section=key[1], kind="removed"))
    return changes


# --- modules and lessons -----------------------------------------------------------------------


@dataclass
class OutlineEntry:
    page: Page
    kind: str  # "reading", "video", "live" or "exam"
    completed: bool


def module_lessons(*, module: ModulePage) -> QuerySet[Page]:
    """The module's lessons in order: its live children (reading, video, live session, exam)."""
    return module.get_children().live().select_related("content_type").order_by("path")


def _progress_rows(*, user, page_ids: list[int]) -> dict[int, tuple]:
    """(completed_at, started_at) of this person's progress rows on these pages."""
    if not getattr(user, "is_authenticated", False) or not page_ids:
        return {}
    return {
        page_id: (completed_at, started_at)
        for page_id, completed_at, started_at in _progress_query.rows(user.pk, shape=tuple(page_ids))
    }


# Read on every lesson and module page: compiled once per module's list of lessons.
_progress_query = Compiled(
    lambda user_id, *, shape: LessonProgress.objects.filter(user_id=user_id, page_id__in=shape).values_list(
        "page_id", "completed_at", "started_at"
    ),
    size=2048,
)


def module_lessons_cached(*, module: ModulePage) -> list[Page]:
    """``module_lessons`` as a list, kept until pages change (courses/page_cache.py)."""
    return remember(f"lessons:{module.pk}", lambda: list(module_lessons(module=module)))


def _outline(*, module: ModulePage, user) -> tuple[list[OutlineEntry], dict[int, tuple]]:
    lessons = module_lessons_cached(module=module)
    rows = _progress_rows(user=user, page_ids=[p.pk for p in lessons])
    outline = [
        OutlineEntry(
            page=p,
            kind=LESSON_KINDS.get(p.content_type.model, "reading"),
            completed=rows.get(p.pk, (None, None))[0] is not None,
        )
        for p in lessons
    ]
    return outline, rows


def module_outline_for_user(*, module: ModulePage, user) -> list[OutlineEntry]:
    """The module's lessons with whether this person completed each (2 queries)."""
    return _outline(module=module, user=user)[0]


def _completion_times(*, user, page_ids: list[int]) -> dict[int, datetime.datetime]:
    """When this person completed each of these pages they completed."""
    if not getattr(user, "is_authenticated", False) or not page_ids:
        return {}
    return dict(
        LessonProgress.objects.filter(
            user=user, page_id__in=page_ids, completed_at__isnull=False
        ).values_list("page_id", "completed_at")
    )


def module_finished(
    lessons: list[tuple[int, datetime.datetime | None]], completed: dict[int, datetime.datetime]
) -> bool:
    """Whether a person finished a module (模块完成), from its live lessons as (page id, first
    published) and the times they completed pages.

    They finished it when they completed every lesson, the exam included, that was published by the
    time of their last completion in it. A lesson published after that does not undo a finished
    module; one published before they finished still has to be done. A lesson never published
    (no date) counts as always there.
    """
    if not lessons:
        return False
    times = [completed[pk] for pk, _ in lessons if pk in completed]
    if not times:
        return False
    finished_at = max(times)
    return all(pk in completed for pk, published in lessons if published is None or published <= finished_at)


def module_is_completed_by(*, module: ModulePage, user) -> bool:
    """A module is complete (模块完成) when every one of its live lessons, the exam included, is;
    a lesson added after the person finished does not count (``module_finished``)."""
    lessons = [(p.pk, p.first_published_at) for p in module_lessons_cached(module=module)]
    completed = _completion_times(user=user, page_ids=[pk for pk, _ in lessons])
    return module_finished(lessons, completed)


def module_locked_for_user(*, module: ModulePage, user) -> ModulePage | None:
    """The required lower-level module (先修模块) this person has not completed yet, if any."""
    return _prerequisite_unmet(prerequisite_id=module.prerequisite_id, user=user)


def page_locked_for_user(*, page: Page, user) -> ModulePage | None:
    """``module_locked_for_user`` for the module a lesson page sits in (kept, see ``module_of``):
    no query when the module has no prerequisite (or the page sits in no module)."""
    module = module_of(page)
    return _prerequisite_unmet(prerequisite_id=module.prerequisite_id if module else None, user=user)


def _prerequisite_unmet(*, prerequisite_id: int | None, user) -> ModulePage | None:
    if prerequisite_id is None:
        return None
    prerequisite = remember(
        f"module:{prerequisite_id}",
        lambda: ModulePage.objects.select_related("area").filter(pk=prerequisite_id).first(),
    )
    if prerequisite is None or not prerequisite.live:
        return None
    return None if module_is_completed_by(module=prerequisite, user=user) else prerequisite


def module_context_for_user(*, module: ModulePage, user) -> dict:
    return {
        "outline": module_outline_for_user(module=module, user=user),
        "locked_by": module_locked_for_user(module=module, user=user),
    }


def module_of(page: Page) -> ModulePage | None:
    """The module a lesson page sits in (its parent), found by tree path in one query and kept
    until pages change."""
    path = page.path[: -Page.steplen]
    return remember(
        f"module-at:{path}", lambda: ModulePage.objects.select_related("area").filter(path=path).first()
    )


def video_of(page: Page) -> LessonVideo | None:
    """The video a page plays: a video lesson's video, or a live session's recording."""
    specific = page.specific_deferred
    return getattr(specific, "video", None) or getattr(specific, "recording", None)


def videos_for_author(*, user) -> QuerySet[LessonVideo]:
    """The lesson videos an author may replace, delete and put in a lesson: those of the business
    areas they act on (``training.org.selectors.areas_q``); administrators and trainers of every
    area: all. The caller has checked that ``user`` authors at all (Wagtail's media permissions)."""
    return LessonVideo.objects.filter(areas_q(user=user))


def lesson_context_for_user(*, lesson: Page, user) -> dict:
    """Context of any lesson page: its module, the outline with progress, previous and next
    lesson, and whether the module is still locked by its prerequisite."""
    module = module_of(lesson)
    outline, rows = _outline(module=module, user=user)
    position = next((i for i, e in enumerate(outline) if e.page.pk == lesson.pk), None)
    if position is None:
        # A lesson not live (a reviewer's preview of a draft, or of a new lesson): shown in its
        # place in the tree among the module's live lessons.
        position = sum(1 for e in outline if e.page.path < lesson.path)
        kind = LESSON_KINDS.get(lesson._meta.model_name, "reading")
        outline.insert(position, OutlineEntry(page=lesson, kind=kind, completed=False))
    locked_by = module_locked_for_user(module=module, user=user)
    return {
        "module": module,
        "outline": outline,
        "is_completed": outline[position].completed,
        "previous_lesson": outline[position - 1].page if position > 0 else None,
        "next_lesson": outline[position + 1].page if position + 1 < len(outline) else None,
        "locked": locked_by is not None,
        "locked_by": locked_by,
        # This person's progress row on the lesson, if any: (completed_at, started_at).
        "visit": rows.get(lesson.pk),
        # What of the above differs between readers of this lesson: the lessons they completed
        # in the module, whether it is locked (and by which module), and whether they are signed
        # in; with the page and the language it names the page's rendered main part (keptfragment).
        "reader_state": (
            tuple(e.page.pk for e in outline if e.completed),
            locked_by.pk if locked_by is not None else None,
            bool(getattr(user, "is_authenticated", False)),
        ),
    }


# --- video and live ----------------------------------------------------------------------------


def learning_settings() -> LearningSettings:
    return LearningSettings.load()


def video_context_for_user(*, page: Page, video: LessonVideo | None, user) -> dict:
    """The player's data: sources (low rendition first for slow links), poster, what this person
    has watched so far, where to resume, and a fresh viewing token for honest reports."""
    if video is None or not getattr(user, "is_authenticated", False):
        return {"video": video}
    progress = VideoProgress.objects.filter(user=user, page=page).first()
    viewing = VideoViewing.objects.create(user=user, page=page)
    watched = progress.watched_seconds if progress else 0.0
    share = min(1.0, watched / video.duration) if video.duration else 0.0
    return {
        "video": video,
        "viewing": viewing,
        "watched_percent": round(share * 100),
        "resume_at": progress.last_position if progress else 0.0,
        "required_percent": learning_settings().video_completion_percent,
    }


def live_context_for_user(*, page: LiveSessionPage, user) -> dict:
    """A live session's state for this person: before, during or after; signed in or not; and,
    afterwards, the recording with the same honest watch tracking as a video lesson."""
    now = timezone.now()
    settings = learning_settings()
    opens_at = page.starts_at - timezone.timedelta(minutes=settings.signin_early_minutes)
    signed_in = (
        getattr(user, "is_authenticated", False)
        and LiveAttendance.objects.filter(user=user, page=page).exists()
    )
    context = {
        "signin_opens_at": opens_at,
        "signin_open": opens_at <= now <= page.ends_at,
        "upcoming": now < opens_at,
        "signed_in": signed_in,
    }
    if page.is_over and page.recording_id:
        context.update(video_context_for_user(page=page, video=page.recording, user=user))
    return context


# --- home --------------------------------------------------------------------------------------


@dataclass
class ModuleCard:
    module: ModulePage
    total: int
    done: int
    completed: bool = False  # finished, even if a lesson was added since (``module_finished``)

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class NextStep:
    """Where the home page sends a learner next (下一步): ``continue`` a module begun (``page`` is
    its first lesson not done), the ``next_level`` a completed module unlocked, or ``start`` a
    module open to them; ``after`` is the module just completed, if that is what led here."""

    kind: str
    module: ModulePage
    page: Page | None = None
    after: ModulePage | None = None


def home_context_for_user(*, user) -> dict:
    """The home page's data: every live module with this person's progress, and where to go on.

    Two queries whatever the number of modules, lessons or progress rows: the catalogue (the
    modules and their lessons) is kept until pages change (courses/page_cache.py).
    """
    index, modules, lessons = remember("home-catalogue", _home_catalogue)
    if index is None:
        return {"module_cards": [], "continue_page": None, "next_step": None}
    step = Page.steplen
    by_module: dict[str, list[int]] = {}
    published: dict[int, datetime.datetime | None] = {}
    for pk, path, first_published_at in sorted(lessons, key=lambda row: row[1]):
        by_module.setdefault(path[:-step], []).append(pk)
        published[pk] = first_published_at
    completed = _completion_times(user=user, page_ids=[row[0] for row in lessons])
    done = set(completed)
    cards = [
        ModuleCard(
            module=m,
            total=len(by_module.get(m.path, [])),
            done=sum(1 for pk in by_module.get(m.path, []) if pk in done),
            completed=module_finished([(pk, published[pk]) for pk in by_module.get(m.path, [])], completed),
        )
        for m in modules
    ]
    next_step = None
    if getattr(user, "is_authenticated", False):
        last = (
            LessonProgress.objects.filter(user=user, module__isnull=False)
            .order_by("-started_at")
            .values_list("module_id", flat=True)
            .first()
        )
        next_step = _next_step(cards, last_module_id=last)
        if next_step is not None and next_step.kind == "continue":
            ids = by_module.get(next_step.module.path, [])
            next_id = next(pk for pk in ids if pk not in done)
            next_step.page = remember(f"page:{next_id}", lambda: Page.objects.get(pk=next_id))
    return {
        "module_cards": cards,
        "continue_page": next_step.page if next_step is not None else None,
        "next_step": next_step,
    }


def _next_step(cards: list[ModuleCard], *, last_module_id: int | None) -> NextStep | None:
    """The module to go on with (no query: the cards carry the progress). The module last opened
    while unfinished; once it is complete, the next level it unlocked (a module requiring it, or a
    higher level of its area open now); else a module begun; else the first one open not begun.
    None when every module open to this person is complete."""
    by_id = {c.module.pk: c for c in cards}

    def complete(card: ModuleCard) -> bool:
        # finished as the module rule says: a lesson added after someone finished undoes nothing
        return card.total > 0 and card.completed

    def open_to_learner(card: ModuleCard) -> bool:
        # a prerequisite outside the live catalogue locks nothing (as _prerequisite_unmet)
        required = by_id.get(card.module.prerequisite_id)
        return required is None or complete(required)

    todo = [c for c in cards if c.total and not complete(c) and open_to_learner(c)]
    last = by_id.get(last_module_id)
    if last is not None and last in todo:
        return NextStep("continue", module=last.module)
    if last is not None and complete(last):
        rank = LEVEL_RANK.get(last.module.level, 0)
        higher = [
            c
            for c in todo
            if c.module.prerequisite_id == last.module.pk
            or (c.module.area_id == last.module.area_id and LEVEL_RANK.get(c.module.level, 0) > rank)
        ]
        if higher:
            higher.sort(
                key=lambda c: (c.module.prerequisite_id != last.module.pk, LEVEL_RANK.get(c.module.level, 0))
            )
            return NextStep("next_level", module=higher[0].module, after=last.module)
    begun = next((c for c in todo if c.done), None)
    if begun is not None:
        return NextStep("continue", module=begun.module)
    if todo:
        return NextStep(
            "start", module=todo[0].module, after=last.module if last and complete(last) else None
        )
    return None


def _home_catalogue() -> tuple[
    ModuleIndexPage | None, list[ModulePage], list[tuple[int, str, datetime.datetime]]
]:
    index = ModuleIndexPage.objects.live().first()
    if index is None:
        return None, [], []
    modules = list(
        ModulePage.objects.child_of(index)
        .live()
        .select_related("area")
        .order_by("area__sort_order", "level", "path")
    )
    lessons = list(
        Page.objects.live()
        .filter(path__startswith=index.path, depth=index.depth + 2)
        .values_list("pk", "path", "first_published_at")
    )
    return index, modules, lessons


def searchable_pages() -> QuerySet[Page]:
    """Live textbooks, chapters, modules and lessons, as their specific types (one query per type)."""
    from .models import LessonPage, LiveSessionPage, VideoLessonPage

    return (
        Page.objects.live()
        .type(TextbookPage, TextbookChapterPage, ModulePage, LessonPage, VideoLessonPage, LiveSessionPage)
        .specific()
    )


def area_id_for_page(page: Page) -> int | None:
    """The business area a page belongs to: its own, or that of the module or textbook above it
    (at most two queries)."""
    specific_area = getattr(page.specific_deferred, "area_id", None)
    if specific_area:
        return specific_area
    ancestor_paths = [page.path[:i] for i in range(Page.steplen, len(page.path) + 1, Page.steplen)]
    for model in (ModulePage, TextbookPage):
        found = model.objects.filter(path__in=ancestor_paths).values_list("area_id", flat=True).first()
        if found:
            return found
    return None


def page_area_allowed(*, user, page: Page | None, parent: Page | None = None) -> bool:
    """Whether a trainer may author content of this page's business area (培训师负责领域): the
    page's own area, or for a page not saved yet its parent's. Administrators may author all."""
    allowed = trainer_area_ids(user)
    if allowed is None:
        return True
    area_id = area_id_for_page(page) if page is not None and page.pk else None
    if area_id is None and parent is not None:
        area_id = area_id_for_page(parent)
    return area_id is None or area_id in allowed


def page_editable_by(*, page: Page, user) -> bool:
    """Whether this person may edit this page in the admin: Wagtail's page permissions and the
    business-area rule of ``page_area_allowed`` (the checks the edit view makes)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return page.permissions_for_user(user).can_edit() and page_area_allowed(user=user, page=page)


def live_attendance_list(*, page: LiveSessionPage, scope=None) -> list[LiveAttendance]:
    """Who signed in to a live session, in sign-in order; limited to a manager's subtrees when a
    scope is given (one query)."""
    from django.db.models import Q

    rows = (
        LiveAttendance.objects.filter(page=page)
        .select_related("user__staff__org_unit")
        .order_by("signed_in_at")
    )
    if scope is not None and not scope.is_admin:
        q = Q(pk__in=[])
        for path in scope.managed_paths:
            q |= Q(user__staff__org_unit__path__startswith=path)
        rows = rows.filter(q)
    return list(rows)
