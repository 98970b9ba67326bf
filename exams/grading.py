"""Pure scoring of an exam paper (评分): no ORM, so it is tested as plain functions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Result:
    correct: int
    total: int
    score: Decimal  # percent, two decimals
    passed: bool


def single_choice_is_correct(*, chosen: int | None, correct_ids: set[int]) -> bool:
    """A single-choice answer is right when the one chosen option is the correct one."""
    return chosen is not None and chosen in correct_ids


def score_paper(*, answers_correct: list[bool], pass_mark: int) -> Result:
    """Score in percent of questions answered correctly; pass when it reaches ``pass_mark``.

    An empty paper scores 0 and fails, whatever the pass mark.
    """
    total = len(answers_correct)
    correct = sum(1 for ok in answers_correct if ok)
    if total == 0:
        return Result(correct=0, total=0, score=Decimal("0.00"), passed=False)
    score = (Decimal(100) * correct / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Result(correct=correct, total=total, score=score, passed=score >= pass_mark)
