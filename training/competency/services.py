"""Issuing and ageing certifications (资格证书的颁发与到期)."""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from courses.models import ModulePage
from courses.selectors import module_is_completed_by
from training.org.choices import LEVEL_RANK
from training.org.models import BusinessArea, Staff
from training.org.selectors import competency_settings

from .dates import add_years
from .events import event_certification_issued, event_certifications_expired
from .models import Certification, CertificationSource, CertificationStatus


def _certificate_number(cert: Certification, area: BusinessArea) -> str:
    # RS + year + area + level + serial: readable on paper, unique by the row id.
    return f"RS{cert.issued_on:%Y}{area.sort_order + 1:02d}{LEVEL_RANK[cert.level]}{cert.pk:07d}"


@transaction.atomic
def certification_issue(
    *,
    staff: Staff,
    area: BusinessArea,
    level: str,
    issued_on: datetime.date | None = None,
    source: str = CertificationSource.RULE,
    module_id: int | None = None,
    actor=None,
    reason: str = "",
) -> Certification:
    """Issue a certification (颁发证书) valid for the configured number of years from ``issued_on``."""
    settings = competency_settings()
    issued_on = issued_on or timezone.localdate()
    cert = Certification.objects.create(
        staff=staff,
        area=area,
        level=level,
        number=uuid.uuid4().hex[:32],
        issued_on=issued_on,
        expires_on=add_years(issued_on, settings.validity_years),
        source=source,
        module_id=module_id,
    )
    cert.number = _certificate_number(cert, area)
    cert.save(update_fields=["number"])
    event_certification_issued(certification=cert, actor=actor, reason=reason)
    return cert


@transaction.atomic
def certification_award_if_eligible(*, user_id: int, module_id: int) -> Certification | None:
    """Award the module's area × level when the person has completed the whole module (模块结业).

    Idempotent: a person who already holds a valid certification of that area and level keeps it
    and gets no second one, so a task that runs twice issues once.
    """
    staff = Staff.objects.select_for_update().select_related("user").filter(user_id=user_id).first()
    module = ModulePage.objects.filter(pk=module_id).first()
    if staff is None or module is None:
        return None
    if not module_is_completed_by(module=module, user=staff.user):
        return None
    today = timezone.localdate()
    held = (
        Certification.objects.filter(
            staff=staff, area_id=module.area_id, level=module.level, expires_on__gte=today
        )
        .exclude(status=CertificationStatus.REVOKED)
        .first()
    )
    if held is not None:
        return held
    return certification_issue(
        staff=staff, area=module.area, level=module.level, issued_on=today, module_id=module.pk
    )


@transaction.atomic
def certifications_expire(*, today: datetime.date | None = None) -> int:
    """Move certifications past their expiry date to expired (证书到期), with an event each."""
    today = today or timezone.localdate()
    ids = list(
        Certification.objects.filter(expires_on__lt=today)
        .exclude(status__in=[CertificationStatus.EXPIRED, CertificationStatus.REVOKED])
        .values_list("pk", flat=True)
    )
    if ids:
        Certification.objects.filter(pk__in=ids).update(status=CertificationStatus.EXPIRED)
        event_certifications_expired(certification_ids=ids)
    return len(ids)
