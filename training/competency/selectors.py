"""Reads of certifications, the competency matrix and station coverage (能力矩阵, 业务覆盖).

Every function costs a fixed number of queries however many staff, units or certifications the
subtree holds: rows are paginated in the database and the cells for one page come in one query.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from training.org.choices import LEVEL_RANK, Employment, Level
from training.org.models import BusinessArea, OrgUnit, Staff
from training.org.selectors import competency_settings, staff_list_in_subtree

from .dates import status_on
from .models import Certification, CertificationStatus

MATRIX_PAGE_SIZE = 50
STATIONS_PAGE_SIZE = 30


def valid_certifications_q(*, today=None, prefix: str = "") -> Q:
    """A certification counts as held while not revoked and not past its expiry date."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}expires_on__gte": today}) & ~Q(**{f"{prefix}status": CertificationStatus.REVOKED})


def certifications_for_user(*, user) -> QuerySet[Certification]:
    """A person's own certifications (我的证书), newest first; nobody else's."""
    return (
        Certification.objects.filter(staff__user=user)
        .select_related("area")
        .order_by("area__sort_order", "-issued_on")
    )


def certification_display_status(cert: Certification, *, today=None, expiring_days: int = 90) -> str:
    today = today or timezone.localdate()
    return status_on(
        expires_on=cert.expires_on,
        revoked=cert.status == CertificationStatus.REVOKED,
        today=today,
        expiring_days=expiring_days,
    )


@dataclass
class MatrixCell:
    level: str | None = None
    level_label: str = ""
    status: str = ""
    expires_on: object = None


@dataclass
class MatrixRow:
    staff: Staff
    cells: list[MatrixCell] = field(default_factory=list)
    held: int = 0


@dataclass
class Matrix:
    areas: list[BusinessArea]
    rows: list[MatrixRow]
    page: PaginatorPage


def competency_matrix_for_unit(
    *, unit: OrgUnit, page_number: int | str = 1, settings=None, post: str = "", employment: str = ""
) -> Matrix:
    """Staff of the subtree × business areas: in each cell the highest level held, with status.

    Expired certifications are shown as expired when nothing better is held; revoked ones are
    not shown. Four queries: areas, staff count, one page of staff, their certifications.
    """
    settings = settings or competency_settings()
    today = timezone.localdate()
    areas = list(BusinessArea.objects.all())
    staff_qs = (
        staff_list_in_subtree(unit=unit).select_related("org_unit").order_by("org_unit__path", "name", "pk")
    )
    if post:
        staff_qs = staff_qs.filter(post=post)
    if employment:
        staff_qs = staff_qs.filter(employment=employment)
    page = Paginator(staff_qs, MATRIX_PAGE_SIZE).get_page(page_number)
    staff = list(page.object_list)
    best: dict[tuple[int, int], Certification] = {}
    certs = Certification.objects.filter(staff__in=[s.pk for s in staff]).exclude(
        status=CertificationStatus.REVOKED
    )
    for cert in certs.only("staff_id", "area_id", "level", "expires_on", "status"):
        key = (cert.staff_id, cert.area_id)
        current = best.get(key)
        cert_valid = cert.expires_on >= today
        if current is None:
            best[key] = cert
            continue
        current_valid = current.expires_on >= today
        if (cert_valid, LEVEL_RANK[cert.level], cert.expires_on) > (
            current_valid,
            LEVEL_RANK[current.level],
            current.expires_on,
        ):
            best[key] = cert
    rows = []
    for person in staff:
        row = MatrixRow(staff=person)
        for area in areas:
            cert = best.get((person.pk, area.pk))
            if cert is None:
                row.cells.append(MatrixCell())
                continue
            status = certification_display_status(cert, today=today, expiring_days=settings.expiring_days)
            row.cells.append(
                MatrixCell(
                    level=cert.level,
                    level_label=cert.get_level_display(),
                    status=status,
                    expires_on=cert.expires_on,
                )
            )
            if status in ("valid", "expiring"):
                row.held += 1
        rows.append(row)
    return Matrix(areas=areas, rows=rows, page=page)


@dataclass
class CoverageCell:
    area: BusinessArea
    holders: int
    covered: bool
    holders_ahead: int = 0  # still valid at the look-ahead date
    covered_ahead: bool = False
    depth_two: bool = False  # two or more holders (一岗多责 backup)
    single_point: str = ""  # "part_time" or "expiring" when the only holder is fragile


@dataclass
class StationCoverage:
    unit: OrgUnit
    staff_count: int
    cells: list[CoverageCell]

    @property
    def gaps(self) -> list[CoverageCell]:
        return [c for c in self.cells if not c.covered]

    @property
    def gaps_ahead(self) -> list[CoverageCell]:
        return [c for c in self.cells if c.covered and not c.covered_ahead]

    @property
    def single_points(self) -> list[CoverageCell]:
        return [c for c in self.cells if c.single_point]


@dataclass
class CoverageReport:
    stations: list[StationCoverage]
    page: PaginatorPage
    min_holders: int
    offered_total: int
    covered_total: int
    covered_ahead_total: int = 0
    depth_two_total: int = 0
    single_point_total: int = 0
    ahead_days: int = 90

    def _share(self, part: int) -> int:
        return round(100 * part / self.offered_total) if self.offered_total else 100

    @property
    def percent(self) -> int:
        return self._share(self.covered_total)

    @property
    def percent_ahead(self) -> int:
        return self._share(self.covered_ahead_total)

    @property
    def percent_depth_two(self) -> int:
        return self._share(self.depth_two_total)


AHEAD_DAYS = 90


# Subtree-wide totals (coverage, 一专多能) are kept this long per unit and day when the caller asks
# for the cached figures (the matrix page): counting them for a province root is too slow to repeat
# on every view (figures in bench/RESULTS.md).
TOTALS_CACHE_SECONDS = 300


def _cached(parts: tuple, compute):
    key = "competency:v1:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TOTALS_CACHE_SECONDS)
    return value


# --- the coverage rule (业务覆盖) -----------------------------------------------------------------
# One rule, used by this app's coverage pages, the dashboard (training.reports) and the gap
# proposals (training.plans): an area a station offers is covered when at least K of the station's
# own active staff hold a valid certification in it, K being ``coverage_min_holders`` of the
# competency settings.

HOLDERS = Count("staff_id", distinct=True)  # people, not certifications: one person counts once


def valid_holders(*, today: datetime.date | None = None, **filters) -> QuerySet:
    """The valid holders (有效持证人) grouped per (station, area): certifications valid on ``today``
    of active staff, narrowed by ``filters`` (e.g. ``staff__org_unit__path__startswith``), as
    ``(unit_id, area_id)`` rows ready for ``.annotate(n=HOLDERS)`` — a row per pair, counted in
    the database."""
    return (
        Certification.objects.filter(valid_certifications_q(today=today), staff__is_active=True, **filters)
        .values_list("staff__org_unit_id", "area_id")
        .order_by()
    )


def valid_holder_counts(*, today: datetime.date | None = None, **filters) -> dict[tuple[int, int], int]:
    """(station, area) -> how many of the station's active staff hold a valid certification in the
    area; pairs nobody holds are absent. One query."""
    return {(u, a): n for u, a, n in valid_holders(today=today, **filters).annotate(n=HOLDERS)}


def is_covered(holders: int, *, min_holders: int) -> bool:
    """An offered area is covered (已覆盖) when it has at least K valid holders at its station."""
    return holders >= min_holders


def _holder_counts(*, today: datetime.date, ahead: datetime.date, **filters) -> dict[tuple[int, int], tuple]:
    """(station, area) -> (holders now, holders still valid at ``ahead``, part-time holders), counted
    in the database: a row per (station, area), not per certification."""
    return {
        (unit_id, area_id): (now_n, ahead_n, part_n)
        for unit_id, area_id, now_n, ahead_n, part_n in valid_holders(today=today, **filters).annotate(
            now_n=HOLDERS,
            ahead_n=Count("staff_id", distinct=True, filter=Q(expires_on__gte=ahead)),
            part_n=Count("staff_id", distinct=True, filter=Q(staff__employment=Employment.PART_TIME)),
        )
    }


def _single_point(now_n: int, ahead_n: int, part_n: int) -> str:
    """The only holder is part-time, or their certification lapses within the look-ahead."""
    if now_n != 1:
        return ""
    return "part_time" if part_n else ("expiring" if not ahead_n else "")


@dataclass(frozen=True)
class CoverageTotals:
    offered: int
    covered: int
    covered_ahead: int
    depth_two: int
    single_point: int


def posts_in_subtree(*, unit: OrgUnit) -> list[str]:
    """The posts (岗位) held by the subtree's active staff, for the matrix's filter; kept five
    minutes per unit and day."""
    return _cached(
        ("posts", unit.pk, unit.path, timezone.localdate()),
        lambda: list(
            staff_list_in_subtree(unit=unit)
            .exclude(post="")
            .order_by("post")
            .values_list("post", flat=True)
            .distinct()
        ),
    )


def coverage_totals(*, unit: OrgUnit, min_holders: int, today: datetime.date) -> CoverageTotals:
    """Coverage counted over every offered (station, area) pair of the subtree. Two queries."""
    ahead = today + datetime.timedelta(days=AHEAD_DAYS)
    counts = _holder_counts(today=today, ahead=ahead, staff__org_unit__path__startswith=unit.path)
    offered = covered = covered_ahead = depth_two = single = 0
    for key in OrgUnit.areas.through.objects.filter(orgunit__path__startswith=unit.path).values_list(
        "orgunit_id", "businessarea_id"
    ):
        now_n, ahead_n, part_n = counts.get(key, (0, 0, 0))
        offered += 1
        covered += is_covered(now_n, min_holders=min_holders)
        covered_ahead += is_covered(ahead_n, min_holders=min_holders)
        depth_two += now_n >= 2
        single += bool(_single_point(now_n, ahead_n, part_n))
    return CoverageTotals(offered, covered, covered_ahead, depth_two, single)


def coverage_for_unit(
    *, unit: OrgUnit, page_number: int | str = 1, settings=None, cached: bool = False
) -> CoverageReport:
    """Coverage (业务覆盖) of every station in the subtree. An area a station offers is covered when
    at least K of its own staff hold a valid certification in it (K from the competency settings);
    also: covered 90 days ahead given expiries, covered twice over (backup, 一岗多责), and single
    points of failure — the only holder is part-time or expires within 90 days.

    Totals are over the whole subtree (``cached``: kept five minutes per unit and day); the
    stations are paginated and their cells counted for the page only. At most eight queries,
    however large the subtree: holders are counted per (station, area) in the database.
    """
    settings = settings or competency_settings()
    k = settings.coverage_min_holders
    today = timezone.localdate()
    ahead = today + datetime.timedelta(days=AHEAD_DAYS)
    if cached:
        totals = _cached(
            ("coverage", unit.pk, unit.path, today, k),
            lambda: coverage_totals(unit=unit, min_holders=k, today=today),
        )
    else:
        totals = coverage_totals(unit=unit, min_holders=k, today=today)
    offering = OrgUnit.areas.through.objects.filter(orgunit__path__startswith=unit.path).values("orgunit_id")
    stations_qs = OrgUnit.objects.filter(path__startswith=unit.path, pk__in=offering).order_by("path")
    page = Paginator(stations_qs, STATIONS_PAGE_SIZE).get_page(page_number)
    units = list(page.object_list)
    areas = BusinessArea.objects.in_bulk()
    offered_by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, area_id in OrgUnit.areas.through.objects.filter(orgunit__in=units).values_list(
        "orgunit_id", "businessarea_id"
    ):
        offered_by_unit[unit_id].append(area_id)
    counts = _holder_counts(today=today, ahead=ahead, staff__org_unit__in=units)
    staff_counts = dict(
        Staff.objects.filter(org_unit__in=units, is_active=True)
        .values_list("org_unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )

    def cell(key: tuple[int, int]) -> CoverageCell:
        now_n, ahead_n, part_n = counts.get(key, (0, 0, 0))
        return CoverageCell(
            area=areas[key[1]],
            holders=now_n,
            covered=is_covered(now_n, min_holders=k),
            holders_ahead=ahead_n,
            covered_ahead=is_covered(ahead_n, min_holders=k),
            depth_two=now_n >= 2,
            single_point=_single_point(now_n, ahead_n, part_n),
        )

    stations = [
        StationCoverage(
            unit=station,
            staff_count=staff_counts.get(station.pk, 0),
            cells=[
                cell((station.pk, area_id))
                for area_id in sorted(offered_by_unit[station.pk], key=lambda a: areas[a].sort_order)
            ],
        )
        for station in units
    ]
    return CoverageReport(
        stations=stations,
        page=page,
        min_holders=k,
        offered_total=totals.offered,
        covered_total=totals.covered,
        covered_ahead_total=totals.covered_ahead,
        depth_two_total=totals.depth_two,
        single_point_total=totals.single_point,
        ahead_days=AHEAD_DAYS,
    )


# --- 一专多能 -----------------------------------------------------------------------------------


@dataclass
class SkillCounts:
    staff: int = 0
    specialists: int = 0  # 一专: a valid advanced certification in at least one area
    multi_skilled: int = 0  # 多能: valid certifications in at least N areas
    both: int = 0  # 一专多能

    def share(self, part: int) -> int:
        return round(100 * part / self.staff) if self.staff else 0

    @property
    def specialist_share(self) -> int:
        return self.share(self.specialists)

    @property
    def multi_share(self) -> int:
        return self.share(self.multi_skilled)

    @property
    def both_share(self) -> int:
        return self.share(self.both)


@dataclass
class MultiSkillReport:
    min_areas: int
    total: SkillCounts
    urban: SkillCounts
    rural: SkillCounts
    children: list[tuple[OrgUnit, SkillCounts]]


# Specialists, multi-skilled (at least %s areas) and both, per unit, over the ORM's per-person query
# (whose values are parameters too).
SKILLS_PER_UNIT_SQL = (
    "SELECT unit, SUM(CASE WHEN n_advanced > 0 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN n_areas >= %s THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN n_advanced > 0 AND n_areas >= %s THEN 1 ELSE 0 END)"
    " FROM ({per_person}) AS per_person GROUP BY unit"
)


def skills_per_unit(*, prefix: str, min_areas: int, today=None) -> dict[int, tuple[int, int, int]]:
    """Per org unit of the subtree under ``prefix``: how many of its active staff are specialists
    (一专: a valid advanced certification), multi-skilled (多能: valid certifications in at least
    ``min_areas`` areas) and both. One query, grouped in the database: the ORM groups per person,
    plain SQL around it per unit (the ORM cannot group an aggregate by another aggregate)."""
    people = (
        Certification.objects.filter(
            valid_certifications_q(today=today),
            staff__org_unit__path__startswith=prefix,
            staff__is_active=True,
        )
        .values(person=F("staff_id"), unit=F("staff__org_unit_id"))
        .annotate(
            n_areas=Count("area_id", distinct=True), n_advanced=Count("pk", filter=Q(level=Level.ADVANCED))
        )
        .order_by()
    )
    inner, params = people.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(SKILLS_PER_UNIT_SQL.format(per_person=inner), (min_areas, min_areas, *params))
        return {
            unit_id: (int(specialists or 0), int(multi or 0), int(both or 0))
            for unit_id, specialists, multi, both in cursor.fetchall()
        }


def multi_skill_for_unit(
    *, unit: OrgUnit, children: list[OrgUnit] | None = None, settings=None, cached: bool = False
) -> MultiSkillReport:
    """The 一专多能 measure for a subtree: shares of specialists, multi-skilled and both, for the
    whole subtree, urban against rural, and for each unit directly below. Two queries when the
    children and settings are given, each grouped per unit in the database (``cached``: kept five
    minutes per unit and day)."""
    n = (settings or competency_settings()).multi_skill_min_areas
    children = list(unit.get_children()) if children is None else children
    if cached:
        return _cached(
            ("skills", unit.pk, unit.path, timezone.localdate(), n, tuple(c.pk for c in children)),
            lambda: multi_skill_for_unit(unit=unit, children=children, settings=settings),
        )
    staff = (
        Staff.objects.filter(org_unit__path__startswith=unit.path, is_active=True)
        .values_list("org_unit_id", "org_unit__path", "org_unit__is_rural")
        .annotate(n=Count("pk"))
        .order_by()
    )
    skills = skills_per_unit(prefix=unit.path, min_areas=n)
    total, urban, rural = SkillCounts(), SkillCounts(), SkillCounts()
    by_child = {c.path: SkillCounts() for c in children}
    step = len(unit.path) + OrgUnit.steplen
    for unit_id, path, is_rural, count in staff:
        special, multi, both = skills.get(unit_id, (0, 0, 0))
        buckets = [total, rural if is_rural else urban]
        if path[:step] in by_child:
            buckets.append(by_child[path[:step]])
        for bucket in buckets:
            bucket.staff += count
            bucket.specialists += special
            bucket.multi_skilled += multi
            bucket.both += both
    return MultiSkillReport(
        min_areas=n, total=total, urban=urban, rural=rural, children=[(c, by_child[c.path]) for c in children]
    )


@dataclass
class PersonCard:
    held: list[Certification]
    expiring: list[Certification]
    is_specialist: bool
    is_multi_skilled: bool
    min_areas: int
    missing_offered: list[BusinessArea]  # areas the person's station offers that they do not hold


def person_card_for_user(*, user) -> PersonCard | None:
    """A person's own card (个人能力卡): what they hold, what expires soon, and which areas their
    station offers that they could take next."""
    from training.org.selectors import staff_for_user

    staff = staff_for_user(user)
    if staff is None:
        return None
    settings = competency_settings()
    today = timezone.localdate()
    held = list(
        Certification.objects.filter(valid_certifications_q(), staff=staff)
        .select_related("area")
        .order_by("area__sort_order")
    )
    for cert in held:
        cert.display_status = certification_display_status(
            cert, today=today, expiring_days=settings.expiring_days
        )
    held_areas = {c.area_id for c in held}
    offered = list(staff.org_unit.areas.order_by("sort_order"))
    return PersonCard(
        held=held,
        expiring=[c for c in held if c.display_status == "expiring"],
        is_specialist=any(c.level == "advanced" for c in held),
        is_multi_skilled=len(held_areas) >= settings.multi_skill_min_areas,
        min_areas=settings.multi_skill_min_areas,
        missing_offered=[a for a in offered if a.pk not in held_areas],
    )
