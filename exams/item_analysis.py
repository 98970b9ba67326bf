"""Classical item analysis (试题分析) as pure computation over answer rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

MIN_RESPONSES = 10  # below this the figures say little; no flags are raised
GROUP_SHARE = 0.27  # Kelley's upper and lower 27 %


@dataclass
class ItemStats:
    question: object
    responses: int
    facility: float | None
    discrimination: float | None
    option_counts: dict[int, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    option_rows: list[tuple[str, bool, int]] = field(default_factory=list)  # (text, correct, times chosen)


def facility(fractions: list[float]) -> float | None:
    """Mean share of the points scored on the question (0 = nobody, 1 = everybody)."""
    return sum(fractions) / len(fractions) if fractions else None


def discrimination(rows: list[tuple[float, float]]) -> float | None:
    """Facility among the best 27 % of sittings minus facility among the worst 27 %, sittings
    ranked by their total score; rows are (total score, fraction on this question)."""
    if len(rows) < 2:
        return None
    ranked = sorted(rows, key=lambda r: r[0])
    size = max(1, round(len(ranked) * GROUP_SHARE))
    low = [f for _, f in ranked[:size]]
    high = [f for _, f in ranked[-size:]]
    return sum(high) / len(high) - sum(low) / len(low)


def flags_for(
    *,
    responses: int,
    facility_value: float | None,
    discrimination_value: float | None,
    option_counts: dict[int, int],
    correct_ids: set[int],
) -> list[str]:
    """Reasons a question looks broken: almost nobody or everybody gets it, it does not separate
    strong from weak candidates (or favours the weak), or a wrong option beats the key."""
    if responses < MIN_RESPONSES or facility_value is None:
        return []
    flags = []
    if facility_value < 0.2:
        flags.append("too_hard")
    if facility_value > 0.95:
        flags.append("too_easy")
    if discrimination_value is not None and discrimination_value < 0:
        flags.append("negative_discrimination")
    elif discrimination_value is not None and discrimination_value < 0.1:
        flags.append("low_discrimination")
    if correct_ids and option_counts:
        key = max((option_counts.get(i, 0) for i in correct_ids), default=0)
        if any(n > key for i, n in option_counts.items() if i not in correct_ids):
            flags.append("distractor_beats_key")
    return flags


def analyse(questions: list, rows: list[tuple]) -> list[ItemStats]:
    """Rows are (question_id, attempt_id, awarded, response, attempt score)."""
    by_question: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_question[row[0]].append(row)
    stats = []
    for question in questions:
        points = Decimal(question.points) or Decimal(1)
        answers = by_question.get(question.pk, [])
        fractions = [float(Decimal(a[2]) / points) for a in answers]
        counts: dict[int, int] = defaultdict(int)
        for a in answers:
            response = a[3]
            for option in response if isinstance(response, list) else [response]:
                if isinstance(option, int):
                    counts[option] += 1
        fac = facility(fractions)
        dis = discrimination([(float(a[4] or 0), f) for a, f in zip(answers, fractions, strict=True)])
        choices = list(question.choices.all())
        correct = {c.pk for c in choices if c.is_correct}
        stats.append(
            ItemStats(
                question=question,
                responses=len(answers),
                facility=fac,
                discrimination=dis,
                option_counts=dict(counts),
                flags=flags_for(
                    responses=len(answers),
                    facility_value=fac,
                    discrimination_value=dis,
                    option_counts=dict(counts),
                    correct_ids=correct,
                ),
                option_rows=[(c.text, c.is_correct, counts.get(c.pk, 0)) for c in choices],
            )
        )
    return stats
