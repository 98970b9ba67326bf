"""Background work of the competency app: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from .services import certification_award_if_eligible, certifications_expire


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
