from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from treebeard.mp_tree import MP_Node

from .choices import Employment, Role, UnitLevel


class BusinessArea(models.Model):
    """A business area of the service points (业务领域); admins can extend the catalogue."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("name_en"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("business area")
        verbose_name_plural = _("business areas")

    def __str__(self) -> str:
        return self.name


class OrgUnit(MP_Node):
    """A node of the organisation tree (机构/站点): city, district/county, street/town, community/village.

    The materialised path lets every subtree query be one ``path LIKE 'prefix%'`` condition.
    """

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    is_rural = models.BooleanField(_("rural"), default=False)
    population = models.PositiveIntegerField(_("population served"), default=0)
    areas = models.ManyToManyField(
        BusinessArea, blank=True, related_name="units", verbose_name=_("business areas offered")
    )

    node_order_by = ["code"]

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("level"),
        FieldPanel("is_rural"),
        FieldPanel("population"),
        FieldPanel("areas"),
    ]

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """A member of staff (工作人员) linked to a login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("name"), max_length=40)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit")
    )
    post = models.CharField(_("post"), max_length=60, blank=True)
    employment = models.CharField(
        _("employment"), max_length=16, choices=Employment.choices, default=Employment.FULL_TIME
    )
    speciality = models.ForeignKey(
        BusinessArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="specialists",
        verbose_name=_("speciality"),
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Personal data: shown masked (see training/org/privacy.py) unless the viewer's role needs it.
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True, unique=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["org_unit__path", "name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        indexes = [models.Index(fields=["org_unit", "name"])]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A role held by a login. A manager's role is bound to the org unit whose subtree they see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("unit"),
    )
    areas = models.ManyToManyField(
        BusinessArea,
        blank=True,
        related_name="trainer_roles",
        verbose_name=_("business areas"),
        help_text=_("For trainers: the areas whose content they may author. Empty means all areas."),
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org_unit"], name="unique_role_per_user_unit"),
            models.CheckConstraint(
                condition=~models.Q(role="manager") | models.Q(org_unit__isnull=False),
                name="manager_role_needs_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


@register_setting(icon="cog")
class CompetencySettings(BaseGenericSetting):
    """Tunable numbers of the competency measures (一专多能, 业务覆盖, 有效期)."""

    multi_skill_min_areas = models.PositiveSmallIntegerField(
        _("areas for multi-skilled"),
        default=3,
        help_text=_("A person is multi-skilled with valid certifications in at least this many areas."),
    )
    coverage_min_holders = models.PositiveSmallIntegerField(
        _("holders for coverage"),
        default=1,
        help_text=_(
            "A station covers an area when at least this many of its staff hold a valid certification in it."
        ),
    )
    validity_years = models.PositiveSmallIntegerField(
        _("validity in years"), default=3, help_text=_("How long a new certification is valid.")
    )
    expiring_days = models.PositiveSmallIntegerField(
        _("expiring window in days"),
        default=90,
        help_text=_("A certification is shown as expiring this many days before its expiry date."),
    )

    class Meta:
        verbose_name_plural = _("competency settings")
        verbose_name = _("competency settings")


class Job(models.Model):
    """A long job run in the background (后台任务): its progress lives here, so the page that
    started it can poll it, and it survives a worker restart."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.FileField(upload_to="jobs", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Recovery after a lost worker (see training/jobs/services.py): the task that runs the job, how many
    # runs claimed it, which process runs it now ("host:pid:start"), and when it counts as lost.
    task_name = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    source = models.FileField(upload_to="jobs/in", blank=True)  # an uploaded file the job reads

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "lease_until"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)


class AuditEvent(models.Model):
    """Who changed what, and when (操作审计): roster imports, certification changes, plan changes,
    exports of personal data, role changes. Written by ``training.org.audit.audit_record``; never
    edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target = models.CharField(_("object"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.target}"


class StaffTransfer(models.Model):
    """A move of a person from one unit to another (人员调动), kept as history. The unit names are
    copied as full paths, so the record still reads right after a unit is renamed, moved or merged
    away (its link then goes empty)."""

    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("staff member")
    )
    from_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from unit"),
    )
    to_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to unit"),
    )
    from_unit_label = models.CharField(_("from unit"), max_length=400, blank=True)
    to_unit_label = models.CharField(_("to unit"), max_length=400, blank=True)
    on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("staff transfer")
        verbose_name_plural = _("staff transfers")

    def __str__(self) -> str:
        return f"{self.on} {self.staff_id}: {self.from_unit_label} → {self.to_unit_label}"


class Counter(models.Model):
    """A named counter (编号计数器) whose numbers are handed out once each, in order, by
    ``training.org.login_names.counter_take``; ``last`` is the last number handed out."""

    name = models.CharField(max_length=40, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name} {self.last}"
