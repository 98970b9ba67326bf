"""Background work of the reports app: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from training.jobs.services import job_run

from .services import export_build_job


@shared_task(bind=True, max_retries=2, default_retry_delay=10, acks_late=True)
def report_export_task(self, *, job_id: int) -> int | None:
    # Claimed through the job's row, so a lost worker's export runs again (training/jobs/services.py).
    job = job_run(self, job_id, lambda job: export_build_job(job=job))
    return job.done if job else None
