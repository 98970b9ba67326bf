import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from training.org.models import OrgUnit


class Notification(models.Model):
    """An in-site notification (站内通知) for one person. ``dedupe_key`` makes sending idempotent:
    the same key for the same person is recorded once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once_per_key"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(fields=["digested_at", "read_at"], name="notification_undigested"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class RobotWebhook(models.Model):
    """A group robot (群机器人) of an org unit's WeCom or DingTalk group: unit-wide messages go there."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="robot_webhooks",
        verbose_name=_("organisation unit"),
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WECOM)
    url = models.URLField(
        _("webhook address"),
        max_length=500,
        help_text=_("The robot's webhook address as shown in the group settings, key included."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only, when the robot's security setting is signing (starts with SEC)."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    panels = [
        FieldPanel("org_unit"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("url"),
        FieldPanel("secret"),
        FieldPanel("enabled"),
    ]

    class Meta:
        ordering = ["org_unit__path", "name"]
        verbose_name = _("robot webhook")
        verbose_name_plural = _("robot webhooks")

    def __str__(self) -> str:
        return f"{self.org_unit} · {self.name}"


class WebhookDelivery(models.Model):
    """One message to one robot (机器人消息投递); sent at most once, retried with backoff on failure."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        RobotWebhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("robot webhook")
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    dedupe_key = models.CharField(max_length=200)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "dedupe_key"], name="webhook_delivery_once_per_key"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.endpoint} · {self.get_status_display()}"


class EmailDigest(models.Model):
    """The daily email digest (每日邮件汇总) of one person: the unique (recipient, day) row is what
    guarantees at most one a day."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_digests"
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"))
    notification_count = models.PositiveIntegerField(_("notifications"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("email digest")
        verbose_name_plural = _("email digests")
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="email_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.day}"


@register_setting(icon="mail")
class NotifySettings(BaseGenericSetting):
    """When the platform may speak (通知设置): quiet hours (免打扰, Asia/Shanghai, may wrap midnight)
    and the time of the daily email digest."""

    quiet_start = models.TimeField(
        _("quiet hours start"),
        default=datetime.time(21, 0),
        help_text=_("From this time no email digest or robot message is sent (Beijing time)."),
    )
    quiet_end = models.TimeField(
        _("quiet hours end"),
        default=datetime.time(8, 0),
        help_text=_(
            "Quiet hours end at this time; earlier than the start means overnight. Equal times: no quiet hours."
        ),
    )
    digest_time = models.TimeField(
        _("daily digest time"),
        default=datetime.time(8, 30),
        help_text=_("The daily email of unread notifications goes out at or after this time (Beijing time)."),
    )

    panels = [
        MultiFieldPanel([FieldPanel("quiet_start"), FieldPanel("quiet_end")], heading=_("Quiet hours")),
        FieldPanel("digest_time"),
    ]

    class Meta:
        verbose_name_plural = _("notification settings")
        verbose_name = _("notification settings")
