"""Fixed moments for the notification tests: the services take ``now``, so no clock is patched."""

import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, *, day: int = 2) -> datetime.datetime:
    """A moment in March 2026, Beijing time."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)
