"""Wrong sign-in codes (签到码试错限制): at most ``WRONG_CODE_LIMIT`` tries that turn out wrong per
person and live session in any ``WINDOW_SECONDS``; then the person waits until the oldest of them
is that old. A six-digit code cannot be found by guessing at five tries per ten minutes.

Kept in Django's cache (Redis when configured, shared by every web process), as ``WRONG_CODE_LIMIT``
slots per person and session. A try first claims a free slot with ``cache.add`` (atomic: two
requests at the same moment never take the same slot), so parallel requests cannot get more tries
between them; a right code gives its slot back. A slot holds the time of its try and expires when
its window ends. Without Redis each web process has its own memory cache, and so its own count.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache

WRONG_CODE_LIMIT = 5
WINDOW_SECONDS = 10 * 60


@dataclass(frozen=True)
class SigninTry:
    """A claimed try (``slot`` is its cache key), or a refusal with the seconds left to wait."""

    slot: str | None
    wait_seconds: int = 0


def _slots(*, user_id: int, page_id: int) -> list[str]:
    return [f"courses:signin-try:{page_id}:{user_id}:{n}" for n in range(WRONG_CODE_LIMIT)]


def signin_try_claim(*, user_id: int, page_id: int, now: float) -> SigninTry:
    """Claim one try of a sign-in code, or say how long to wait when the last ``WRONG_CODE_LIMIT``
    tries of the window were all wrong."""
    slots = _slots(user_id=user_id, page_id=page_id)
    # The entry lives until the window of this try ends (by the caller's clock).
    timeout = max(1, math.ceil(now + WINDOW_SECONDS - time.time()))
    for slot in slots:
        if cache.add(slot, now, timeout):
            return SigninTry(slot)
    held = [stamp for stamp in cache.get_many(slots).values() if stamp is not None]
    if len(held) < WRONG_CODE_LIMIT:  # one expired just now: take it
        for slot in slots:
            if cache.add(slot, now, timeout):
                return SigninTry(slot)
    oldest = min(held, default=now)
    return SigninTry(None, max(1, math.ceil(oldest + WINDOW_SECONDS - now)))


def signin_try_release(attempt: SigninTry) -> None:
    """A try whose code was right does not count against the person."""
    if attempt.slot:
        cache.delete(attempt.slot)
