"""Clock arithmetic of the notification channels, without the ORM: quiet hours (免打扰时段) that may
wrap midnight, the digest window (每日汇总) and the retry backoff of robot webhooks (重试退避)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

RETRY_BASE = datetime.timedelta(minutes=1)
RETRY_CAP = datetime.timedelta(minutes=60)
MAX_ATTEMPTS = 6


def local_tz() -> ZoneInfo:
    """The platform's one clock: Asia/Shanghai (settings.TIME_ZONE)."""
    return ZoneInfo(settings.TIME_ZONE)


def local(now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(local_tz())


def in_quiet_hours(now: datetime.datetime, start: datetime.time, end: datetime.time) -> bool:
    """Whether ``now`` falls in [start, end) local time. start > end wraps midnight
    (21:00–08:00); start == end means no quiet hours at all."""
    t = local(now).time()
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def quiet_hours_end(now: datetime.datetime, start: datetime.time, end: datetime.time) -> datetime.datetime:
    """The first moment at or after ``now`` outside quiet hours (``now`` itself when not quiet)."""
    if not in_quiet_hours(now, start, end):
        return now
    here = local(now)
    end_today = datetime.datetime.combine(here.date(), end, tzinfo=local_tz())
    # Quiet until ``end`` today when it is still ahead, else (past ``start`` in the evening) tomorrow.
    return end_today if here < end_today else end_today + datetime.timedelta(days=1)


def digest_due(
    now: datetime.datetime, digest_at: datetime.time, start: datetime.time, end: datetime.time
) -> bool:
    """The daily digest goes out at or after ``digest_at`` local time, and never in quiet hours."""
    return local(now).time() >= digest_at and not in_quiet_hours(now, start, end)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after ``attempts`` failed tries: 1, 2, 4, 8 … minutes, at most an hour."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)
