"""Reads of the notification channels. A person sees only their own notifications (本人通知);
robot webhooks are seen per the org scope (管辖范围)."""

from __future__ import annotations

import datetime
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet

from training.org.selectors import UserScope

from .models import Notification, NotifySettings, RobotWebhook, WebhookDelivery


def notification_list_for_user(*, user) -> QuerySet[Notification]:
    """The person's own notifications, newest first (通知中心); nobody else's, ever."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count_key(user_id: int) -> str:
    return f"notify:unread:{user_id}"


def unread_count_for_user(*, user) -> int:
    """How many of the person's notifications are unread (未读数): one COUNT query, then kept
    until one of their notifications is created, read or deleted (the receivers in apps.py and
    ``notifications_mark_all_read``); at most ``PAGE_CACHE_SECONDS`` where the cache is not
    shared between processes."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = unread_count_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, settings.PAGE_CACHE_SECONDS)
    return count


def forget_unread_count_of(user_id: int) -> None:
    """Forget the kept count now and again when the transaction commits: a request that counted
    in between still saw the old rows."""
    forget = partial(cache.delete, unread_count_key(user_id))
    forget()
    transaction.on_commit(forget)


def forget_unread_count(sender, instance=None, **kwargs) -> None:
    if instance is not None and instance.recipient_id is not None:
        forget_unread_count_of(instance.recipient_id)


def robot_webhook_list_for_scope(*, scope: UserScope) -> QuerySet[RobotWebhook]:
    """Robots of the units in scope: all for an admin, a manager's subtrees, none for others."""
    qs = RobotWebhook.objects.select_related("org_unit")
    if scope.is_admin:
        return qs
    if not scope.managed_paths:
        return qs.none()
    q = Q()
    for path in scope.managed_paths:
        q |= Q(org_unit__path__startswith=path)
    return qs.filter(q)


def webhook_deliveries_due(*, now: datetime.datetime, limit: int = 500) -> list[int]:
    """Pending robot messages whose time has come (待投递): fresh ones, retries and those
    deferred past quiet hours; also those whose task was lost to a worker restart."""
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def notify_settings() -> NotifySettings:
    """Quiet hours and digest time as tuned by admins, with their defaults."""
    return NotifySettings.load()
