"""Exports of the dashboard (报表导出): Excel, CSV and PDF of every table, inline when small, in the
background with a progress bar when large; personal data masked unless the role allows it, and
every export of personal data audited.

The benchmark harness (bench/batch.py) calls ``province_report(unit=…)`` and
``excel_export(unit=…, user=…)`` from here.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from training.jobs.services import job_claim, job_create, job_finish, job_progress
from training.org.audit import audit_record
from training.org.models import Job, OrgUnit
from training.org.privacy import may_see_personal_data
from training.org.selectors import scope_for_user

from .selectors import province_report
from .tables import PERSONAL_TABLES, TABLES, report_tables, roster_table
from .writers import ReportTable, csv_lines, write_csv, write_pdf, write_xlsx

__all__ = [
    "ExportFile",
    "excel_export",
    "export_build",
    "export_csv_stream",
    "export_needs_background",
    "export_build_job",
    "export_run",
    "export_start",
    "province_report",
]

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
ALL = "all"  # every table of the dashboard and the roster, one sheet each (Excel, PDF)
INLINE_MAX_ROWS = 2_000  # larger exports run in the background
JOB_KIND = "report_export"


class ExportError(ValueError):
    pass


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int
    masked: bool


def _keys(table: str, fmt: str) -> list[str]:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}")
    if table == ALL:
        if fmt == "csv":
            raise ExportError("a CSV file holds one table")
        return list(TABLES)
    if table not in TABLES:
        raise ExportError(f"unknown table {table!r}")
    return [table]


def _check_scope(user, unit: OrgUnit):
    scope = scope_for_user(user)
    if not scope.is_manager or not scope.covers_path(unit.path):
        raise PermissionDenied
    return scope


def filename_for(*, unit: OrgUnit, table: str, fmt: str, day: datetime.date) -> str:
    return f"{unit.code}-{table}-{day.isoformat()}.{fmt}"


def export_row_estimate(*, unit: OrgUnit, table: str) -> int:
    """How many rows an export will have, to decide between inline and background (one query
    for the roster and the scorecard, none for the small tables)."""
    from .selectors import roster_count

    if table in ("roster", ALL):
        return roster_count(unit=unit)
    if table == "stations":
        return OrgUnit.objects.filter(path__startswith=unit.path, areas__isnull=False).distinct().count()
    return 0


def export_needs_background(*, unit: OrgUnit, table: str, fmt: str) -> bool:
    """The workbook of a whole subtree always runs in the background; any other export when it
    has more than 2 000 rows."""
    return table == ALL or export_row_estimate(unit=unit, table=table) > INLINE_MAX_ROWS


def _tables(*, unit: OrgUnit, keys: list[str], masked: bool) -> list[ReportTable]:
    out = []
    dashboard = [k for k in keys if k not in PERSONAL_TABLES]
    if dashboard:
        out += report_tables(province_report(unit=unit), dashboard)
    if "roster" in keys:
        out.append(roster_table(unit=unit, masked=masked))
    return out


def _audit(*, user, unit: OrgUnit, keys: list[str], fmt: str, rows: int, masked: bool) -> None:
    if PERSONAL_TABLES & set(keys):
        audit_record(
            actor=user,
            action="export.personal_data",
            target=f"{unit.name} ({unit.code})",
            details={"rows": rows, "format": fmt, "masked": masked, "tables": keys, "unit_id": unit.pk},
        )


def export_build(*, unit: OrgUnit, user, table: str, fmt: str, out, progress=None) -> tuple[int, bool]:
    """Write one export of ``unit``'s subtree into the binary file ``out``: the named table (or
    all of them) in Excel, CSV or PDF, personal data masked unless the user's role may see it.
    Returns (data rows, masked); an export with personal data is audited (export.personal_data)."""
    scope = _check_scope(user, unit)
    keys = _keys(table, fmt)
    masked = not may_see_personal_data(scope)
    tables = _tables(unit=unit, keys=keys, masked=masked)
    day = timezone.localdate()
    if fmt == "xlsx":
        rows = write_xlsx(out, tables, unit_name=unit.name, day=day, progress=progress)
    elif fmt == "csv":
        rows = write_csv(out, tables[0], unit_name=unit.name, day=day, progress=progress)
    else:
        rows = write_pdf(out, tables, unit_name=unit.name, day=day, progress=progress)
    _audit(user=user, unit=unit, keys=keys, fmt=fmt, rows=rows, masked=masked)
    return rows, masked


def export_file(*, unit: OrgUnit, user, table: str, fmt: str, progress=None) -> ExportFile:
    """An export as bytes (for a response or a caller that keeps it in memory)."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        rows, masked = export_build(unit=unit, user=user, table=table, fmt=fmt, out=out, progress=progress)
        out.seek(0)
        content = out.read()
    return ExportFile(
        content=content,
        filename=filename_for(unit=unit, table=table, fmt=fmt, day=timezone.localdate()),
        content_type=FORMATS[fmt],
        rows=rows,
        masked=masked,
    )


def excel_export(*, unit: OrgUnit, user, table: str = "roster", progress=None) -> ExportFile:
    """The Excel workbook (台账) of one table of ``unit``'s subtree — by default the staff roster
    with the level held in every business area — or of all of them (``table="all"``)."""
    return export_file(unit=unit, user=user, table=table, fmt="xlsx", progress=progress)


def export_csv_stream(*, unit: OrgUnit, user, table: str) -> Iterator[str]:
    """A CSV export line by line, for a StreamingHttpResponse: nothing is held in memory. The
    audit record (with the counted rows) is written before the first line."""
    scope = _check_scope(user, unit)
    keys = _keys(table, "csv")
    masked = not may_see_personal_data(scope)
    [t] = _tables(unit=unit, keys=keys, masked=masked)
    rows = t.count if t.count is not None else len(t.rows)
    _audit(user=user, unit=unit, keys=keys, fmt="csv", rows=rows, masked=masked)
    return csv_lines(t, unit_name=unit.name, day=timezone.localdate())


@transaction.atomic
def export_start(*, user, unit: OrgUnit, table: str, fmt: str, language: str = "") -> Job:
    """Queue an export in the background (后台导出); the page polls the job for its progress and
    shows the download link when the file is ready."""
    _check_scope(user, unit)
    _keys(table, fmt)
    from .tasks import report_export_task

    return job_create(
        kind=JOB_KIND,
        user=user,
        task=report_export_task,
        params={"unit_id": unit.pk, "table": table, "format": fmt, "language": language},
        total=export_row_estimate(unit=unit, table=table),
    )


def export_run(*, job_id: int) -> Job:
    """Run a queued export (the task's body): a job done, or held by a living run, is left as it
    is; one that is queued, or whose worker was lost, is built (again)."""
    job = job_claim(job_id)
    return export_build_job(job=job) if job else Job.objects.get(pk=job_id)


def export_build_job(*, job: Job) -> Job:
    """Build a claimed export into the job's file, recording progress as rows are written.
    Idempotent: an interrupted run starts over. Scope and masking are decided again here, from
    the roles the user holds now."""
    params = job.params
    unit = OrgUnit.objects.get(pk=params["unit_id"])
    user = get_user_model().objects.get(pk=job.user_id)
    estimate = job.total

    def progress(rows: int) -> None:
        # The total is the estimate made at the start; the whole workbook writes a few more rows.
        job_progress(job, done=min(rows, estimate) if estimate else rows)

    language = params.get("language") or settings.LANGUAGE_CODE
    with translation.override(language), tempfile.TemporaryFile() as out:
        rows, _ = export_build(
            unit=unit, user=user, table=params["table"], fmt=params["format"], out=out, progress=progress
        )
        out.seek(0)
        day = timezone.localdate()
        job.result.save(
            filename_for(unit=unit, table=params["table"], fmt=params["format"], day=day),
            File(out),
            save=False,
        )
    job_finish(job, result=job.result.name, done=rows, total=rows)
    return job
