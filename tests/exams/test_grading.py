"""Scoring of every question type as pure functions."""

from decimal import Decimal

import pytest

from exams.grading import (
    OptionData,
    QuestionData,
    Score,
    normalise_blank,
    score_answer,
    score_paper,
)

ONE = Decimal(1)


def _choice(qtype, correct, *, points=2, partial=False, negative=False, weights=None):
    options = tuple(
        OptionData(id=i, text=f"选项{i}", correct=i in correct, weight=(weights or {}).get(i))
        for i in range(1, 5)
    )
    return QuestionData(
        qtype=qtype,
        points=Decimal(points),
        options=options,
        partial_credit=partial,
        negative_marking=negative,
    )


def test_single_choice():
    q = _choice("single", {3})
    assert score_answer(q, 3) == Score(Decimal("2.00"), True)
    assert score_answer(q, 2) == Score(Decimal("0.00"), False)
    assert score_answer(q, None) == Score(Decimal("0.00"), False)


def test_true_false():
    q = QuestionData(
        qtype="true_false", points=ONE, options=(OptionData(1, "正确", True), OptionData(2, "错误", False))
    )
    assert score_answer(q, 1).correct and not score_answer(q, 2).correct


def test_multiple_all_or_nothing():
    q = _choice("multiple", {1, 3})
    assert score_answer(q, [3, 1]) == Score(Decimal("2.00"), True)
    assert score_answer(q, [1]) == Score(Decimal("0.00"), False)
    assert score_answer(q, [1, 2, 3]) == Score(Decimal("0.00"), False)


def test_multiple_partial_credit_without_negative_marking():
    q = _choice("multiple", {1, 3}, partial=True)
    assert score_answer(q, [1]).awarded == Decimal("1.00")
    assert score_answer(q, [1, 2]).awarded == Decimal("1.00")  # a wrong pick costs nothing
    assert score_answer(q, [1, 3]).awarded == Decimal("2.00")


def test_multiple_partial_credit_with_negative_marking_never_below_zero():
    q = _choice("multiple", {1, 3}, partial=True, negative=True)
    assert score_answer(q, [1, 2]).awarded == Decimal("0.00")  # +50 % − 50 %
    assert score_answer(q, [2, 4]).awarded == Decimal("0.00")  # −100 %, clamped at 0
    assert score_answer(q, [1, 3, 2]).awarded == Decimal("1.00")


def test_multiple_with_explicit_weights():
    q = _choice("multiple", {1, 2}, partial=True, weights={1: Decimal(70), 2: Decimal(30), 3: Decimal(-30)})
    assert score_answer(q, [1]).awarded == Decimal("1.40")
    assert score_answer(q, [1, 3]).awarded == Decimal("0.80")


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        ("社会保障卡", True),
        (" 社会 保障卡 ", True),
        ("ＳＳＣ", True),
        ("ssc", True),
        ("社保卡", True),
        ("身份证", False),
        ("", False),
    ],
)
def test_fill_in_the_blank_normalises_width_spaces_and_case(given, ok):
    q = QuestionData(qtype="fill_blank", points=ONE, answers=("社会保障卡", "社保卡", "SSC"))
    assert score_answer(q, given).correct is ok


def test_normalise_blank():
    assert normalise_blank("Ａ Ｂ　ｃ") == "abc"


def test_essay_waits_for_a_marker():
    assert score_answer(QuestionData(qtype="essay", points=Decimal(5)), "我的回答") == Score(None, None)


def test_paper_score_and_pass_mark():
    result = score_paper(
        scores=[Score(Decimal(2), True), Score(Decimal(1), False), Score(Decimal(0), False)],
        possible=Decimal(5),
        pass_mark=60,
    )
    assert result.score == Decimal("60.00") and result.passed
    assert not score_paper(scores=[Score(Decimal(2), True)], possible=Decimal(5), pass_mark=60).passed


def test_paper_with_unmarked_essay_is_provisional():
    result = score_paper(
        scores=[Score(Decimal(2), True), Score(None, None)], possible=Decimal(7), pass_mark=20
    )
    assert result.passed is None and result.pending == 1


def test_empty_paper_fails():
    assert score_paper(scores=[], possible=Decimal(0), pass_mark=0).passed is False
