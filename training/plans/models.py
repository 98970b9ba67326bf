"""Training plans (培训计划): who must learn what by when, and the platform chasing it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from training.org.choices import Employment, Level, UnitLevel
from training.org.models import BusinessArea, OrgUnit, Staff


class Recurrence(models.TextChoices):
    ONCE = "once", _("One-off")
    YEARLY = "yearly", _("Yearly")
    QUARTERLY = "quarterly", _("Quarterly")
    MONTHLY = "monthly", _("Monthly")


MONTHS_PER_ROUND = {Recurrence.YEARLY: 12, Recurrence.QUARTERLY: 3, Recurrence.MONTHLY: 1}


class TrainingPlan(models.Model):
    """A plan: items to learn, an audience, a due date; one-off or recurring (定期培训)."""

    class AudienceMode(models.TextChoices):
        RULES = "rules", _("Everyone matching the rules")
        NAMED = "named", _("Named people")

    class UnitKind(models.TextChoices):
        ALL = "", _("Urban and rural")
        URBAN = "urban", _("Urban units only")
        RURAL = "rural", _("Rural units only")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    root = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="plans", verbose_name=_("for the subtree of")
    )
    audience_mode = models.CharField(
        _("audience"), max_length=8, choices=AudienceMode.choices, default=AudienceMode.RULES
    )
    unit_kind = models.CharField(_("urban / rural"), max_length=8, choices=UnitKind.choices, blank=True)
    unit_level = models.CharField(_("unit level"), max_length=16, choices=UnitLevel.choices, blank=True)
    posts = models.JSONField(_("posts"), default=list, blank=True)
    employment = models.CharField(_("employment"), max_length=16, choices=Employment.choices, blank=True)
    people = models.ManyToManyField(Staff, blank=True, related_name="+", verbose_name=_("named people"))
    lacking_area = models.ForeignKey(
        BusinessArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only people lacking a valid certification in"),
    )
    lacking_level = models.CharField(_("at level"), max_length=16, choices=Level.choices, blank=True)
    recurrence = models.CharField(
        _("recurrence"), max_length=16, choices=Recurrence.choices, default=Recurrence.ONCE
    )
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on (fixed date)"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(_("due N days after assignment"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__isnull=False) | models.Q(due_days__isnull=False),
                name="plan_has_a_due_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlanItem(models.Model):
    """What a plan asks for: a module, an exam or a live session (a Wagtail page)."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "page"], name="unique_plan_item")]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.page_id}"


class PlanRound(models.Model):
    """One round of a plan (第N轮): a one-off plan has one, a recurring plan one per period."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField()

    class Meta:
        verbose_name = _("plan round")
        verbose_name_plural = _("plan rounds")
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_round")]

    def __str__(self) -> str:
        return f"{self.plan} #{self.number}"


class Assignment(models.Model):
    """One person's task in one round (培训任务). Kept when they leave the audience (left_on)."""

    round = models.ForeignKey(PlanRound, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="assignments")
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("due on"))
    items_done = models.PositiveSmallIntegerField(default=0)
    items_total = models.PositiveSmallIntegerField(default=0)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    left_on = models.DateField(_("left the audience on"), null=True, blank=True)
    escalated_on = models.DateField(_("escalated to the manager on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "staff"], name="one_assignment_per_round")]
        indexes = [
            models.Index(fields=["staff", "completed_on"]),
            models.Index(fields=["completed_on", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.staff}"

    @property
    def percent(self) -> int:
        return round(100 * self.items_done / self.items_total) if self.items_total else 0


class ExtensionRequest(models.Model):
    """A learner asks for more time (延期申请); the manager approves or refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extension_requests")
    requested_due_on = models.DateField(_("new due date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    previous_due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(status="pending"),
                name="one_pending_extension_per_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.requested_due_on}"


class GapProposal(models.Model):
    """A proposed assignment where a station's coverage of an area it offers fell below K
    (补缺建议); the station's manager confirms it or picks someone else."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")
        RESOLVED = "resolved", _("Resolved by itself")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="gap_proposals")
    area = models.ForeignKey(BusinessArea, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Staff, on_delete=models.CASCADE, null=True, related_name="+")
    why = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    plan = models.ForeignKey(TrainingPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("gap proposal")
        verbose_name_plural = _("gap proposals")
        ordering = ["org_unit__path", "area__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "area"],
                condition=models.Q(status="open"),
                name="one_open_gap_per_unit_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} · {self.area_id} · {self.status}"


@register_setting(icon="date")
class PlanSettings(BaseGenericSetting):
    """When the platform reminds and escalates (提醒与督办)."""

    remind_days_before = models.PositiveSmallIntegerField(
        _("remind this many days before the due date"), default=3
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to the manager this many days after the due date"), default=3
    )
    gap_due_days = models.PositiveSmallIntegerField(
        _("days to close a coverage gap"), default=30, help_text=_("Due date of a confirmed gap proposal.")
    )

    panels = [FieldPanel("remind_days_before"), FieldPanel("escalate_after_days"), FieldPanel("gap_due_days")]

    class Meta:
        verbose_name_plural = _("plan settings")
        verbose_name = _("plan settings")
