"""The notification channels (通知渠道): in-site notification centre (站内通知), daily email digest
(每日邮件汇总) and group robots of WeCom / DingTalk (群机器人).

Rules:
- in-site is immediate and idempotent on (recipient, dedupe_key);
- email is never sent per notification: unread, undigested notifications go out in one digest a
  day per person, at or after the digest time and never in quiet hours (免打扰时段);
- a robot message is one ``WebhookDelivery`` per robot, idempotent on (robot, dedupe_key), sent by
  its own task (so one failing robot never blocks another), at most once, retried with backoff and
  deferred, not dropped, in quiet hours.

Every function takes ``now`` so that tests and callers fix the clock without patching.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from training.org.models import OrgUnit
from training.org.selectors import staff_for_user

from . import robots, timing
from .models import EmailDigest, Notification, RobotWebhook, WebhookDelivery
from .selectors import (
    forget_unread_count_of,
    notification_list_for_user,
    notify_settings,
    webhook_deliveries_due,
)

logger = logging.getLogger(__name__)

# WeCom refuses text over 2048 bytes; DingTalk takes far more but a group message should be short.
ROBOT_TEXT_MAX_BYTES = {robots.WECOM: 2048, robots.DINGTALK: 4000}


def _clip(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


def _clip_bytes(text: str, max_bytes: int) -> str:
    """Cut UTF-8 text to ``max_bytes`` on a character boundary, marking the cut with "…"."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - len("…".encode())].decode("utf-8", errors="ignore") + "…"


def notify(
    user,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str,
    org_unit: OrgUnit | None = None,
    now: datetime.datetime | None = None,
) -> Notification | None:
    """Record an in-site notification (站内通知) for ``user``; idempotent on ``dedupe_key``: a second
    call with the same key returns None and creates nothing.

    In-site is immediate. Email is not sent per notification: undigested notifications go out in
    the person's daily digest (``email_digests_send``). ``org_unit`` records which unit the
    notification is about; it does not message the unit's robots (that is ``notify_unit``).
    """
    if not dedupe_key:
        raise ValueError("dedupe_key is required")
    if Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
        return None
    try:
        # A savepoint: a concurrent call that won the race leaves the caller's transaction usable.
        with transaction.atomic():
            return Notification.objects.create(
                recipient=user,
                kind=kind,
                title=_clip(title, 200),
                body=body,
                url=url,
                org_unit=org_unit,
                dedupe_key=dedupe_key,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        return None


def _queue_deliveries(delivery_ids: list[int]) -> None:
    from .tasks import webhook_deliver_task

    for delivery_id in delivery_ids:
        webhook_deliver_task.delay(delivery_id=delivery_id)


def notify_unit(
    org_unit: OrgUnit,
    *,
    kind: str,
    text: str,
    dedupe_key: str,
    now: datetime.datetime | None = None,
) -> list[WebhookDelivery]:
    """Message the group robots of ``org_unit`` (单位群机器人): one ``WebhookDelivery`` per enabled
    robot configured on that very unit (not its parents), idempotent on (robot, dedupe_key).

    Returns the deliveries created by this call (a repeated call returns an empty list). Each is
    queued as its own task after the transaction commits; the periodic sweep picks up any whose
    task was lost.
    """
    if not dedupe_key:
        raise ValueError("dedupe_key is required")
    now = now or timezone.now()
    endpoints = list(RobotWebhook.objects.filter(org_unit=org_unit, enabled=True).order_by("pk"))
    done = set(
        WebhookDelivery.objects.filter(endpoint__in=endpoints, dedupe_key=dedupe_key).values_list(
            "endpoint_id", flat=True
        )
    )
    created = []
    for endpoint in endpoints:
        if endpoint.pk in done:
            continue
        try:
            with transaction.atomic():
                created.append(
                    WebhookDelivery.objects.create(
                        endpoint=endpoint,
                        kind=kind,
                        dedupe_key=dedupe_key,
                        text=_clip_bytes(text, ROBOT_TEXT_MAX_BYTES.get(endpoint.kind, 2048)),
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        except IntegrityError:
            continue
    if created:
        # robust: a broker that is down must not undo the notification; the sweep sends it later.
        transaction.on_commit(partial(_queue_deliveries, [d.pk for d in created]), robust=True)
    return created


@transaction.atomic
def notification_mark_read(
    *, user, notification_id: int, now: datetime.datetime | None = None
) -> Notification:
    """Mark one of the person's own notifications read (标为已读). Someone else's notification does
    not exist for them: ``Notification.DoesNotExist``."""
    notification = notification_list_for_user(user=user).select_for_update().get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user, now: datetime.datetime | None = None) -> int:
    """Mark all of the person's unread notifications read (全部标为已读); returns how many."""
    count = (
        notification_list_for_user(user=user)
        .filter(read_at__isnull=True)
        .update(read_at=now or timezone.now())
    )
    forget_unread_count_of(user.pk)
    return count


# --- robot webhooks ---------------------------------------------------------------------------


def webhook_delivery_send(*, delivery_id: int, now: datetime.datetime | None = None) -> str:
    """Send one robot message (投递一条机器人消息) if it is still pending and due.

    Never twice: the row is locked and claimed (attempts + 1, next attempt pushed past the
    backoff) in a short transaction before the POST, so a second task for the same delivery, run
    at the same time or later, finds it sent or not yet due and does nothing. The POST itself runs
    outside the transaction, so a slow robot never holds a database lock. In quiet hours the
    delivery is deferred to their end. On failure the error is recorded and the next attempt
    waits 1, 2, 4 … minutes; after ``MAX_ATTEMPTS`` the delivery is failed.

    Returns what happened: "sent", "retry", "failed", "deferred" or "skipped".
    """
    now = now or timezone.now()
    config = notify_settings()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_related("endpoint")
            .select_for_update(of=("self",))
            .filter(pk=delivery_id)
            .first()
        )
        if (
            delivery is None
            or delivery.status != WebhookDelivery.Status.PENDING
            or delivery.next_attempt_at > now
        ):
            return "skipped"
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.last_error = "robot disabled"
            delivery.save(update_fields=["status", "last_error"])
            return "failed"
        if timing.in_quiet_hours(now, config.quiet_start, config.quiet_end):
            delivery.next_attempt_at = timing.quiet_hours_end(now, config.quiet_start, config.quiet_end)
            delivery.save(update_fields=["next_attempt_at"])
            return "deferred"
        delivery.attempts += 1
        delivery.next_attempt_at = now + timing.retry_delay(delivery.attempts)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        attempts, text = delivery.attempts, delivery.text
        url = robots.signed_url(
            endpoint.url, kind=endpoint.kind, secret=endpoint.secret, timestamp_ms=int(now.timestamp() * 1000)
        )
    pending = WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
    try:
        robots.robot_post(url, text)
    except robots.RobotError as error:
        final = attempts >= timing.MAX_ATTEMPTS
        pending.update(
            last_error=str(error)[:1000],
            status=WebhookDelivery.Status.FAILED if final else WebhookDelivery.Status.PENDING,
        )
        logger.warning("robot webhook delivery %s attempt %s failed: %s", delivery_id, attempts, error)
        return "failed" if final else "retry"
    pending.update(status=WebhookDelivery.Status.SENT, sent_at=now, last_error="")
    return "sent"


def webhook_deliveries_queue_due(*, now: datetime.datetime | None = None) -> int:
    """Queue a task for every pending robot message that is due (retries, deferrals, lost tasks)."""
    ids = webhook_deliveries_due(now=now or timezone.now())
    _queue_deliveries(ids)
    return len(ids)


# --- email digest -----------------------------------------------------------------------------


def absolute_url(url: str) -> str:
    """A link usable in an email: relative paths are joined to the site's public address."""
    if url.startswith(("http://", "https://")):
        return url
    return urljoin(settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", url.lstrip("/"))


@transaction.atomic
def email_digest_send_one(*, user_id: int, day: datetime.date, now: datetime.datetime) -> EmailDigest | None:
    """One person's digest for ``day`` (个人每日汇总): all unread, undigested notifications in one
    email. The ``EmailDigest`` row, the marks and the send share one transaction: the unique
    (recipient, day) row makes it at most once a day, and a send that raises rolls everything
    back, so the next run tries again."""
    user = get_user_model().objects.get(pk=user_id)
    if not user.email:
        return None
    items = list(
        Notification.objects.select_for_update()
        .filter(recipient=user, digested_at__isnull=True, read_at__isnull=True)
        .order_by("created_at", "pk")
    )
    if not items:
        return None
    try:
        with transaction.atomic():
            digest = EmailDigest.objects.create(
                recipient=user, day=day, sent_at=now, notification_count=len(items)
            )
    except IntegrityError:
        return None  # today's digest is already out
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(digested_at=now)
    staff = staff_for_user(user)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "name": staff.name if staff else (user.get_full_name() or user.get_username()),
            "items": [
                {
                    "title": n.title,
                    # continuation lines indented under the item's number
                    "body": "\n   ".join(n.body.splitlines()),
                    "link": absolute_url(n.url) if n.url else "",
                }
                for n in items
            ],
            "count": len(items),
            "centre": absolute_url(reverse("notify:list")),
            "site_name": settings.WAGTAIL_SITE_NAME,
        }
        subject = _("%(site)s daily reminders (%(count)s)") % {
            "site": settings.WAGTAIL_SITE_NAME,
            "count": len(items),
        }
        text = render_to_string("notify/email_digest.txt", context)
    # Last, so that nothing after it can fail and undo the marks of a digest already sent.
    send_mail(subject, text, None, [user.email], fail_silently=False)
    return digest


def email_digests_send(*, now: datetime.datetime | None = None) -> int:
    """The daily digests (每日邮件提醒): for each person with unread, undigested notifications and an
    email address, one email a day (Asia/Shanghai date), at or after the digest time and outside
    quiet hours. A person whose send fails is tried again on the next run; the others go on.
    Returns how many digests were sent."""
    now = now or timezone.now()
    config = notify_settings()
    if not timing.digest_due(now, config.digest_time, config.quiet_start, config.quiet_end):
        return 0
    day = timing.local(now).date()
    user_ids = list(
        Notification.objects.filter(digested_at__isnull=True, read_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .exclude(recipient__email_digests__day=day)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    sent = 0
    for user_id in user_ids:
        try:
            if email_digest_send_one(user_id=user_id, day=day, now=now):
                sent += 1
        except Exception:  # one mailbox or a mail server hiccup must not stop the others
            logger.exception("email digest for user %s failed; retried on the next run", user_id)
    return sent
