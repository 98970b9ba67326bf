"""Background work of the competency app: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from training.jobs.services import job_run

from .services import (
    certificates_bulk_render,
    certification_award_if_eligible,
    certification_evaluate,
    certifications_expire,
)


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def certification_award_for_module_task(self, *, user_id: int, module_id: int) -> int | None:
    try:
        cert = certification_award_if_eligible(user_id=user_id, module_id=module_id)
    except Exception as exc:  # a locked database or a dropped connection: try again shortly
        raise self.retry(exc=exc) from exc
    return cert.pk if cert else None


@shared_task
def certifications_expire_task() -> int:
    return certifications_expire()


@shared_task(bind=True, max_retries=2, default_retry_delay=10, acks_late=True)
def certificates_bulk_task(self, *, job_id: int) -> int | None:
    # Claimed through the job's row: a job already done, or held by a living run, is left alone;
    # one whose worker was lost runs again (training/jobs/services.py).
    job = job_run(self, job_id, lambda job: certificates_bulk_render(job=job))
    return job.done if job else None


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def certification_evaluate_task(self, *, user_id: int, area_id: int, level: str) -> int | None:
    try:
        cert = certification_evaluate(user_id=user_id, area_id=area_id, level=level)
    except Exception as exc:  # a locked database or a dropped connection: try again shortly
        raise self.retry(exc=exc) from exc
    return cert.pk if cert else None
