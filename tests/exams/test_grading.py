from decimal import Decimal

import pytest

from exams.grading import score_paper, single_choice_is_correct


@pytest.mark.parametrize(
    ("chosen", "correct", "expected"),
    [(3, {3}, True), (2, {3}, False), (None, {3}, False), (3, set(), False)],
)
def test_single_choice_is_correct_only_for_the_right_option(chosen, correct, expected):
    assert single_choice_is_correct(chosen=chosen, correct_ids=correct) is expected


def test_score_paper_is_share_of_correct_answers_in_percent():
    result = score_paper(answers_correct=[True, True, False], pass_mark=60)
    assert result.score == Decimal("66.67")
    assert result.correct == 2 and result.total == 3
    assert result.passed


def test_score_paper_passes_exactly_at_the_pass_mark():
    assert score_paper(answers_correct=[True] * 3 + [False] * 2, pass_mark=60).passed
    assert not score_paper(answers_correct=[True] * 2 + [False] * 3, pass_mark=60).passed


def test_score_paper_empty_paper_fails_even_with_zero_pass_mark():
    result = score_paper(answers_correct=[], pass_mark=0)
    assert result.score == Decimal("0.00") and not result.passed
