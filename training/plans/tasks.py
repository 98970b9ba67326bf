"""Background work of training plans: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from training.jobs.services import job_run

from . import services
from .models import TrainingPlan


@shared_task(bind=True, max_retries=3, default_retry_delay=30, acks_late=True)
def plan_sync_task(self, *, plan_id: int) -> dict:
    # Idempotent: assignments are unique per round and person, so a re-run after a lost worker
    # creates nothing twice.
    try:
        plan = TrainingPlan.objects.select_related("root").get(pk=plan_id)
        return services.plan_sync(plan=plan)
    except TrainingPlan.DoesNotExist:
        return {}
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=3, default_retry_delay=30, acks_late=True)
def plan_assign_task(self, *, job_id: int) -> dict | None:
    # Claimed through the job's row, so the assignments of a lost worker are finished by the next
    # run (training/jobs/services.py); chunks already committed are not made twice.
    return job_run(self, job_id, lambda job: services.plan_assign_run(job=job))


@shared_task(acks_late=True)
def plans_sync_all_task() -> int:
    n = services.plans_sync_all()
    services.gap_proposals_refresh()
    return n


@shared_task(acks_late=True)
def plans_sync_for_staff_task(*, staff_id: int) -> int:
    return services.plans_sync_for_staff(staff_id=staff_id)


@shared_task(acks_late=True)
def progress_refresh_for_user_task(*, user_id: int) -> int:
    return services.progress_refresh_for_user(user_id=user_id)


@shared_task(acks_late=True)
def reminders_send_task() -> dict:
    return services.reminders_send()
