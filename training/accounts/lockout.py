"""Failed-login throttling (登录失败锁定) on top of django-axes.

Two separate counts over the cool-off window (``AXES_COOLOFF_TIME`` after each record's last
failure): failures for one account, from any address, and failures from one address, for any
account. An account is locked at ``AXES_FAILURE_LIMIT``; an address at
``AXES_ADDRESS_FAILURE_LIMIT``, higher because a whole station (or a district's government
network) often reaches us through one NAT address. django-axes compares a single number with a
single limit, so ``get_failures`` answers the account limit when either count has reached its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt

from .net import client_ip


@dataclass(frozen=True)
class LockState:
    """Failures counted for one account and one address, and when each lock (if any) ends."""

    by_account: int
    by_address: int
    account_until: datetime.datetime | None
    address_until: datetime.datetime | None

    @property
    def locked(self) -> bool:
        return self.account_until is not None or self.address_until is not None

    @property
    def until(self) -> datetime.datetime | None:
        ends = [t for t in (self.account_until, self.address_until) if t is not None]
        return max(ends) if ends else None


def lock_state(
    *, username: str | None, ip_address: str | None, now: datetime.datetime | None = None
) -> LockState:
    """How many failures count now against ``username`` and ``ip_address`` (两项分别计数), and the
    end of each lock that their limits impose."""
    now = now or timezone.now()
    cool_off = get_cool_off() or datetime.timedelta(0)
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)

    def count(**filters) -> tuple[int, datetime.datetime | None]:
        if not all(filters.values()):
            return 0, None
        row = recent.filter(**filters).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        return row["n"] or 0, row["last"]

    by_account, account_last = count(username=username)
    by_address, address_last = count(ip_address=ip_address)
    account_locked = by_account >= settings.AXES_FAILURE_LIMIT
    address_locked = by_address >= settings.AXES_ADDRESS_FAILURE_LIMIT
    return LockState(
        by_account=by_account,
        by_address=by_address,
        account_until=account_last + cool_off if account_locked else None,
        address_until=address_last + cool_off if address_locked else None,
    )


class StationAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with separate limits per account and per address, and a
    successful login that clears only that account's failures (clearing the address too would let
    anyone holding one valid login wipe the count against every other account tried from there)."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        state = lock_state(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            now=request.axes_attempt_time,
        )
        if state.locked:
            return max(state.by_account, settings.AXES_FAILURE_LIMIT)
        return state.by_account

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """The lockout page (登录已锁定) in the visitor's language, with the time the lock ends, for the
    site login and the Wagtail admin login alike. HTTP 429."""
    username = get_client_username(request, credentials) or ""
    state = lock_state(
        username=username, ip_address=getattr(request, "axes_ip_address", None) or client_ip(request)
    )
    until = state.until or (timezone.now() + (get_cool_off() or datetime.timedelta(0)))
    context = {
        "username": username,
        "until": timezone.localtime(until),
        "by_address": state.address_until is not None and state.account_until is None,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int((get_cool_off() or datetime.timedelta(0)).total_seconds() // 60),
    }
    return render(request, "accounts/locked_out.html", context, status=429)
