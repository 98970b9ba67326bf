"""The client's address (客户端地址) for lockouts and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from: the connection's (REMOTE_ADDR), or, only when the site
    is configured to run behind a reverse proxy (``CLIENT_IP_HEADER``), the address that proxy wrote
    into that header. With X-Forwarded-For the client may prepend anything, so the address is the
    ``CLIENT_IP_PROXY_COUNT``-th from the right (the one our own outermost proxy appended)."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        key = "HTTP_" + header.upper().replace("-", "_")
        value = request.META.get(key, "")
        parts = [p.strip() for p in value.split(",") if p.strip()]
        count = max(int(getattr(settings, "CLIENT_IP_PROXY_COUNT", 1)), 1)
        if len(parts) >= count:
            return parts[-count][:45]
    return request.META.get("REMOTE_ADDR") or None
