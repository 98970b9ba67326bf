"""Reads of certifications, the competency matrix and station coverage (能力矩阵, 业务覆盖).

Every function costs a fixed number of queries however many staff, units or certifications the
subtree holds: rows are paginated in the database and the cells for one page come in one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from training.org.choices import LEVEL_RANK
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


def competency_matrix_for_unit(*, unit: OrgUnit, page_number: int | str = 1) -> Matrix:
    """Staff of the subtree × business areas: in each cell the highest level held, with status.

    Expired certifications are shown as expired when nothing better is held; revoked ones are
    not shown. Four queries: areas, staff count, one page of staff, their certifications.
    """
    settings = competency_settings()
    today = timezone.localdate()
    areas = list(BusinessArea.objects.all())
    staff_qs = (
        staff_list_in_subtree(unit=unit).select_related("org_unit").order_by("org_unit__path", "name", "pk")
    )
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


@dataclass
class StationCoverage:
    unit: OrgUnit
    staff_count: int
    cells: list[CoverageCell]

    @property
    def gaps(self) -> list[CoverageCell]:
        return [c for c in self.cells if not c.covered]


@dataclass
class CoverageReport:
    stations: list[StationCoverage]
    page: PaginatorPage
    min_holders: int
    offered_total: int
    covered_total: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered_total / self.offered_total) if self.offered_total else 100


def coverage_for_unit(*, unit: OrgUnit, page_number: int | str = 1) -> CoverageReport:
    """Coverage (业务覆盖) of every station in the subtree: an area it offers is covered when at
    least K of its own staff hold a valid certification in it (K from the competency settings).

    Totals are over the whole subtree; the station rows are paginated. Seven queries.
    """
    settings = competency_settings()
    k = settings.coverage_min_holders
    offered = list(
        OrgUnit.areas.through.objects.filter(orgunit__path__startswith=unit.path).values_list(
            "orgunit_id", "businessarea_id"
        )
    )
    holders: dict[tuple[int, int], int] = {}
    for unit_id, area_id, n in (
        Certification.objects.filter(valid_certifications_q(), staff__org_unit__path__startswith=unit.path)
        .filter(staff__is_active=True)
        .values_list("staff__org_unit_id", "area_id")
        .annotate(n=Count("staff_id", distinct=True))
    ):
        holders[(unit_id, area_id)] = n
    offered_by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, area_id in offered:
        offered_by_unit[unit_id].append(area_id)
    covered_total = sum(1 for key in offered if holders.get(key, 0) >= k)
    stations_qs = OrgUnit.objects.filter(path__startswith=unit.path, pk__in=list(offered_by_unit)).order_by(
        "path"
    )
    page = Paginator(stations_qs, STATIONS_PAGE_SIZE).get_page(page_number)
    units = list(page.object_list)
    areas = BusinessArea.objects.in_bulk()
    staff_counts = dict(
        Staff.objects.filter(org_unit__in=units, is_active=True)
        .values_list("org_unit_id")
        .annotate(n=Count("pk"))
    )
    stations = []
    for station in units:
        cells = [
            CoverageCell(
                area=areas[area_id],
                holders=holders.get((station.pk, area_id), 0),
                covered=holders.get((station.pk, area_id), 0) >= k,
            )
            for area_id in sorted(offered_by_unit[station.pk], key=lambda a: areas[a].sort_order)
        ]
        stations.append(
            StationCoverage(unit=station, staff_count=staff_counts.get(station.pk, 0), cells=cells)
        )
    return CoverageReport(
        stations=stations,
        page=page,
        min_holders=k,
        offered_total=len(offered),
        covered_total=covered_total,
    )
