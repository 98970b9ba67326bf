"""Quiet hours, digest window and backoff: pure clock arithmetic."""

import datetime

from tests.notify.clock import at
from training.notify import timing

NIGHT = (datetime.time(21, 0), datetime.time(8, 0))  # wraps midnight
NOON = (datetime.time(12, 0), datetime.time(14, 0))  # same day


def test_quiet_hours_wrap_midnight():
    assert timing.in_quiet_hours(at(21, 0), *NIGHT)
    assert timing.in_quiet_hours(at(23, 59), *NIGHT)
    assert timing.in_quiet_hours(at(0, 30), *NIGHT)
    assert timing.in_quiet_hours(at(7, 59), *NIGHT)
    assert not timing.in_quiet_hours(at(8, 0), *NIGHT)
    assert not timing.in_quiet_hours(at(20, 59), *NIGHT)


def test_quiet_hours_within_one_day_and_none_when_equal():
    assert timing.in_quiet_hours(at(13, 0), *NOON)
    assert not timing.in_quiet_hours(at(14, 0), *NOON)
    assert not timing.in_quiet_hours(at(11, 59), *NOON)
    assert not timing.in_quiet_hours(at(3, 0), datetime.time(8, 0), datetime.time(8, 0))


def test_quiet_hours_are_beijing_time_whatever_the_zone_of_now():
    utc_14_30 = at(22, 30).astimezone(datetime.UTC)  # 14:30 UTC is 22:30 in Beijing
    assert timing.in_quiet_hours(utc_14_30, *NIGHT)


def test_quiet_hours_end_is_next_morning_in_the_evening_and_this_morning_after_midnight():
    assert timing.quiet_hours_end(at(22, 30), *NIGHT) == at(8, 0, day=3)
    assert timing.quiet_hours_end(at(2, 15), *NIGHT) == at(8, 0)
    assert timing.quiet_hours_end(at(13, 0), *NOON) == at(14, 0)
    assert timing.quiet_hours_end(at(10, 0), *NIGHT) == at(10, 0)


def test_digest_due_from_digest_time_and_not_in_quiet_hours():
    digest_at = datetime.time(8, 30)
    assert not timing.digest_due(at(8, 29), digest_at, *NIGHT)
    assert timing.digest_due(at(8, 30), digest_at, *NIGHT)
    assert timing.digest_due(at(20, 59), digest_at, *NIGHT)
    assert not timing.digest_due(at(21, 30), digest_at, *NIGHT)
    # a digest time inside quiet hours waits for their end
    assert not timing.digest_due(at(7, 0), datetime.time(6, 0), *NIGHT)
    assert timing.digest_due(at(8, 0), datetime.time(6, 0), *NIGHT)


def test_retry_delay_doubles_and_is_capped():
    minutes = [timing.retry_delay(n).total_seconds() / 60 for n in range(1, 9)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60]
