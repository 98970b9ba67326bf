"""Background work of the org app: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from .jobs import jobs_recover


@shared_task
def jobs_recover_task() -> list[int]:
    """Every minute and when a worker starts: queue again the jobs a lost worker left behind."""
    return jobs_recover()
