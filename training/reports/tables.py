"""The dashboard's tables as exportable tables (台账): the same rows the page shows, in the active
language. Built from the ``province_report`` dict; only the roster reads the database."""

from __future__ import annotations

from django.utils.translation import gettext as _

from training.org.models import BusinessArea, OrgUnit

from .selectors import Measures, roster_count, roster_rows
from .writers import ReportTable

TABLES = ("units", "urban_rural", "areas", "stations", "activity", "roster")
PERSONAL_TABLES = {"roster"}


def table_titles() -> dict[str, str]:
    return {
        "units": _("Units below"),
        "urban_rural": _("Urban and rural"),
        "areas": _("Business areas"),
        "stations": _("Station scorecard"),
        "activity": _("Learning activity"),
        "roster": _("Staff roster"),
    }


def _measure_columns() -> list[str]:
    return [
        _("Staff"),
        _("Full-time share (%)"),
        _("Staff per 10 000 residents"),
        _("Certified staff per offered area"),
        _("Coverage (%)"),
        _("Specialists (%)"),
        _("Multi-skilled (%)"),
        _("One speciality, many abilities (%)"),
        _("Plan completion (%)"),
        _("Formal exam pass rate (%)"),
    ]


def _measure_cells(m: Measures) -> list:
    return [
        m.staff,
        m.full_time_share,
        m.staff_per_10k,
        m.certified_per_area,
        m.coverage,
        m.specialist_share,
        m.multi_share,
        m.both_share,
        m.plan_completion,
        m.pass_rate,
    ]


MEASURE_WIDTHS = [9, 11, 12, 12, 10, 10, 10, 12, 11, 12]


def report_tables(report: dict, keys: list[str]) -> list[ReportTable]:
    """The named tables of a report (not the roster: see ``roster_table``)."""
    titles = table_titles()
    out = []
    for key in keys:
        if key == "units":
            rows = [[c.name, *_measure_cells(m)] for c, m in report["children"]]
            rows.append(
                [_("Total: %(unit)s") % {"unit": report["unit"].name}, *_measure_cells(report["total"])]
            )
            out.append(
                ReportTable(
                    key,
                    titles[key],
                    [_("Organisation unit"), *_measure_columns()],
                    rows,
                    [18, *MEASURE_WIDTHS],
                )
            )
        elif key == "urban_rural":
            rows = [
                [_("Urban"), *_measure_cells(report["urban"])],
                [_("Rural"), *_measure_cells(report["rural"])],
                [_("All"), *_measure_cells(report["total"])],
            ]
            out.append(ReportTable(key, titles[key], ["", *_measure_columns()], rows, [10, *MEASURE_WIDTHS]))
        elif key == "areas":
            rows = [[r.area.name, r.offered, r.covered, r.coverage, r.holders] for r in report["areas"]]
            columns = [
                _("Business area"),
                _("Stations offering it"),
                _("Stations covering it"),
                _("Coverage (%)"),
                _("Certified staff"),
            ]
            out.append(ReportTable(key, titles[key], columns, rows, [22, 12, 12, 10, 10]))
        elif key == "stations":
            rows = [
                [
                    s.rank,
                    s.unit.name,
                    s.parent_name,
                    _("Rural") if s.unit.is_rural else _("Urban"),
                    s.measures.staff,
                    s.measures.coverage,
                    s.measures.both_share,
                    s.measures.plan_completion,
                    s.measures.pass_rate,
                    s.measures.full_time_share,
                    s.score,
                ]
                for s in report["stations"]
            ]
            columns = [
                _("Rank"),
                _("Station"),
                _("Parent unit"),
                _("Urban / rural"),
                _("Staff"),
                _("Coverage (%)"),
                _("One speciality, many abilities (%)"),
                _("Plan completion (%)"),
                _("Formal exam pass rate (%)"),
                _("Full-time share (%)"),
                _("Score"),
            ]
            out.append(ReportTable(key, titles[key], columns, rows, [6, 18, 16, 8, 8, 10, 12, 11, 12, 11, 8]))
        elif key == "activity":
            a = report["activity"]
            rows = [
                [week.isoformat(), total, urban, rural]
                for week, total, urban, rural in zip(a.weeks, a.total, a.urban, a.rural, strict=True)
            ]
            columns = [_("Week of"), _("Lessons completed"), _("Urban"), _("Rural")]
            out.append(ReportTable(key, titles[key], columns, rows, [12, 14, 10, 10]))
    return out


def roster_table(*, unit: OrgUnit, masked: bool) -> ReportTable:
    """The staff roster (人员台账): person, unit, post, employment, ID number, phone and the level
    held in each business area."""
    areas = list(BusinessArea.objects.all())
    columns = [
        _("Name"),
        _("Unit"),
        _("Post"),
        _("Employment"),
        _("ID number"),
        _("Mobile phone"),
        *[a.name for a in areas],
    ]
    return ReportTable(
        "roster",
        table_titles()["roster"],
        columns,
        roster_rows(unit=unit, masked=masked, areas=areas),
        [10, 16, 12, 8, 21, 14, *[10] * len(areas)],
        count=roster_count(unit=unit),
    )
