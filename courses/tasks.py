"""Background work of learning content: thin tasks that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from .services import video_process, videos_queue_pending


@shared_task(bind=True, max_retries=2, default_retry_delay=30)
def video_process_task(self, *, video_id: int) -> str:
    return video_process(video_id=video_id).processing


@shared_task
def videos_queue_pending_task() -> int:
    return videos_queue_pending()
