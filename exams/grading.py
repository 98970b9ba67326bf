"""Pure scoring of exam answers (评分), one function per question type, and of a whole paper.

No ORM here: a question arrives as a plain ``QuestionData`` snapshot (the version the attempt was
given), so every rule is tested as a plain function.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK, ESSAY = "single", "multiple", "true_false", "fill_blank", "essay"
CHOICE_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE)


@dataclass(frozen=True)
class OptionData:
    id: int
    text: str
    correct: bool
    weight: Decimal | None = None  # percent of the question's points, Moodle style; None = derived


@dataclass(frozen=True)
class QuestionData:
    qtype: str
    points: Decimal
    options: tuple[OptionData, ...] = ()
    answers: tuple[str, ...] = ()  # fill-in-the-blank: accepted answers
    partial_credit: bool = False  # multiple choice: partial credit instead of all-or-nothing
    negative_marking: bool = False  # multiple choice: wrong picks take points off (never below 0)


@dataclass(frozen=True)
class Score:
    awarded: Decimal | None  # None: waits for a marker (essay)
    correct: bool | None


def _q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def normalise_blank(text: str) -> str:
    """Full-width → half-width (NFKC), no whitespace at all, case folded: "Ｓ Ｂ" == "sb"."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if not ch.isspace())


def option_weights(question: QuestionData) -> dict[int, Decimal]:
    """Each option's share of the points: given weights, else correct options share 100 %
    equally and wrong ones cost an equal share of 100 % under negative marking (else 0)."""
    correct = [o for o in question.options if o.correct]
    wrong = [o for o in question.options if not o.correct]
    weights = {}
    for option in question.options:
        if option.weight is not None:
            weights[option.id] = Decimal(option.weight)
        elif option.correct:
            weights[option.id] = Decimal(100) / len(correct)
        elif question.negative_marking and wrong:
            weights[option.id] = -Decimal(100) / len(wrong)
        else:
            weights[option.id] = Decimal(0)
    return weights


def is_answered(response) -> bool:
    """Whether a response gives anything: an option, some options, or text other than blanks
    (未作答 otherwise)."""
    if isinstance(response, str):
        return bool(response.strip())
    return response not in (None, [])


def score_answer(question: QuestionData, response) -> Score:
    """Score one response. Responses: single / true-false: an option id; multiple: a list of
    option ids; fill-in-the-blank: the text typed; essay: the text (marked by hand)."""
    points = Decimal(question.points)
    if question.qtype == ESSAY:
        return Score(awarded=None, correct=None)
    if response in (None, "", []):
        return Score(awarded=Decimal("0.00"), correct=False)
    if question.qtype in (SINGLE, TRUE_FALSE):
        ok = any(o.id == response and o.correct for o in question.options)
        return Score(awarded=_q2(points if ok else Decimal(0)), correct=ok)
    if question.qtype == MULTIPLE:
        chosen = {int(r) for r in response}
        right = {o.id for o in question.options if o.correct}
        exact = chosen == right
        if not question.partial_credit and not question.negative_marking:
            return Score(awarded=_q2(points if exact else Decimal(0)), correct=exact)
        weights = option_weights(question)
        share = sum((weights.get(i, Decimal(0)) for i in chosen), Decimal(0))
        share = min(Decimal(100), max(Decimal(0), share))
        if not question.partial_credit and not exact:
            share = Decimal(0)
        return Score(awarded=_q2(points * share / 100), correct=exact)
    if question.qtype == FILL_BLANK:
        given = normalise_blank(str(response))
        ok = any(given == normalise_blank(a) for a in question.answers if a.strip())
        return Score(awarded=_q2(points if ok else Decimal(0)), correct=ok)
    raise ValueError(f"unknown question type {question.qtype!r}")


@dataclass(frozen=True)
class Result:
    awarded: Decimal
    possible: Decimal
    score: Decimal  # percent, two decimals
    passed: bool | None  # None while answers still wait for marking
    pending: int = 0
    per_question: tuple[Score, ...] = field(default_factory=tuple)


def score_paper(*, scores: list[Score], possible: Decimal, pass_mark: int) -> Result:
    """Total of a paper in percent of the points possible; pass at ``pass_mark``. While any
    answer waits for a marker the result is provisional (passed is None)."""
    pending = sum(1 for s in scores if s.awarded is None)
    awarded = sum((s.awarded for s in scores if s.awarded is not None), Decimal(0))
    if possible <= 0:
        return Result(
            awarded=Decimal("0.00"),
            possible=Decimal(0),
            score=Decimal("0.00"),
            passed=False,
            pending=pending,
            per_question=tuple(scores),
        )
    percent = _q2(Decimal(100) * awarded / possible)
    return Result(
        awarded=_q2(awarded),
        possible=_q2(Decimal(possible)),
        score=percent,
        passed=None if pending else percent >= pass_mark,
        pending=pending,
        per_question=tuple(scores),
    )
