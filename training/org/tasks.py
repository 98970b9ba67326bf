"""Background work of the org app: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from training.jobs.services import job_run


@shared_task(bind=True, max_retries=2, default_retry_delay=10, acks_late=True)
def roster_import_task(self, *, job_id: int) -> int | None:
    # Claimed through the job's row, written in one transaction with the job's end: once.
    from .roster import roster_import_job

    summary = job_run(self, job_id, lambda job: roster_import_job(job=job))
    return summary.rows if summary else None
