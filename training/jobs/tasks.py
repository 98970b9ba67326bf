"""Background work of the jobs framework: thin tasks that call one service."""

from __future__ import annotations

from celery import shared_task

from .services import jobs_recover


@shared_task
def jobs_recover_task() -> list[int]:
    """Every minute and when a worker starts: queue again the jobs a lost worker left behind."""
    return jobs_recover()
