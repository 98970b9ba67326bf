"""Reads of learning content and a person's progress through it.

Every function here costs a fixed number of queries, whatever the number of lessons or progress
rows: children are fetched in one query and progress for them in one more.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from wagtail.models import Page

from .models import LessonProgress, ModuleIndexPage, ModulePage


@dataclass
class OutlineEntry:
    page: Page
    kind: str  # "lesson" or "exam"
    completed: bool


def module_lessons(*, module: ModulePage) -> QuerySet[Page]:
    """The module's lessons in order: its live children (reading lessons and the exam)."""
    return module.get_children().live().select_related("content_type").order_by("path")


def _completed_page_ids(*, user, page_ids: list[int]) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not page_ids:
        return set()
    return set(
        LessonProgress.objects.filter(
            user=user, page_id__in=page_ids, completed_at__isnull=False
        ).values_list("page_id", flat=True)
    )


def module_outline_for_user(*, module: ModulePage, user) -> list[OutlineEntry]:
    """The module's lessons with whether this person completed each (2 queries)."""
    lessons = list(module_lessons(module=module))
    done = _completed_page_ids(user=user, page_ids=[p.pk for p in lessons])
    return [
        OutlineEntry(
            page=p,
            kind="exam" if p.content_type.model == "exampage" else "lesson",
            completed=p.pk in done,
        )
        for p in lessons
    ]


def module_is_completed_by(*, module: ModulePage, user) -> bool:
    """A module is complete (模块完成) when every one of its live lessons, the exam included, is."""
    ids = list(module_lessons(module=module).values_list("pk", flat=True))
    return bool(ids) and len(_completed_page_ids(user=user, page_ids=ids)) == len(ids)


def lesson_context_for_user(*, lesson: Page, user) -> dict:
    """Context of a lesson page: its module, the outline with progress, previous and next lesson."""
    module = ModulePage.objects.select_related("area").get(pk=lesson.get_parent().pk)
    outline = module_outline_for_user(module=module, user=user)
    position = next(i for i, e in enumerate(outline) if e.page.pk == lesson.pk)
    return {
        "module": module,
        "outline": outline,
        "is_completed": outline[position].completed,
        "previous_lesson": outline[position - 1].page if position > 0 else None,
        "next_lesson": outline[position + 1].page if position + 1 < len(outline) else None,
    }


@dataclass
class ModuleCard:
    module: ModulePage
    total: int
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def home_context_for_user(*, user) -> dict:
    """The home page's data: every live module with this person's progress, and where to go on.

    Four queries whatever the number of modules, lessons or progress rows.
    """
    index = ModuleIndexPage.objects.live().first()
    if index is None:
        return {"module_cards": [], "continue_page": None}
    modules = list(
        ModulePage.objects.child_of(index)
        .live()
        .select_related("area")
        .order_by("area__sort_order", "level", "path")
    )
    lessons = list(
        Page.objects.live()
        .filter(path__startswith=index.path, depth=index.depth + 2)
        .values_list("pk", "path")
    )
    step = Page.steplen
    by_module: dict[str, list[int]] = {}
    for pk, path in lessons:
        by_module.setdefault(path[:-step], []).append(pk)
    done = _completed_page_ids(user=user, page_ids=[pk for pk, _ in lessons])
    cards = [
        ModuleCard(
            module=m,
            total=len(by_module.get(m.path, [])),
            done=sum(1 for pk in by_module.get(m.path, []) if pk in done),
        )
        for m in modules
    ]
    continue_page = None
    if getattr(user, "is_authenticated", False):
        last = (
            LessonProgress.objects.filter(user=user, module__isnull=False)
            .order_by("-started_at")
            .values_list("module_id", flat=True)
            .first()
        )
        card = next((c for c in cards if c.module.pk == last), None)
        if card is not None and card.done < card.total:
            ids = by_module.get(card.module.path, [])
            next_id = next(pk for pk in ids if pk not in done)
            continue_page = Page.objects.get(pk=next_id)
    return {"module_cards": cards, "continue_page": continue_page}
