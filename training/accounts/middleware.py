"""Session expiry and the two-factor gate, in one pass over the session per request.

Nothing here queries the database or writes the session on an ordinary request: the login time
and the last-seen time are two integers in the session, and the last-seen time is rewritten only
when it is older than ``SESSION_REFRESH_INTERVAL`` (a few minutes), so at most one session write
per person per interval.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

import django_otp

from . import twofactor
from .context import current_request

LOGIN_AT = "accounts_login_at"
SEEN_AT = "accounts_seen_at"


def session_mark_login(session, now: int | None = None) -> None:
    """Start the two clocks of a fresh login."""
    now = int(time.time()) if now is None else now
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


class AccountSecurityMiddleware:
    """1. Remembers the request for audit records written by model signals. 2. Ends a session idle
    for longer than ``SESSION_IDLE_TIMEOUT`` or older than ``SESSION_ABSOLUTE_TIMEOUT`` (会话超时);
    the request then goes on as anonymous, so a page that needs a login sends the person to log in,
    with a message saying why. 3. Sends a person who logged in with a password but still owes a
    second factor to the verify (or setup) page, whichever login page they used (site or admin)."""

    # Paths open to a login that still owes a code: the pages to give it, logging out, assets.
    OPEN_PREFIXES = ("/static/", "/media/", "/favicon", "/i18n/", "/healthz/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            response = self._check(request)
            return response or self.get_response(request)
        finally:
            current_request.reset(token)

    def _check(self, request):
        session = request.session
        if SESSION_KEY not in session:
            return None
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:
            session_mark_login(session, now)  # a session from before these clocks existed
        elif now - login_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
            return self._expire(request, "absolute")
        elif now - seen_at >= settings.SESSION_IDLE_TIMEOUT:
            return self._expire(request, "idle")
        elif now - seen_at >= settings.SESSION_REFRESH_INTERVAL:
            session[SEEN_AT] = now
        state = session.get(twofactor.SESSION_STATE)
        if state is None:
            state = self._judge(request)
        if state != twofactor.DONE:
            return self._gate(request, state)
        return None

    def _judge(self, request) -> str:
        """A session from before its state was set at login (before an upgrade that made two-factor
        login required for administrators): what it owes, judged once and kept in the session. A
        session that already gave a code owes nothing."""
        if django_otp.DEVICE_ID_SESSION_KEY in request.session:
            state = twofactor.DONE
        else:
            state = twofactor.two_factor_state_at_login(request.user) or twofactor.DONE
        request.session[twofactor.SESSION_STATE] = state
        return state

    def _expire(self, request, reason: str):
        request.accounts_logout_reason = f"session_{reason}"
        auth.logout(request)
        if reason == "idle":
            messages.info(
                request, _("You were logged out after a long time without activity. Please log in again.")
            )
        else:
            messages.info(request, _("Your session has reached its maximum length. Please log in again."))
        return None

    def _gate(self, request, state: str):
        path = request.path_info
        target = reverse(
            "accounts:two_factor_setup" if state == twofactor.SETUP else "accounts:two_factor_verify"
        )
        allowed = {target, reverse("logout")}
        if path in allowed or path.startswith(self.OPEN_PREFIXES):
            return None
        if path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": _("Two-factor verification required.")}, status=403)
        next_url = request.get_full_path() if request.method == "GET" else "/"
        return redirect(f"{target}?{urlencode({'next': next_url})}")
