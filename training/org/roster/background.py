"""A large roster is imported by the worker: queued as a job, read and checked first, then written
in one transaction that also finishes the job."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from training.jobs.services import job_create, job_fail, job_finish, job_progress

from ..models import Job
from .apply import RosterSummary, roster_import
from .parse import read_roster
from .problems import RosterInvalid
from .validate import Catalogue, validate_roster

BACKGROUND_MIN_BYTES = 200 * 1024  # a larger upload (some thousands of rows) is imported by the worker
JOB_KIND = "roster_import"
# The writing is one transaction that reports no progress; no task runs longer than its time limit.
WRITE_LEASE = datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800))


def roster_import_start(*, data: bytes, filename: str, actor) -> Job:
    """Queue a large roster for the worker (后台导入花名册); the admin page polls the job and shows
    the summary, or every problem by row and column, when it is over."""
    from ..tasks import roster_import_task

    return job_create(
        kind=JOB_KIND,
        user=actor,
        task=roster_import_task,
        params={"filename": filename},
        source=ContentFile(data, name="roster.xlsx"),
    )


def roster_import_job(*, job: Job) -> RosterSummary | None:
    """Import the roster of a claimed job exactly once: the file is read and checked first (a file
    with problems fails the job with every problem listed), then written in one transaction that
    also marks the job done, so a worker lost before the commit leaves nothing, and the next run
    imports the whole file."""
    filename = job.params.get("filename", "")
    with job.source.open("rb") as source:
        data = source.read()
    try:
        sheet = read_roster(data, filename=filename)
        people = validate_roster(sheet, Catalogue.load())
        job_progress(job, done=0, total=len(people), lease=WRITE_LEASE)
        with transaction.atomic():
            summary = roster_import(data=data, filename=filename, actor=job.user, sheet=sheet)
            job_finish(job, done=summary.rows, params={**job.params, "summary": summary.as_details()})
    except RosterInvalid as invalid:
        problems = [str(issue) for issue in invalid.issues]
        job_fail(job.pk, problems[0] if problems else "", params={**job.params, "issues": problems[:1000]})
        return None
    return summary
