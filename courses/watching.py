"""Honest watch tracking of video lessons (视频课观看进度), as pure functions.

The player reports the intervals of the timeline it actually played. Completion counts the union
of those intervals over every session and device, never the last position, so seeking to the end
counts for nothing.
"""

from __future__ import annotations

Interval = tuple[float, float]

# The player may report a little more than wall-clock time allows (buffering, clock jitter).
ELAPSED_TOLERANCE_SECONDS = 5.0
MAX_PLAYBACK_RATE = 2.0


def clamp_intervals(intervals: list[Interval], *, duration: float) -> list[Interval]:
    """Drop empty or reversed intervals and clip each one to the video's timeline."""
    clipped = []
    for start, end in intervals:
        start, end = max(0.0, float(start)), min(float(duration), float(end))
        if end > start:
            clipped.append((start, end))
    return clipped


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """Union of intervals, sorted, with touching or overlapping ones joined."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def covered_seconds(intervals: list[Interval]) -> float:
    """Seconds of the timeline covered by the (merged) intervals."""
    return sum(end - start for start, end in merge_intervals(intervals))


def report_is_plausible(
    *, intervals: list[Interval], elapsed_seconds: float, max_rate: float = MAX_PLAYBACK_RATE
) -> bool:
    """A report may not claim more newly played time than the wall clock allows since the last one.

    ``elapsed_seconds`` is measured by the server between two reports of the same viewing session;
    at most ``max_rate`` × elapsed (fast playback) plus a small tolerance can have been played.
    """
    claimed = covered_seconds(intervals)
    return claimed <= max_rate * max(0.0, elapsed_seconds) + ELAPSED_TOLERANCE_SECONDS


def watched_share(intervals: list[Interval], *, duration: float) -> float:
    """Share (0–1) of the timeline actually watched."""
    if duration <= 0:
        return 0.0
    return min(1.0, covered_seconds(clamp_intervals(intervals, duration=duration)) / duration)
