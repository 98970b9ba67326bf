"""The notification app's part of a person's data download and erasure (通知); see
training/org/personal_data.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from training.org.personal_data import Erasure, PersonalDataExport, Section, columns_of

from .models import EmailDigest, Notification, WebhookDelivery


def collect_notifications(export: PersonalDataExport) -> None:
    """The notifications sent to the person and the days their e-mail digest went out. Two queries."""
    user = export.user
    fields = ["created_at", "title", "body", "url", "read_at"]
    export.add(
        Section(
            "notifications",
            _("Notifications"),
            columns_of(Notification, fields),
            list(Notification.objects.filter(recipient=user).order_by("created_at", "pk").values(*fields)),
        )
    )
    digest = ["day", "sent_at", "notification_count"]
    export.add(
        Section(
            "email_digests",
            _("E-mail digests sent"),
            columns_of(EmailDigest, digest),
            list(EmailDigest.objects.filter(recipient=user).order_by("day").values(*digest)),
        )
    )


def erase_notifications(erasure: Erasure) -> None:
    """Their own notifications and digest records go (they served only them); other people's
    notifications and the group-robot messages that name them keep their text with the name and
    numbers replaced by the neutral label."""
    n, _kinds = Notification.objects.filter(recipient=erasure.user).delete()
    erasure.count("own_notifications", n)
    n, _kinds = EmailDigest.objects.filter(recipient=erasure.user).delete()
    erasure.count("email_digests", n)
    erasure.scrub_rows(Notification.objects.all(), "title", "body", key="notifications")
    erasure.scrub_rows(WebhookDelivery.objects.all(), "text", "last_error", key="robot_messages")
