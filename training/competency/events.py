"""Audit trail of certifications: one writer per event type."""

from __future__ import annotations

from .models import Certification, CertificationEvent


def event_certification_issued(
    *, certification: Certification, actor=None, reason: str = ""
) -> CertificationEvent:
    return CertificationEvent.objects.create(
        certification=certification, type=CertificationEvent.Type.ISSUED, actor=actor, reason=reason
    )


def event_certifications_expired(*, certification_ids: list[int]) -> None:
    CertificationEvent.objects.bulk_create(
        CertificationEvent(certification_id=pk, type=CertificationEvent.Type.EXPIRED)
        for pk in certification_ids
    )
