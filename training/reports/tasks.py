"""Background work of the reports app: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from .services import export_run


@shared_task(bind=True, max_retries=2, default_retry_delay=10, acks_late=True)
def report_export_task(self, *, job_id: int) -> int:
    from training.org.models import Job

    try:
        return export_run(job_id=job_id).done
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, error=str(exc)[:2000])
            raise
        raise self.retry(exc=exc) from exc
