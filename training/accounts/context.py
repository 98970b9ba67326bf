"""The request being served, for audit records written by model signals (who changed a group,
a permission or a superuser flag in the Wagtail admin, and from which address)."""

from __future__ import annotations

from contextvars import ContextVar

current_request: ContextVar = ContextVar("accounts_current_request", default=None)


def request_actor_and_ip():
    """(actor, address) of the request being served; (None, None) outside a request (the system)."""
    from .net import client_ip

    request = current_request.get()
    if request is None:
        return None, None
    user = getattr(request, "user", None)
    actor = user if getattr(user, "is_authenticated", False) else None
    return actor, client_ip(request)
