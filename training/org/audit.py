"""The audit trail (操作审计): one call per change worth answering for later."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .models import AuditEvent

_suspended: ContextVar[bool] = ContextVar("audit_suspended", default=False)


@contextmanager
def audit_suspended() -> Iterator[None]:
    """No audit records while a backup is restored: loading the archive re-creates group
    memberships and permissions, which the account receivers would otherwise record as new
    changes (the archive's own audit trail is restored as it was)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def audit_record(*, actor, action: str, target: str = "", details: dict | None = None) -> AuditEvent | None:
    """Record that ``actor`` did ``action`` (a dotted name such as ``roster.import``,
    ``certification.revoke``, ``plan.create``, ``export.personal_data``) to ``target``.
    Call it inside the transaction of the change, so the record and the change stand or fall
    together. Nothing is recorded inside ``audit_suspended()``."""
    if _suspended.get():
        return None
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action[:60],
        target=str(target)[:200],
        details=details or {},
    )
