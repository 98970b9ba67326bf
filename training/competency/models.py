import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from training.org.choices import Level
from training.org.models import BusinessArea, Staff


class CertificationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class CertificationSource(models.TextChoices):
    RULE = "rule", _("Earned by completing the module")
    MANUAL = "manual", _("Issued by hand")


def _verify_token() -> str:
    return secrets.token_urlsafe(16)


class Certification(models.Model):
    """A certification (资格证书): one person holds one area at one level until it expires."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="certifications")
    area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="certifications")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=16, choices=CertificationStatus.choices, default=CertificationStatus.VALID
    )
    source = models.CharField(
        _("source"), max_length=16, choices=CertificationSource.choices, default=CertificationSource.RULE
    )
    module_id = models.IntegerField(_("module"), null=True, blank=True)
    # Public verification (证书核验): 128 random bits, so tokens can be neither guessed nor counted.
    verify_token = models.CharField(max_length=32, unique=True, default=_verify_token, editable=False)
    last_renewed_on = models.DateField(_("last renewed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "pk"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        indexes = [
            models.Index(fields=["staff", "area", "status"]),
            models.Index(fields=["status", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.staff} {self.area} {self.get_level_display()}"


class CertificationEvent(models.Model):
    """An entry of a certification's history: nothing is overwritten, every change is an event."""

    class Type(models.TextChoices):
        ISSUED = "issued", _("Issued")
        RENEWED = "renewed", _("Renewed")
        EXPIRING = "expiring", _("Renewal window opened")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=16, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)  # e.g. the expiry before and after a renewal
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certification event")
        verbose_name_plural = _("certification events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.certification_id} · {self.type}"


class CertificationRule(models.Model):
    """What a certification of one area and level needs, and how long it lasts (认证规则).

    Without a rule, completing a module of that area and level earns it, valid for the years in
    the competency settings.
    """

    area = models.ForeignKey(
        BusinessArea,
        on_delete=models.CASCADE,
        related_name="certification_rules",
        verbose_name=_("business area"),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    validity_years = models.PositiveSmallIntegerField(_("validity in years"), default=3)
    renewal_window_days = models.PositiveSmallIntegerField(
        _("renewal window in days"), default=90, help_text=_("Renewal opens this many days before expiry.")
    )
    modules = models.ManyToManyField(
        "courses.ModulePage",
        blank=True,
        related_name="+",
        verbose_name=_("modules to complete"),
        help_text=_("Empty: the module of this area and level."),
    )
    exam = models.ForeignKey(
        "exams.ExamPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("formal exam to pass"),
    )
    min_exam_score = models.PositiveSmallIntegerField(
        _("minimum exam score (%)"), null=True, blank=True, help_text=_("Empty: the exam's own pass mark.")
    )
    require_live_attendance = models.BooleanField(
        _("live session attendance"),
        default=False,
        help_text=_("Signed in to a live session of these modules."),
    )
    require_practical = models.BooleanField(
        _("practical assessment"),
        default=False,
        help_text=_("A trainer has recorded a passed practical assessment."),
    )

    class Meta:
        verbose_name = _("certification rule")
        verbose_name_plural = _("certification rules")
        constraints = [models.UniqueConstraint(fields=["area", "level"], name="one_rule_per_area_level")]

    def __str__(self) -> str:
        return f"{self.area} · {self.get_level_display()}"


class PracticalAssessment(models.Model):
    """A practical assessment (实操考核) recorded by a trainer: the person handled a business item
    at the counter under observation."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="practical_assessments")
    area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    passed = models.BooleanField(_("passed"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    assessed_on = models.DateField(_("assessed on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("practical assessment")
        verbose_name_plural = _("practical assessments")
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.staff} {self.area} {self.level} {self.passed}"
