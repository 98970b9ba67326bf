"""The audit trail (操作审计): one call per change worth answering for later."""

from __future__ import annotations

from .models import AuditEvent


def audit_record(*, actor, action: str, target: str = "", details: dict | None = None) -> AuditEvent:
    """Record that ``actor`` did ``action`` (a dotted name such as ``roster.import``,
    ``certification.revoke``, ``plan.create``, ``export.personal_data``) to ``target``.
    Call it inside the transaction of the change, so the record and the change stand or fall
    together."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action[:60],
        target=str(target)[:200],
        details=details or {},
    )
