"""The competency app's part of a person's data download and erasure (证书记录); see
training/org/personal_data.py."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from training.org.models import AuditEvent
from training.org.personal_data import Attachment, Erasure, PersonalDataExport, Section, columns_of

from .certificates import certificates_pdf
from .models import Certification, CertificationEvent, CertificationStatus, PracticalAssessment
from .services import _certificate_text


def collect_certifications(export: PersonalDataExport) -> None:
    """Certifications (with their history and, unless revoked, their PDF) and practical
    assessments. Three queries; the PDFs are drawn here, one per certification."""
    staff = export.staff
    certs = list(Certification.objects.filter(staff=staff).select_related("area").order_by("issued_on", "pk"))
    fields = ["number", "area", "level", "issued_on", "expires_on", "last_renewed_on", "status", "source"]
    export.add(
        Section(
            "certifications",
            _("Certifications"),
            columns_of(Certification, fields),
            [
                {
                    "number": c.number,
                    "area": c.area.name,
                    "level": c.get_level_display(),
                    "issued_on": c.issued_on,
                    "expires_on": c.expires_on,
                    "last_renewed_on": c.last_renewed_on,
                    "status": c.get_status_display(),
                    "source": c.get_source_display(),
                }
                for c in certs
            ],
        )
    )
    for cert in certs:
        if cert.status == CertificationStatus.REVOKED:
            continue
        cert.staff = staff  # already loaded with its unit: no query per certificate
        export.attachments.append(
            Attachment(
                path=f"certificates/{cert.number}.pdf",
                title=f"{cert.area.name} {cert.get_level_display()} {cert.number}",
                data=certificates_pdf([_certificate_text(cert, export.verify_base)]),
            )
        )
    numbers = {c.pk: c.number for c in certs}
    types = dict(CertificationEvent.Type.choices)
    events = CertificationEvent.objects.filter(certification__staff=staff).order_by("created_at", "pk")
    export.add(
        Section(
            "certification_events",
            _("Certification history"),
            [
                ("certification", str(_("Certificate number"))),
                ("type", str(_("Event"))),
                ("created_at", str(_("When"))),
                ("reason", str(_("Reason"))),
            ],
            [
                {
                    "certification": numbers.get(e["certification_id"], ""),
                    "type": str(types.get(e["type"], e["type"])),
                    "created_at": e["created_at"],
                    "reason": e["reason"],
                }
                for e in events.values("certification_id", "type", "created_at", "reason")
            ],
        )
    )
    assessments = (
        PracticalAssessment.objects.filter(staff=staff).select_related("area").order_by("assessed_on")
    )
    export.add(
        Section(
            "practical_assessments",
            _("Practical assessments"),
            columns_of(
                PracticalAssessment,
                ["area", "level", "passed", "assessed_on", "notes"],
                area=_("Business area"),
            ),
            [
                {
                    "area": a.area.name,
                    "level": a.get_level_display(),
                    "passed": a.passed,
                    "assessed_on": a.assessed_on,
                    "notes": a.notes,
                }
                for a in assessments
            ],
        )
    )
    if numbers:
        export.audit_q.append(Q(details__certification__in=list(numbers)))


def erase_certifications(erasure: Erasure) -> None:
    """The reasons written on their certifications' events and the notes of their practical
    assessments are erased; the certifications stay as history (dates, status, numbers)."""
    staff = erasure.staff
    n = CertificationEvent.objects.filter(certification__staff=staff).exclude(reason="").update(reason="")
    erasure.count("certification_reasons", n)
    n = PracticalAssessment.objects.filter(staff=staff).exclude(notes="").update(notes="")
    erasure.count("assessment_notes", n)
    # The same reasons were copied into the audit trail (certification.issued / revoked …).
    ids = list(Certification.objects.filter(staff=staff).values_list("pk", flat=True))
    if ids:
        for event in AuditEvent.objects.filter(details__certification__in=ids):
            if event.details.get("reason"):
                event.details["reason"] = ""
                AuditEvent.objects.filter(pk=event.pk).update(details=event.details)
                erasure.count("audit_reasons", 1)
