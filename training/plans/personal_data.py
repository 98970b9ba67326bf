"""The plans app's part of a person's data download and erasure (培训任务); see
training/org/personal_data.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from training.notify.models import Notification
from training.org.models import AuditEvent
from training.org.personal_data import Erasure, PersonalDataExport, Section, columns_of

from .models import Assignment, ExtensionRequest


def collect_plans(export: PersonalDataExport) -> None:
    """Plan assignments (rounds included) and extension requests with their decisions. Two queries."""
    staff = export.staff
    fields = [
        "round__plan__title",
        "round__number",
        "assigned_on",
        "due_on",
        "items_done",
        "items_total",
        "completed_on",
        "left_on",
    ]
    assignments = Assignment.objects.filter(staff=staff).order_by("assigned_on", "pk").values(*fields)
    export.add(
        Section(
            "assignments",
            _("Training tasks"),
            columns_of(
                Assignment,
                fields,
                round__plan__title=_("Training plan"),
                round__number=_("Round"),
                items_done=_("Items done"),
                items_total=_("Items in total"),
            ),
            list(assignments),
        )
    )
    statuses = dict(ExtensionRequest.Status.choices)
    requests = (
        ExtensionRequest.objects.filter(assignment__staff=staff)
        .order_by("created_at", "pk")
        .values(
            "assignment__round__plan__title",
            "created_at",
            "previous_due_on",
            "requested_due_on",
            "reason",
            "status",
            "decided_at",
            "decision_note",
        )
    )
    export.add(
        Section(
            "extension_requests",
            _("Extension requests"),
            columns_of(
                ExtensionRequest,
                [
                    "assignment__round__plan__title",
                    "created_at",
                    "requested_due_on",
                    "reason",
                    "status",
                    "decided_at",
                    "decision_note",
                ],
                assignment__round__plan__title=_("Training plan"),
                created_at=_("Requested at"),
                status=_("Status"),
                decided_at=_("Decided at"),
            ),
            [{**r, "status": str(statuses.get(r["status"], r["status"]))} for r in requests],
        )
    )


def erase_plans(erasure: Erasure) -> None:
    """Their extension reasons and the managers' notes on them are erased, wherever they were
    copied (the managers' notifications, the audit trail); assignments stay for the statistics."""
    staff = erasure.staff
    requests = ExtensionRequest.objects.filter(assignment__staff=staff)
    ids = list(requests.values_list("pk", flat=True))
    if not ids:
        return
    n = requests.exclude(reason="", decision_note="").update(reason="", decision_note="")
    erasure.count("extension_texts", n)
    keys = [f"extension:{pk}:{step}" for pk in ids for step in ("requested", "decided")]
    n = Notification.objects.filter(dedupe_key__in=keys).exclude(body="").update(body="")
    erasure.count("notifications", n)
    for event in AuditEvent.objects.filter(
        action__startswith="plan.extension_", target__startswith=f"{staff.name}《"
    ):
        if event.details.get("note"):
            event.details["note"] = ""
            AuditEvent.objects.filter(pk=event.pk).update(details=event.details)
            erasure.count("audit_notes", 1)
