"""Watched-interval arithmetic as pure functions."""

import pytest

from courses.watching import (
    clamp_intervals,
    covered_seconds,
    merge_intervals,
    report_is_plausible,
    watched_share,
)


def test_merge_joins_overlapping_and_touching_intervals():
    assert merge_intervals([(10, 20), (0, 5), (5, 8), (15, 30)]) == [(0, 8), (10, 30)]


def test_covered_seconds_counts_rewatched_parts_once():
    assert covered_seconds([(0, 60), (30, 90), (0, 10)]) == 90


def test_clamp_drops_reversed_and_clips_to_duration():
    assert clamp_intervals([(-5, 10), (50, 40), (95, 130)], duration=100) == [(0, 10), (95, 100)]


def test_seeking_to_the_end_counts_only_what_was_played():
    # watched 10 s, jumped to the end and played the last 5 s
    assert watched_share([(0, 10), (95, 100)], duration=100) == pytest.approx(0.15)


def test_sessions_on_two_devices_add_up():
    phone = [(0, 50)]
    desktop = [(40, 95)]
    assert watched_share(phone + desktop, duration=100) == pytest.approx(0.95)


@pytest.mark.parametrize(
    ("claimed", "elapsed", "ok"),
    [
        (10, 10, True),
        (20, 10, True),
        (25, 10, True),
        (26, 10, False),
        (300, 10, False),
        (5, 0, True),
        (6, 0, False),
    ],
)
def test_report_plausibility_against_elapsed_time(claimed, elapsed, ok):
    assert report_is_plausible(intervals=[(0, claimed)], elapsed_seconds=elapsed) is ok


def test_zero_duration_watches_nothing():
    assert watched_share([(0, 10)], duration=0) == 0.0
