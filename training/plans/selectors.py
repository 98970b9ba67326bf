"""Reads of training plans: audiences, progress, my tasks, gaps — each a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from courses.models import LessonProgress, ModulePage
from exams.models import Attempt, ExamPage
from training.competency.models import Certification
from training.competency.selectors import is_covered, valid_certifications_q, valid_holder_counts
from training.org.choices import LEVEL_RANK
from training.org.models import OrgUnit, RoleAssignment, Staff
from training.org.selectors import UserScope, subtree_q

from .models import Assignment, ExtensionRequest, GapProposal, PlanItem, PlanSettings, TrainingPlan


def plan_settings() -> PlanSettings:
    return PlanSettings.load()


def plans_for_scope(*, scope: UserScope) -> QuerySet[TrainingPlan]:
    """Plans a manager may see: those for a unit inside their subtrees; all for an admin."""
    qs = TrainingPlan.objects.select_related("root").order_by("-created_at")
    if scope.is_admin:
        return qs
    return qs.filter(subtree_q(scope.managed_paths, "root__"))


def audience_for_plan(*, plan: TrainingPlan, today: datetime.date | None = None) -> QuerySet[Staff]:
    """Everyone a plan is for, today: active staff of its subtree matching its rules, or the named
    people still inside the subtree."""
    qs = Staff.objects.filter(is_active=True, org_unit__path__startswith=plan.root.path)
    if plan.audience_mode == TrainingPlan.AudienceMode.NAMED:
        return qs.filter(pk__in=plan.people.values("pk"))
    if plan.unit_kind:
        qs = qs.filter(org_unit__is_rural=plan.unit_kind == TrainingPlan.UnitKind.RURAL)
    if plan.unit_level:
        qs = qs.filter(org_unit__level=plan.unit_level)
    if plan.posts:
        qs = qs.filter(post__in=plan.posts)
    if plan.employment:
        qs = qs.filter(employment=plan.employment)
    if plan.lacking_area_id:
        # Lacking: no valid certification in the area at this level or above.
        rank = LEVEL_RANK.get(plan.lacking_level, 1)
        levels = [lv for lv, r in LEVEL_RANK.items() if r >= rank]
        holders = Certification.objects.filter(
            valid_certifications_q(today=today), area_id=plan.lacking_area_id, level__in=levels
        ).values("staff_id")
        qs = qs.exclude(pk__in=holders)
    return qs


# --- item completion --------------------------------------------------------------------------


@dataclass
class ItemSpec:
    """What completing one item means, prepared once per plan (queries independent of people)."""

    page_id: int
    kind: str  # "module", "exam" or "lesson"
    lesson_ids: list[int] = field(default_factory=list)


def item_specs(*, plan_id: int) -> list[ItemSpec]:
    """The plan's items with what each needs (two queries)."""
    items = list(PlanItem.objects.filter(plan_id=plan_id).select_related("page__content_type"))
    modules = [i.page for i in items if i.page.content_type.model == "modulepage"]
    lessons: dict[int, list[int]] = defaultdict(list)
    if modules:
        q = Q(pk__in=[])
        for m in modules:
            q |= Q(path__startswith=m.path, depth=m.depth + 1)
        from wagtail.models import Page

        by_path = {m.path: m.pk for m in modules}
        for pk, path in Page.objects.filter(q, live=True).values_list("pk", "path"):
            lessons[by_path[path[: -Page.steplen]]].append(pk)
    specs = []
    for item in items:
        model = item.page.content_type.model
        if model == "modulepage":
            specs.append(ItemSpec(item.page_id, "module", lessons.get(item.page_id, [])))
        elif model == "exampage":
            specs.append(ItemSpec(item.page_id, "exam"))
        else:
            specs.append(ItemSpec(item.page_id, "lesson"))
    return specs


def items_done_by_user(*, specs: list[ItemSpec], user_ids: list[int], since: datetime.date) -> dict[int, int]:
    """How many items each person has done (at most three queries, whatever the number of people).

    A module or lesson counts once completed; an exam counts when passed on or after ``since`` (the
    round's start), so a recurring plan's exam must be passed again each round.
    """
    done: dict[int, int] = defaultdict(int)
    if not specs or not user_ids:
        return done
    lesson_pages = {pid for s in specs if s.kind == "module" for pid in s.lesson_ids}
    lesson_pages |= {s.page_id for s in specs if s.kind == "lesson"}
    completed: dict[int, set[int]] = defaultdict(set)
    if lesson_pages:
        for user_id, page_id in LessonProgress.objects.filter(
            user_id__in=user_ids, page_id__in=lesson_pages, completed_at__isnull=False
        ).values_list("user_id", "page_id"):
            completed[user_id].add(page_id)
    exam_ids = [s.page_id for s in specs if s.kind == "exam"]
    passed: dict[int, set[int]] = defaultdict(set)
    if exam_ids:
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=timezone.get_current_timezone())
        for user_id, exam_id in (
            Attempt.objects.filter(
                user_id__in=user_ids, exam_id__in=exam_ids, passed=True, submitted_at__gte=start
            )
            .values_list("user_id", "exam_id")
            .distinct()
        ):
            passed[user_id].add(exam_id)
    for user_id in user_ids:
        pages = completed.get(user_id, set())
        exams = passed.get(user_id, set())
        for spec in specs:
            if spec.kind == "module":
                ok = bool(spec.lesson_ids) and all(p in pages for p in spec.lesson_ids)
            elif spec.kind == "exam":
                ok = spec.page_id in exams
            else:
                ok = spec.page_id in pages
            done[user_id] += ok
    return done


# --- learners ---------------------------------------------------------------------------------


def tasks_for_user(*, user, today: datetime.date | None = None) -> list[Assignment]:
    """My tasks (我的任务): open ones first, the most urgent first; then the last finished ones."""
    today = today or timezone.localdate()
    rows = list(
        Assignment.objects.filter(staff__user=user, left_on__isnull=True)
        .select_related("round__plan")
        .prefetch_related("round__plan__items__page", "extension_requests")
        .order_by("completed_on", "due_on", "pk")[:100]
    )
    open_rows = [a for a in rows if a.completed_on is None]
    done_rows = sorted((a for a in rows if a.completed_on), key=lambda a: a.completed_on, reverse=True)[:20]
    for a in rows:
        a.days_left = (a.due_on - today).days
        # assigned already past its due date (a back-dated round): overdue from the start
        a.overdue_from_start = a.due_on < timezone.localdate(a.created_at)
        a.pending_extension = next(
            (e for e in a.extension_requests.all() if e.status == ExtensionRequest.Status.PENDING), None
        )
    return open_rows + done_rows


def open_tasks_for_user(*, user, today: datetime.date | None = None, limit: int = 20) -> list[Assignment]:
    """A person's open tasks (待完成的培训任务), the most urgent first, each marked ``overdue``:
    what the home page offers as a next step. One query."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = today or timezone.localdate()
    rows = list(
        Assignment.objects.filter(staff__user=user, left_on__isnull=True, completed_on__isnull=True)
        .select_related("round__plan")
        .order_by("due_on", "pk")[:limit]
    )
    for a in rows:
        a.overdue = a.due_on < today
    return rows


# --- managers ---------------------------------------------------------------------------------


@dataclass
class UnitProgress:
    unit: OrgUnit
    assigned: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.assigned) if self.assigned else 0


def plan_progress(*, plan: TrainingPlan, unit: OrgUnit, today: datetime.date | None = None) -> dict:
    """Assigned, completed and overdue for the latest round of a plan, for ``unit`` and each unit
    directly below it (三个数，每个数背后是人). Three queries, whatever the size of the subtree."""
    today = today or timezone.localdate()
    current = plan.rounds.order_by("-number").first()
    children = list(unit.get_children())
    rows = {c.pk: UnitProgress(unit=c) for c in children}
    total = UnitProgress(unit=unit)
    if current is not None:
        depth = unit.depth + 1
        steplen = OrgUnit.steplen
        counts = (
            Assignment.objects.filter(
                round=current, left_on__isnull=True, staff__org_unit__path__startswith=unit.path
            )
            .values_list("staff__org_unit__path")
            .annotate(
                assigned=Count("pk"),
                completed=Count("pk", filter=Q(completed_on__isnull=False)),
                overdue=Count("pk", filter=Q(completed_on__isnull=True, due_on__lt=today)),
            )
        )
        by_prefix = {c.path: rows[c.pk] for c in children}
        for path, assigned, completed, overdue in counts:
            for target in (total, by_prefix.get(path[: depth * steplen])):
                if target is not None:
                    target.assigned += assigned
                    target.completed += completed
                    target.overdue += overdue
    return {"round": current, "total": total, "rows": list(rows.values())}


def plan_people(
    *, plan: TrainingPlan, unit: OrgUnit, status: str, today: datetime.date | None = None
) -> QuerySet[Assignment]:
    """The people behind a number of ``plan_progress``."""
    today = today or timezone.localdate()
    current = plan.rounds.order_by("-number").first()
    qs = Assignment.objects.filter(
        round=current, left_on__isnull=True, staff__org_unit__path__startswith=unit.path
    ).select_related("staff__org_unit")
    if status == "completed":
        qs = qs.filter(completed_on__isnull=False)
    elif status == "overdue":
        qs = qs.filter(completed_on__isnull=True, due_on__lt=today)
    elif status == "open":
        qs = qs.filter(completed_on__isnull=True)
    return qs.order_by("staff__org_unit__path", "staff__name")


def extension_requests_for_scope(*, scope: UserScope) -> QuerySet[ExtensionRequest]:
    qs = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).select_related(
        "assignment__staff__org_unit", "assignment__round__plan"
    )
    if scope.is_admin:
        return qs
    return qs.filter(subtree_q(scope.managed_paths, "assignment__staff__org_unit__"))


def gap_proposals_for_scope(*, scope: UserScope) -> QuerySet[GapProposal]:
    qs = GapProposal.objects.filter(status=GapProposal.Status.OPEN).select_related(
        "org_unit", "area", "candidate"
    )
    if scope.is_admin:
        return qs
    return qs.filter(subtree_q(scope.managed_paths, "org_unit__"))


def coverage_gaps(*, k: int, today: datetime.date | None = None) -> list[tuple[int, int, int]]:
    """(unit, area, holders) for every area a unit offers that is not covered (the coverage rule
    of ``training.competency.selectors.is_covered``: fewer than K valid holders). Two queries for
    the whole tree."""
    offered = OrgUnit.areas.through.objects.values_list("orgunit_id", "businessarea_id")
    holders = valid_holder_counts(today=today)
    return [
        (u, a, holders.get((u, a), 0))
        for u, a in offered
        if not is_covered(holders.get((u, a), 0), min_holders=k)
    ]


def gap_candidates(*, unit_id: int, area_id: int, today: datetime.date | None = None) -> list[Staff]:
    """Who should close a gap, best first: certified in another area already (a related skill),
    full-time before part-time, fewest open assignments; never someone holding the area."""
    holders = Certification.objects.filter(valid_certifications_q(today=today), area_id=area_id).values(
        "staff_id"
    )
    certified_elsewhere = set(
        Certification.objects.filter(valid_certifications_q(today=today), staff__org_unit_id=unit_id)
        .exclude(area_id=area_id)
        .values_list("staff_id", flat=True)
    )
    people = list(
        Staff.objects.filter(org_unit_id=unit_id, is_active=True)
        .exclude(pk__in=holders)
        .annotate(open_tasks=Count("assignments", filter=Q(assignments__completed_on__isnull=True)))
    )
    for person in people:
        person.certified_elsewhere = person.pk in certified_elsewhere
    people.sort(
        key=lambda s: (not s.certified_elsewhere, s.employment != "full_time", s.open_tasks, s.name, s.pk)
    )
    return people


def managers_of_unit(*, unit: OrgUnit) -> list[int]:
    """User ids of the nearest managers of a unit: of the unit itself, else of the closest ancestor."""
    paths = [unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)]
    rows = list(
        RoleAssignment.objects.filter(role="manager", org_unit__path__in=paths).values_list(
            "user_id", "org_unit__path"
        )
    )
    if not rows:
        return []
    nearest = max(p for _, p in rows)
    return [u for u, p in rows if p == nearest]


def pages_for_plan_items() -> QuerySet:
    """Pages a plan may ask for: live modules, exams and live sessions."""
    from wagtail.models import Page

    from courses.models import LiveSessionPage

    return (
        Page.objects.live()
        .type(ModulePage, ExamPage, LiveSessionPage)
        .select_related("content_type")
        .order_by("path")
    )
