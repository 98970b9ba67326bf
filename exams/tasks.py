"""Background work of exams: thin tasks that call one service."""

from __future__ import annotations

from celery import shared_task

from .services import attempts_submit_expired


@shared_task
def attempts_submit_expired_task() -> int:
    return attempts_submit_expired()
