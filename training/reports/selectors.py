"""The dashboard's numbers (统计看板) for one unit's subtree, and the rows of its exports.

``province_report`` costs the same number of queries for a province root as for one station: every
measure is one aggregate over the subtree's path prefix (``path LIKE 'prefix%'``), grouped by org
unit in the database, and the few thousand unit rows are then bucketed in Python by the prefix of
the unit directly below (as ``training.plans.selectors.plan_progress`` does). The definitions are
those of the competency selectors: a certification is held while not revoked and not expired
(``valid_certifications_q``); an offered area is covered when at least K of the station's own staff
hold it (``is_covered``, the one coverage rule); a person is a specialist (一专) with a valid
advanced certification and multi-skilled (多能) with valid certifications in at least N areas.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from courses.models import LessonProgress
from exams.choices import AttemptStatus, ExamMode
from exams.models import Attempt
from training.competency.models import Certification
from training.competency.selectors import (
    is_covered,
    skills_per_unit,
    valid_certifications_q,
    valid_holder_counts,
)
from training.org.choices import LEVEL_RANK, Employment, Level
from training.org.models import BusinessArea, OrgUnit, Staff
from training.org.privacy import mask_id_number, mask_phone
from training.org.selectors import competency_settings
from training.plans.models import Assignment, PlanRound

from .models import ReportSettings

PASS_RATE_DAYS = 90
ACTIVITY_WEEKS = 12


def report_settings() -> ReportSettings:
    return ReportSettings.load()


# The dashboard's figures are kept this long per unit: computing them for a province root is too
# slow to repeat on every view (figures in bench/RESULTS.md); a later view in the window reads them.
REPORT_CACHE_SECONDS = 300


class PackedStations(Sequence):
    """The station scorecard as kept in the cache: plain tuples, which unpickle far faster than
    dataclass rows (figures in bench/RESULTS.md); a row is built only when shown."""

    def __init__(self, stations: list[StationScore]):
        self.rows = [
            (
                dataclasses.astuple(s.unit),
                tuple(s.measures.__dict__[name] for name in COUNTS),
                s.score,
                s.rank,
                s.parent_name,
            )
            for s in stations
        ]

    def __len__(self) -> int:
        return len(self.rows)

    @staticmethod
    def _build(row) -> StationScore:
        unit, counts, score, rank, parent_name = row
        return StationScore(
            unit=UnitInfo(*unit), measures=Measures(*counts), score=score, rank=rank, parent_name=parent_name
        )

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._build(row) for row in self.rows[index]]
        return self._build(self.rows[index])


def report_cache_key(*, unit: OrgUnit, settings, weights: dict[str, int]) -> str:
    """The cache key of ``unit``'s figures: the unit, the day and the tuned numbers."""
    raw = repr(
        (
            unit.pk,
            unit.path,
            timezone.localdate(),
            settings.coverage_min_holders,
            settings.multi_skill_min_areas,
            sorted(weights.items()),
        )
    )
    return "reports:v2:" + hashlib.sha256(raw.encode()).hexdigest()


def province_report_cached(*, unit: OrgUnit, settings, weights: dict[str, int]) -> dict:
    """``province_report`` through the cache (Redis at scale), keyed by unit, day and the tuned
    numbers; the report says when it was computed."""
    key = report_cache_key(unit=unit, settings=settings, weights=weights)
    report = cache.get(key)
    if report is None:
        report = province_report(unit=unit, settings=settings, weights=weights)
        report["computed_at"] = timezone.now()
        report["stations"] = PackedStations(report["stations"])
        cache.set(key, report, REPORT_CACHE_SECONDS)
    return report


def _pct(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by (shown as —)."""
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class UnitInfo:
    """What the report needs of a unit, read once with the subtree (no model instances)."""

    pk: int
    name: str
    path: str
    level: str
    is_rural: bool
    population: int

    @property
    def depth(self) -> int:
        return len(self.path) // OrgUnit.steplen


@dataclass
class Measures:
    """The counts behind every figure of one bucket (a unit's subtree, urban, rural, a station)."""

    staff: int = 0
    full_time: int = 0
    population: int = 0
    offered: int = 0  # (station, area) pairs offered
    covered: int = 0  # of which at least K of the station's staff hold a valid certification
    holders: int = 0  # certified staff summed over the offered pairs
    specialists: int = 0
    multi_skilled: int = 0
    both: int = 0
    assigned: int = 0
    completed: int = 0
    overdue: int = 0
    attempts: int = 0
    passed: int = 0

    def add(self, other: Measures) -> None:
        mine, theirs = self.__dict__, other.__dict__
        for name in COUNTS:
            mine[name] += theirs[name]

    @property
    def full_time_share(self) -> float | None:
        return _pct(self.full_time, self.staff)

    @property
    def staff_per_10k(self) -> float | None:
        """Staff per 10 000 residents served (每万人口工作人员数)."""
        return round(10_000 * self.staff / self.population, 2) if self.population else None

    @property
    def certified_per_area(self) -> float | None:
        """Certified staff per offered area: valid holders summed over the offered (station, area)
        pairs, divided by the number of pairs (每项业务持证人数)."""
        return round(self.holders / self.offered, 2) if self.offered else None

    @property
    def coverage(self) -> float | None:
        return _pct(self.covered, self.offered)

    @property
    def specialist_share(self) -> float | None:
        return _pct(self.specialists, self.staff)

    @property
    def multi_share(self) -> float | None:
        return _pct(self.multi_skilled, self.staff)

    @property
    def both_share(self) -> float | None:
        return _pct(self.both, self.staff)

    @property
    def plan_completion(self) -> float | None:
        return _pct(self.completed, self.assigned)

    @property
    def pass_rate(self) -> float | None:
        return _pct(self.passed, self.attempts)

    def measure(self, name: str) -> float | None:
        """The scorecard's measures by name, each a percentage."""
        return getattr(self, MEASURE_ATTRS[name])


COUNTS = tuple(Measures.__dataclass_fields__)
MEASURE_ATTRS = {
    "coverage": "coverage",
    "multi_skill": "both_share",
    "plan_completion": "plan_completion",
    "pass_rate": "pass_rate",
    "full_time": "full_time_share",
}


@dataclass
class StationScore:
    """One line of the station scorecard (站点目标考核)."""

    unit: UnitInfo
    measures: Measures
    score: float | None = None
    rank: int | None = None
    parent_name: str = ""


@dataclass
class AreaRow:
    area: BusinessArea
    offered: int = 0
    covered: int = 0
    holders: int = 0  # distinct staff of the subtree with a valid certification in the area

    @property
    def coverage(self) -> float | None:
        return _pct(self.covered, self.offered)


@dataclass
class Activity:
    """Lessons completed per week (学习活跃度), oldest week first."""

    weeks: list[datetime.date] = field(default_factory=list)
    total: list[int] = field(default_factory=list)
    urban: list[int] = field(default_factory=list)
    rural: list[int] = field(default_factory=list)


def score_of(measures: Measures, weights: dict[str, int]) -> float | None:
    """The weighted mean of a station's measures (目标考核得分, 0–100); measures without data and
    measures weighted 0 are left out; None when nothing is left."""
    num = den = 0.0
    for name, weight in weights.items():
        value = measures.measure(name)
        if value is None or not weight:
            continue
        num += weight * value
        den += weight
    return round(num / den, 1) if den else None


def rank_stations(stations: list[StationScore], weights: dict[str, int]) -> list[StationScore]:
    """Score and rank: highest score first; equal scores share a rank (1, 2, 2, 4); stations
    without a score come last, unranked."""
    for s in stations:
        s.score = score_of(s.measures, weights)
    stations.sort(key=lambda s: (s.score is None, -(s.score or 0), s.unit.path))
    previous, rank = None, 0
    for index, s in enumerate(stations, start=1):
        if s.score is None:
            break
        if s.score != previous:
            rank, previous = index, s.score
        s.rank = rank
    return stations


def _population(head: UnitInfo, leaves: list[UnitInfo]) -> int:
    """The residents a bucket serves: the head unit's own 辖区人口 when recorded, else the sum
    over the stations at the bottom of its subtree."""
    return head.population or sum(u.population for u in leaves)


def _week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def province_report(
    *, unit: OrgUnit, today: datetime.date | None = None, settings=None, weights: dict[str, int] | None = None
) -> dict:
    """Every number of the dashboard (统计看板) for ``unit`` and its subtree: staff, full-time
    share, staff per 10 000 residents, certified staff per offered area, coverage, 一专多能 shares,
    plan completion (latest round of each active plan), formal-exam pass rate (last 90 days) and
    lessons completed per week (last 12 weeks); for the whole subtree, urban against rural, each
    unit directly below, each business area, and every station of the subtree scored and ranked
    (目标考核) with the weights of the report settings.

    Eleven queries whatever the size of the subtree (nine when ``settings`` and ``weights`` are given).
    """
    today = today or timezone.localdate()
    settings = settings or competency_settings()
    weights = weights if weights is not None else report_settings().weights()
    k, n = settings.coverage_min_holders, settings.multi_skill_min_areas
    tree = _Subtree.read(unit.path)
    per_unit: dict[int, Measures] = defaultdict(Measures)
    _count_staff(per_unit, prefix=tree.prefix)
    holders = valid_holder_counts(today=today, staff__org_unit__path__startswith=tree.prefix)
    _count_skills(per_unit, prefix=tree.prefix, min_areas=n, today=today)
    areas = _count_offered(per_unit, prefix=tree.prefix, holders=holders, min_holders=k)
    _count_plans(per_unit, prefix=tree.prefix, today=today)
    _count_exams(per_unit, prefix=tree.prefix, today=today)
    activity = _lessons_per_week(prefix=tree.prefix, today=today)
    total, urban, rural, by_child = _buckets(tree, per_unit)
    return {
        "unit": tree.head,
        "today": today,
        "min_holders": k,
        "min_areas": n,
        "weights": weights,
        "pass_rate_days": PASS_RATE_DAYS,
        "total": total,
        "urban": urban,
        "rural": rural,
        "children": [(c, by_child[c.path]) for c in tree.children],
        "areas": sorted(areas.values(), key=lambda r: (r.area.sort_order, r.area.code)),
        "stations": rank_stations(_stations(tree, per_unit), weights),
        "activity": activity,
    }


@dataclass
class _Subtree:
    """The subtree's units, read once, and the shapes the report buckets them by."""

    prefix: str
    units: dict[int, UnitInfo]
    by_path: dict[str, UnitInfo]
    head: UnitInfo
    children: list[UnitInfo]  # the units directly below the head
    leaves: list[UnitInfo]  # the units at the bottom of the subtree

    @classmethod
    def read(cls, prefix: str) -> _Subtree:
        units = {
            row[0]: UnitInfo(*row)
            for row in OrgUnit.objects.filter(path__startswith=prefix)
            .order_by("path")
            .values_list("pk", "name", "path", "level", "is_rural", "population")
        }
        by_path = {u.path: u for u in units.values()}
        has_children = {u.path[: -OrgUnit.steplen] for u in units.values() if u.path != prefix}
        child_len = len(prefix) + OrgUnit.steplen
        return cls(
            prefix=prefix,
            units=units,
            by_path=by_path,
            head=by_path[prefix],
            children=[u for u in units.values() if len(u.path) == child_len],
            leaves=[u for u in units.values() if u.path not in has_children],
        )

    @property
    def child_len(self) -> int:
        return len(self.prefix) + OrgUnit.steplen


def _count_staff(per_unit: dict[int, Measures], *, prefix: str) -> None:
    """Active staff per unit, and how many of them are full-time. One query."""
    for unit_id, employment, count in (
        Staff.objects.filter(org_unit__path__startswith=prefix, is_active=True)
        .values_list("org_unit_id", "employment")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        m = per_unit[unit_id]
        m.staff += count
        if employment == Employment.FULL_TIME:
            m.full_time += count


def _count_skills(
    per_unit: dict[int, Measures], *, prefix: str, min_areas: int, today: datetime.date
) -> None:
    """一专 / 多能 / both per unit, grouped in the database (a province holds about 100 000 valid
    certifications). One query."""
    for unit_id, (specialists, multi, both) in skills_per_unit(
        prefix=prefix, min_areas=min_areas, today=today
    ).items():
        m = per_unit[unit_id]
        m.specialists += specialists
        m.multi_skilled += multi
        m.both += both


def _count_offered(
    per_unit: dict[int, Measures], *, prefix: str, holders: dict[tuple[int, int], int], min_holders: int
) -> dict[int, AreaRow]:
    """Offered (station, area) pairs, their valid holders and coverage per unit and per area, by
    the competency app's coverage rule. Two queries: the area catalogue, the offered pairs."""
    areas = {a.pk: AreaRow(area=a) for a in BusinessArea.objects.all()}
    for unit_id, area_id in OrgUnit.areas.through.objects.filter(
        orgunit__path__startswith=prefix
    ).values_list("orgunit_id", "businessarea_id"):
        count = holders.get((unit_id, area_id), 0)
        covered = is_covered(count, min_holders=min_holders)
        m = per_unit[unit_id]
        m.offered += 1
        m.holders += count
        m.covered += covered
        row = areas[area_id]
        row.offered += 1
        row.covered += covered
    # Everyone belongs to one unit, so the holders of an area are the sum over its units.
    for (_, area_id), count in holders.items():
        areas[area_id].holders += count
    return areas


def _count_plans(per_unit: dict[int, Measures], *, prefix: str, today: datetime.date) -> None:
    """Plan completion: the latest round of each active plan, people still in its audience. One
    query."""
    latest = PlanRound.objects.filter(plan=OuterRef("round__plan")).order_by("-number").values("pk")[:1]
    for unit_id, assigned, completed, overdue in (
        Assignment.objects.filter(
            round__plan__is_active=True,
            round_id=Subquery(latest),
            left_on__isnull=True,
            staff__is_active=True,
            staff__org_unit__path__startswith=prefix,
        )
        .values_list("staff__org_unit_id")
        .annotate(
            assigned=Count("pk"),
            completed=Count("pk", filter=Q(completed_on__isnull=False)),
            overdue=Count("pk", filter=Q(completed_on__isnull=True, due_on__lt=today)),
        )
        .order_by()
    ):
        m = per_unit[unit_id]
        m.assigned, m.completed, m.overdue = assigned, completed, overdue


def _count_exams(per_unit: dict[int, Measures], *, prefix: str, today: datetime.date) -> None:
    """Formal exams graded in the last 90 days, each sitting counted, and how many passed. One
    query."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(today - datetime.timedelta(days=PASS_RATE_DAYS), datetime.time.min, tz)
    for unit_id, attempts, passed in (
        Attempt.objects.filter(
            kind=Attempt.Kind.EXAM,
            exam__mode=ExamMode.FORMAL,
            status=AttemptStatus.GRADED,
            submitted_at__gte=since,
            user__staff__is_active=True,
            user__staff__org_unit__path__startswith=prefix,
        )
        .values_list("user__staff__org_unit_id")
        .annotate(n=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by()
    ):
        m = per_unit[unit_id]
        m.attempts, m.passed = attempts, passed


def _lessons_per_week(*, prefix: str, today: datetime.date) -> Activity:
    """Lessons completed over the last 12 weeks, urban and rural: counted per day in the database,
    bucketed into weeks here. One query."""
    tz = timezone.get_current_timezone()
    first_week = _week_start(today) - datetime.timedelta(weeks=ACTIVITY_WEEKS - 1)
    activity = Activity(weeks=[first_week + datetime.timedelta(weeks=i) for i in range(ACTIVITY_WEEKS)])
    activity.total = [0] * ACTIVITY_WEEKS
    activity.urban = [0] * ACTIVITY_WEEKS
    activity.rural = [0] * ACTIVITY_WEEKS
    for day, is_rural, count in (
        LessonProgress.objects.filter(
            completed_at__gte=datetime.datetime.combine(first_week, datetime.time.min, tz),
            user__staff__is_active=True,
            user__staff__org_unit__path__startswith=prefix,
        )
        .annotate(day=TruncDate("completed_at", tzinfo=tz))
        .values_list("day", "user__staff__org_unit__is_rural")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        index = (day - first_week).days // 7
        if 0 <= index < ACTIVITY_WEEKS:
            activity.total[index] += count
            (activity.rural if is_rural else activity.urban)[index] += count
    return activity


def _buckets(
    tree: _Subtree, per_unit: dict[int, Measures]
) -> tuple[Measures, Measures, Measures, dict[str, Measures]]:
    """The units' counts summed into the whole subtree, urban, rural and each child's subtree,
    each with the residents it serves."""
    child_len = tree.child_len
    total, urban, rural = Measures(), Measures(), Measures()
    by_child = {c.path: Measures() for c in tree.children}
    for unit_id, m in per_unit.items():
        info = tree.units.get(unit_id)
        if info is None:
            continue
        total.add(m)
        (rural if info.is_rural else urban).add(m)
        bucket = by_child.get(info.path[:child_len])
        if bucket is not None:
            bucket.add(m)
    total.population = _population(tree.head, tree.leaves)
    urban.population = sum(u.population for u in tree.leaves if not u.is_rural)
    rural.population = sum(u.population for u in tree.leaves if u.is_rural)
    leaves_by_child: dict[str, list[UnitInfo]] = defaultdict(list)
    for u in tree.leaves:
        leaves_by_child[u.path[:child_len]].append(u)
    for c in tree.children:
        by_child[c.path].population = _population(c, leaves_by_child[c.path])
    return total, urban, rural, by_child


def _stations(tree: _Subtree, per_unit: dict[int, Measures]) -> list[StationScore]:
    """The units of the subtree that offer services, each with its own numbers (not yet ranked)."""
    stations = []
    for info in tree.units.values():
        m = per_unit.get(info.pk)
        if m is None or not m.offered:
            continue
        own = copy.copy(m)
        own.population = info.population
        parent = tree.by_path.get(info.path[: -OrgUnit.steplen])
        stations.append(StationScore(unit=info, measures=own, parent_name=parent.name if parent else ""))
    return stations


# --- people -----------------------------------------------------------------------------------


def staff_of_unit(*, unit: OrgUnit, limit: int = 200) -> list[Staff]:
    """The people attached to the unit itself (not below it): one query at every level, so a
    station shows its staff and a district its district-level staff (本级人员)."""
    return list(
        Staff.objects.filter(org_unit=unit, is_active=True)
        .select_related("org_unit")
        .order_by("name", "pk")[:limit]
    )


def roster_count(*, unit: OrgUnit) -> int:
    return Staff.objects.filter(org_unit__path__startswith=unit.path, is_active=True).count()


ROSTER_CHUNK = 2_000


def roster_rows(
    *, unit: OrgUnit, masked: bool, areas: list[BusinessArea], today: datetime.date | None = None
) -> Iterator[list]:
    """The staff roster (人员台账) of a subtree, one list per person: name, unit, post,
    employment, ID number, phone, then the highest valid level held in each area (None for none).
    Personal data masked unless ``masked`` is False. Two queries: the subtree's valid
    certifications into a small table (staff → one level per area), then the people, streamed
    from the database in chunks of 2 000."""
    today = today or timezone.localdate()
    labels = {value: str(label) for value, label in Level.choices}
    employment = {value: str(label) for value, label in Employment.choices}
    column = {a.pk: i for i, a in enumerate(areas)}
    width = len(areas)
    best: dict[int, list] = {}
    for staff_id, area_id, level in (
        Certification.objects.filter(
            valid_certifications_q(today=today),
            staff__org_unit__path__startswith=unit.path,
            staff__is_active=True,
        )
        .values_list("staff_id", "area_id", "level")
        .iterator(chunk_size=10_000)
    ):
        i = column.get(area_id)
        if i is None:
            continue
        cells = best.get(staff_id)
        if cells is None:
            cells = best[staff_id] = [None] * width
        held = cells[i]
        if held is None or LEVEL_RANK[level] > LEVEL_RANK[held]:
            cells[i] = level
    people = (
        Staff.objects.filter(org_unit__path__startswith=unit.path, is_active=True)
        .order_by("org_unit__path", "name", "pk")
        .values_list("pk", "name", "org_unit__name", "post", "employment", "id_number", "phone")
    )
    empty = [None] * width
    for pk, name, unit_name, post, emp, id_number, phone in people.iterator(chunk_size=ROSTER_CHUNK):
        cells = best.get(pk)
        yield [
            name,
            unit_name,
            post,
            employment.get(emp, emp),
            mask_id_number(id_number) if masked else (id_number or ""),
            mask_phone(phone) if masked else (phone or ""),
            *([labels[c] if c else None for c in cells] if cells else empty),
        ]
