"""Issuing and ageing certifications (资格证书的颁发与到期)."""

from __future__ import annotations

import datetime
import io
import uuid
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from courses.models import ModulePage
from courses.selectors import module_is_completed_by
from training.jobs.services import job_create, job_finish, job_progress
from training.org.choices import LEVEL_RANK
from training.org.models import BusinessArea, Job, OrgUnit, Staff
from training.org.selectors import competency_settings

from .certificates import CertificateText, certificates_pdf, draw_certificate
from .dates import add_years, renewal_opens_on, renewed_expiry
from .events import event_certification_issued, event_certifications_expired
from .models import (
    Certification,
    CertificationEvent,
    CertificationRule,
    CertificationSource,
    CertificationStatus,
    PracticalAssessment,
)
from .selectors import valid_certifications_q


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
    """Issue a certification (颁发证书) valid from ``issued_on`` for the years of its rule (or the
    competency settings' default)."""
    issued_on = issued_on or timezone.localdate()
    validity, _ = rule_terms(area_id=area.pk, level=level)
    cert = Certification.objects.create(
        staff=staff,
        area=area,
        level=level,
        number=uuid.uuid4().hex[:32],
        issued_on=issued_on,
        expires_on=add_years(issued_on, validity),
        source=source,
        module_id=module_id,
    )
    cert.number = _certificate_number(cert, area)
    cert.save(update_fields=["number"])
    event_certification_issued(certification=cert, actor=actor, reason=reason)
    return cert


def rule_terms(*, area_id: int, level: str) -> tuple[int, int]:
    """Validity in years and renewal window in days of an area and level (认证规则), falling back
    to the competency settings."""
    rule = CertificationRule.objects.filter(area_id=area_id, level=level).first()
    if rule is not None:
        return rule.validity_years, rule.renewal_window_days
    settings = competency_settings()
    return settings.validity_years, settings.expiring_days


MANUAL_NEEDS_REASON = _("Issuing or revoking by hand needs a reason.")
NOT_ALLOWED = _("Only trainers and administrators issue or revoke certifications.")
OUTSIDE_YOUR_AREAS = _("This business area is not one of yours.")
ALREADY_REVOKED = _("This certification is already revoked.")
NOT_RENEWABLE_YET = _("Renewal opens %(days)s days before expiry.")


def _check_actor(actor, *, area_id: int) -> None:
    """By-hand acts on a certification (人工发证、撤销、续证、实操考核) are for administrators, and
    for trainers within their business areas; managers and learners make none."""
    from training.org.selectors import may_act_on_area, scope_for_user

    if actor is None or not scope_for_user(actor).is_trainer:
        raise CertificationError(NOT_ALLOWED)
    if not may_act_on_area(user=actor, area_id=area_id):
        raise CertificationError(OUTSIDE_YOUR_AREAS)


class CertificationError(Exception):
    """A certification rule refused the request; the message is shown to the user."""


@transaction.atomic
def certification_issue_manual(
    *,
    staff: Staff,
    area: BusinessArea,
    level: str,
    actor,
    reason: str,
    issued_on: datetime.date | None = None,
) -> Certification:
    """A trainer or administrator issues a certification by hand (人工发证), with the evidence and
    reason recorded in its first event."""
    _check_actor(actor, area_id=area.pk)
    if not (reason or "").strip():
        raise CertificationError(MANUAL_NEEDS_REASON)
    return certification_issue(
        staff=staff,
        area=area,
        level=level,
        issued_on=issued_on,
        source=CertificationSource.MANUAL,
        actor=actor,
        reason=reason.strip(),
    )


@transaction.atomic
def certification_revoke(*, certification: Certification, actor, reason: str) -> Certification:
    """Revoke a certification (撤销) with a reason; the row keeps its dates, an event says who,
    when and why."""
    _check_actor(actor, area_id=certification.area_id)
    if not (reason or "").strip():
        raise CertificationError(MANUAL_NEEDS_REASON)
    cert = Certification.objects.select_for_update().get(pk=certification.pk)
    if cert.status == CertificationStatus.REVOKED:
        raise CertificationError(ALREADY_REVOKED)
    previous = cert.status
    cert.status = CertificationStatus.REVOKED
    cert.save(update_fields=["status"])
    CertificationEvent.objects.create(
        certification=cert,
        type=CertificationEvent.Type.REVOKED,
        actor=actor,
        reason=reason.strip(),
        data={"previous_status": previous},
    )
    return cert


@transaction.atomic
def certification_renew(
    *, certification: Certification, renewed_on: datetime.date | None = None, actor=None, reason: str = ""
) -> Certification:
    """Renew a certification (续证) once its renewal window has opened: inside the window the new
    expiry runs from the old one, after it lapsed from the renewal date. ``actor`` None is the
    system renewing because the conditions were met again; a person renewing by hand is held to
    the by-hand rule (administrators, trainers within their areas)."""
    renewed_on = renewed_on or timezone.localdate()
    cert = Certification.objects.select_for_update().get(pk=certification.pk)
    if actor is not None:
        _check_actor(actor, area_id=cert.area_id)
    if cert.status == CertificationStatus.REVOKED:
        raise CertificationError(ALREADY_REVOKED)
    validity, window = rule_terms(area_id=cert.area_id, level=cert.level)
    if renewed_on < renewal_opens_on(expires_on=cert.expires_on, window_days=window):
        raise CertificationError(NOT_RENEWABLE_YET % {"days": window})
    old = cert.expires_on
    cert.expires_on = renewed_expiry(expires_on=old, renewed_on=renewed_on, validity_years=validity)
    cert.last_renewed_on = renewed_on
    cert.status = CertificationStatus.VALID
    cert.save(update_fields=["expires_on", "last_renewed_on", "status"])
    CertificationEvent.objects.create(
        certification=cert,
        type=CertificationEvent.Type.RENEWED,
        actor=actor,
        reason=reason,
        data={"old_expires_on": old.isoformat(), "new_expires_on": cert.expires_on.isoformat()},
    )
    return cert


def rule_is_met(*, staff: Staff, area_id: int, level: str) -> bool:
    """Whether a person meets what earns a certification of an area and level (发证条件):

    - without a rule: the live module of that area and level is completed;
    - with a rule: every module it names is completed (none named: as without a rule), its formal
      exam is passed with at least its minimum score, a live session of those modules was attended
      if it asks for one, and a trainer recorded a passed practical assessment if it asks for one.
    """
    from courses.models import LiveAttendance
    from exams.choices import AttemptStatus
    from exams.models import Attempt

    rule = CertificationRule.objects.filter(area_id=area_id, level=level).first()
    modules = list(rule.modules.all()) if rule is not None else []
    if not modules:
        modules = list(ModulePage.objects.live().filter(area_id=area_id, level=level))
    if not modules or not all(module_is_completed_by(module=m, user=staff.user) for m in modules):
        return False
    if rule is None:
        return True
    if rule.exam_id:
        passed = Attempt.objects.filter(
            user=staff.user, exam_id=rule.exam_id, status=AttemptStatus.GRADED, passed=True
        )
        if rule.min_exam_score is not None:
            passed = passed.filter(score__gte=rule.min_exam_score)
        if not passed.exists():
            return False
    if rule.require_live_attendance:
        paths = [m.path for m in modules]
        attended = LiveAttendance.objects.filter(user=staff.user).values_list("page__path", flat=True)
        if not any(p.startswith(tuple(paths)) for p in attended):
            return False
    if not rule.require_practical:
        return True
    return PracticalAssessment.objects.filter(staff=staff, area_id=area_id, level=level, passed=True).exists()


@transaction.atomic
def certification_evaluate(
    *, user_id: int, area_id: int, level: str, module_id: int | None = None
) -> Certification | None:
    """Issue (or renew) a certification when its conditions are met (自动发证). Idempotent: a
    person who already holds a valid one keeps it, unless its renewal window is open, in which
    case meeting the conditions again renews it; a task that runs twice issues once."""
    staff = Staff.objects.select_for_update().select_related("user").filter(user_id=user_id).first()
    if staff is None or not rule_is_met(staff=staff, area_id=area_id, level=level):
        return None
    today = timezone.localdate()
    held = (
        Certification.objects.filter(staff=staff, area_id=area_id, level=level, expires_on__gte=today)
        .exclude(status=CertificationStatus.REVOKED)
        .first()
    )
    if held is not None:
        _, window = rule_terms(area_id=area_id, level=level)
        if (
            today >= renewal_opens_on(expires_on=held.expires_on, window_days=window)
            and held.last_renewed_on != today
        ):
            # Meeting the conditions again inside the renewal window is the recertification path.
            return certification_renew(certification=held, renewed_on=today, reason="conditions met again")
        return held
    expired_before = (
        Certification.objects.filter(
            staff=staff, area_id=area_id, level=level, status=CertificationStatus.EXPIRED
        )
        .order_by("-expires_on")
        .first()
    )
    if expired_before is not None:
        return certification_renew(
            certification=expired_before, renewed_on=today, reason="conditions met again"
        )
    return certification_issue(
        staff=staff,
        area=BusinessArea.objects.get(pk=area_id),
        level=level,
        issued_on=today,
        module_id=module_id,
    )


def certification_award_if_eligible(*, user_id: int, module_id: int) -> Certification | None:
    """A module was completed: evaluate the certification of its area and level."""
    module = ModulePage.objects.filter(pk=module_id).first()
    if module is None:
        return None
    return certification_evaluate(
        user_id=user_id, area_id=module.area_id, level=module.level, module_id=module.pk
    )


@transaction.atomic
def practical_record(
    *, staff: Staff, area: BusinessArea, level: str, passed: bool, assessor, notes: str = "", assessed_on=None
) -> PracticalAssessment:
    """A trainer records a practical assessment (实操考核) of their area; a pass may complete a
    certification."""
    _check_actor(assessor, area_id=area.pk)
    record = PracticalAssessment.objects.create(
        staff=staff,
        area=area,
        level=level,
        passed=passed,
        assessor=assessor,
        notes=notes,
        assessed_on=assessed_on or timezone.localdate(),
    )
    if passed:
        from .tasks import certification_evaluate_task

        transaction.on_commit(
            partial(certification_evaluate_task.delay, user_id=staff.user_id, area_id=area.pk, level=level)
        )
    return record


@transaction.atomic
def certifications_expire(*, today: datetime.date | None = None) -> int:
    """The nightly job (每日到期处理): certifications past their expiry date become expired, those
    whose renewal window has opened become expiring; an event for each change. Returns how many
    expired."""
    today = today or timezone.localdate()
    ids = list(
        Certification.objects.filter(expires_on__lt=today)
        .exclude(status__in=[CertificationStatus.EXPIRED, CertificationStatus.REVOKED])
        .values_list("pk", flat=True)
    )
    if ids:
        Certification.objects.filter(pk__in=ids).update(status=CertificationStatus.EXPIRED)
        event_certifications_expired(certification_ids=ids)
    windows = {(r.area_id, r.level): r.renewal_window_days for r in CertificationRule.objects.all()}
    default_window = competency_settings().expiring_days
    horizon = today + datetime.timedelta(days=max([default_window, *windows.values()]))
    expiring = []
    for pk, area_id, level, expires_on in Certification.objects.filter(
        status=CertificationStatus.VALID, expires_on__gte=today, expires_on__lte=horizon
    ).values_list("pk", "area_id", "level", "expires_on"):
        if expires_on - today <= datetime.timedelta(days=windows.get((area_id, level), default_window)):
            expiring.append(pk)
    if expiring:
        Certification.objects.filter(pk__in=expiring).update(status=CertificationStatus.EXPIRING)
        CertificationEvent.objects.bulk_create(
            CertificationEvent(certification_id=pk, type=CertificationEvent.Type.EXPIRING) for pk in expiring
        )
    return len(ids)


def _certificate_text(cert: Certification, verify_base: str) -> CertificateText:
    return CertificateText(
        holder=cert.staff.name,
        unit=cert.staff.org_unit.name,
        area=cert.area.name,
        level=str(cert.get_level_display()),
        number=cert.number,
        issued_on=cert.issued_on.isoformat(),
        expires_on=cert.expires_on.isoformat(),
        verify_url=f"{verify_base.rstrip('/')}/verify/{cert.verify_token}/",
    )


def certificate_pdf(*, certification: Certification, verify_base: str) -> bytes:
    """The PDF of one certification (证书PDF)."""
    return certificates_pdf([_certificate_text(certification, verify_base)])


@transaction.atomic
def certificates_bulk_start(*, user, unit: OrgUnit, verify_base: str) -> Job:
    """Queue the certificates of every valid certification of a subtree as one PDF (批量打印); the
    worker fills it in and the page polls the job's progress."""
    from .tasks import certificates_bulk_task

    return job_create(
        kind="certificates",
        user=user,
        task=certificates_bulk_task,
        params={"unit_id": unit.pk, "verify_base": verify_base},
    )


BATCH = 50


def certificates_bulk_render(*, job: Job) -> Job:
    """Render the certificates of a claimed job in batches, recording progress after each.
    Idempotent: a run cut short starts over, and the PDF is saved under one name per job, so a
    job run twice still leaves one file with each certificate once."""
    unit = OrgUnit.objects.get(pk=job.params["unit_id"])
    certs = list(
        Certification.objects.filter(valid_certifications_q(), staff__org_unit__path__startswith=unit.path)
        .select_related("staff__org_unit", "area")
        .order_by("staff__org_unit__path", "staff__name", "area__sort_order", "pk")
    )
    job_progress(job, done=0, total=len(certs))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=landscape(A4), pageCompression=1)
    for start in range(0, len(certs), BATCH):
        for cert in certs[start : start + BATCH]:
            draw_certificate(pdf, _certificate_text(cert, job.params["verify_base"]))
        job_progress(job, done=min(len(certs), start + BATCH))
    pdf.save()
    name = job.result.field.generate_filename(job, f"certificates-{unit.code}-{job.pk}.pdf")
    if job.result.storage.exists(name):  # left by a run killed between saving and finishing
        job.result.storage.delete(name)
    job.result.save(name.rsplit("/", 1)[-1], ContentFile(out.getvalue()), save=False)
    job_finish(job, result=job.result.name, done=len(certs), total=len(certs))
    return job
