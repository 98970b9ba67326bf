"""Background work of the notification channels: thin tasks that take ids and call one service.

Robot messages are retried by their rows (``next_attempt_at``) and the minute sweep, not by
Celery countdowns: a long countdown on a broker with a visibility timeout can be delivered twice,
and a row survives a worker restart."""

from __future__ import annotations

import datetime

from celery import shared_task

from .services import email_digests_send, webhook_deliveries_queue_due, webhook_delivery_send


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def webhook_deliver_task(self, *, delivery_id: int) -> str:
    try:
        return webhook_delivery_send(delivery_id=delivery_id)
    except Exception as exc:  # a locked database or a dropped connection: try again shortly
        raise self.retry(exc=exc) from exc


@shared_task
def webhook_deliveries_sweep_task() -> int:
    return webhook_deliveries_queue_due()


@shared_task
def send_email_digests(now: str | None = None) -> int:
    """The daily digest run; ``now`` (ISO 8601) only for a run by hand at a chosen time."""
    return email_digests_send(now=datetime.datetime.fromisoformat(now) if now else None)
