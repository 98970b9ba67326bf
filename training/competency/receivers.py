"""Connections to the lower apps' signals: each only queues our own task."""

from .tasks import certification_award_for_module_task, certification_evaluate_task


def on_module_completed(sender, *, user_id: int, module_id: int, **kwargs) -> None:
    # The signal is already sent after commit; the task, not the request, issues the certificate.
    certification_award_for_module_task.delay(user_id=user_id, module_id=module_id)


def on_attempt_graded(
    sender, *, attempt_id: int, user_id: int, exam_id: int | None, passed, **kwargs
) -> None:
    # Only a passed exam that a certification rule names can complete a certification.
    if not passed or exam_id is None:
        return
    from .models import CertificationRule

    for area_id, level in CertificationRule.objects.filter(exam_id=exam_id).values_list("area_id", "level"):
        certification_evaluate_task.delay(user_id=user_id, area_id=area_id, level=level)


def on_certification_event_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A change a person made to a certification (by-hand issue, revocation, renewal) goes into the
    platform's audit trail too; the nightly job's own events do not."""
    if not created or raw or instance.actor_id is None:
        return
    from training.org.audit import audit_record

    cert = instance.certification
    audit_record(
        actor=instance.actor,
        action=f"certification.{instance.type}",
        target=f"{cert.number} {cert.staff.name} {cert.area.name}",
        details={"certification": cert.pk, "reason": instance.reason, **(instance.data or {})},
    )
