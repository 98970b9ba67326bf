"""Reads of exam papers, results, marking, practice, rankings and item statistics; each a fixed
number of queries whatever the size of the paper or the bank."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from training.compiled import Compiled

from .choices import AttemptStatus, ExamMode, GradingMethod
from .grading import is_answered
from .models import (
    Answer,
    Attempt,
    ExamPage,
    PointsEntry,
    Question,
    QuestionBank,
    QuestionVersion,
    WrongAnswer,
)
from .reveal import keys_shown, wrong_book_entries


@dataclass
class PaperOption:
    id: int
    text: str
    correct: bool


@dataclass
class PaperItem:
    number: int
    question_id: int
    qtype: str
    stem: str
    points: Decimal
    options: list[PaperOption]
    response: object
    awarded: Decimal | None
    is_correct: bool | None
    explanation: str
    accepted: list[str]
    marker_comment: str = ""
    key_shown: bool = True

    @property
    def answered(self) -> bool:
        return is_answered(self.response)

    @property
    def chosen(self) -> set[int]:
        if isinstance(self.response, list):
            return set(self.response)
        return {self.response} if isinstance(self.response, int) else set()


def paper_for_attempt(*, attempt: Attempt, no_answers_yet: bool = False) -> list[PaperItem]:
    """The attempt's questions as given (their stored versions), in drawn order, options in the
    attempt's order, with the saved answers. Two queries whatever the paper's length (none for a
    sitting just started, which carries its versions, when the caller knows it has no answers).

    On a handed-in paper a question left unanswered (未作答) shows the 0 points it scored; only an
    essay that was answered waits for a marker (待阅卷, ``awarded`` None)."""
    versions = getattr(attempt, "versions_drawn", None)
    if versions is None:
        versions = QuestionVersion.objects.in_bulk([e["v"] for e in attempt.paper])
    answers = {} if no_answers_yet else {a.question_id: a for a in attempt.answers.all()}
    handed_in = attempt.status != AttemptStatus.IN_PROGRESS
    items = []
    for number, entry in enumerate(attempt.paper, start=1):
        data = versions[entry["v"]].data
        by_id = {o["id"]: o for o in data["options"]}
        answer = answers.get(entry["q"])
        awarded, is_correct = (answer.awarded, answer.is_correct) if answer else (None, None)
        if handed_in and awarded is None and not is_answered(answer.response if answer else None):
            awarded, is_correct = Decimal("0.00"), False
        items.append(
            PaperItem(
                number=number,
                question_id=entry["q"],
                qtype=data["qtype"],
                stem=data["stem"],
                points=Decimal(data["points"]),
                options=[
                    PaperOption(id=c, text=by_id[c]["text"], correct=by_id[c]["correct"])
                    for c in entry["c"]
                    if c in by_id
                ],
                response=answer.response if answer else None,
                awarded=awarded,
                is_correct=is_correct,
                explanation=data.get("explanation", ""),
                accepted=data.get("answers", []),
                marker_comment=answer.marker_comment if answer else "",
            )
        )
    return items


def review_for_attempt(*, attempt: Attempt, now: datetime.datetime | None = None) -> list[PaperItem]:
    """A handed-in sitting as its person may review it (试卷回顾): their answers, and for each
    question whose key they may see now (``exams.reveal.keys_shown``) the right options, accepted
    answers, explanation, points awarded and marker's comment. The others carry none of these, so
    no page or API built on this can show them: only the sitting's total and pass or fail."""
    items = paper_for_attempt(attempt=attempt)
    shown = keys_shown(attempt=attempt, now=now)
    for item in items:
        if item.question_id in shown:
            continue
        item.key_shown = False
        item.options = [PaperOption(id=o.id, text=o.text, correct=False) for o in item.options]
        item.awarded = item.is_correct = None
        item.explanation, item.accepted, item.marker_comment = "", [], ""
    return items


def attempts_for_user(*, user, exam: ExamPage) -> QuerySet[Attempt]:
    """A person's own sittings of one exam, newest first (learners see only their own)."""
    return Attempt.objects.filter(user=user, exam=exam).order_by("-started_at")


# What starting a sitting reads of the exam page (its rules and where it sits in the tree).
START_FIELDS = (
    "path",
    "live",
    "bank",
    "question_count",
    "time_limit_minutes",
    "opens_at",
    "closes_at",
    "max_attempts",
    "minutes_between_attempts",
    "shuffle_questions",
    "shuffle_options",
)


def exam_for_start(*, exam_id: int) -> ExamPage | None:
    """A live exam with what a start needs, and whether it has a fixed paper or quotas, in one
    query (the draw then need not ask); kept until pages change (courses/page_cache.py)."""
    from courses.page_cache import remember

    return remember(f"exam-start:{exam_id}", lambda: _exam_for_start(exam_id))


def _exam_for_start(exam_id: int) -> ExamPage | None:
    from .models import ExamFixedQuestion, ExamQuota

    return (
        ExamPage.objects.live()
        .only(*START_FIELDS)
        .annotate(
            has_fixed=Exists(ExamFixedQuestion.objects.filter(page=OuterRef("pk"))),
            has_quotas=Exists(ExamQuota.objects.filter(page=OuterRef("pk"))),
        )
        .filter(pk=exam_id)
        .first()
    )


def open_attempt_for_user(*, user, exam: ExamPage) -> Attempt | None:
    """The person's open sitting of this exam, if any (at most one: a unique index says so)."""
    found = _open_attempt.instances(user.pk, exam.pk)
    return found[0] if found else None


# Asked by every start of an exam (the exam window's busiest request): compiled once.
_open_attempt = Compiled(
    lambda user_id, exam_id: Attempt.objects.filter(
        user_id=user_id, exam_id=exam_id, kind=Attempt.Kind.EXAM, status=AttemptStatus.IN_PROGRESS
    ).order_by("pk")[:1],
    size=4,
)


def counted_attempt(*, user, exam: ExamPage) -> Attempt | None:
    """The sitting that counts (计分答卷): the best or the last graded one, as the exam says."""
    graded = Attempt.objects.filter(user=user, exam=exam, status=AttemptStatus.GRADED)
    if exam.grading_method == GradingMethod.LAST:
        return graded.order_by("-submitted_at").first()
    return graded.order_by("-score", "submitted_at").first()


def question_banks_for_author(*, user) -> QuerySet[QuestionBank]:
    """Banks a trainer may author, import into, export, analyse and mark (题库): every bank of
    the business areas they act on (``training.org.selectors.may_act_on_area``: all of them for
    administrators and for trainers whose role names no area). The owner is a contact, not a key."""
    from training.org.selectors import areas_q

    return QuestionBank.objects.filter(areas_q(user=user))


def questions_for_author(*, user) -> QuerySet[Question]:
    """Questions of the banks the trainer may author."""
    return Question.objects.filter(bank__in=question_banks_for_author(user=user))


def marking_queue_for(*, user) -> QuerySet[Answer]:
    """Essay answers waiting for a mark (待阅卷) in the banks of this trainer's areas, oldest first."""
    return (
        Answer.objects.filter(
            question__qtype="essay",
            question__bank__in=question_banks_for_author(user=user),
            marked_at__isnull=True,
            attempt__status=AttemptStatus.SUBMITTED,
        )
        .select_related("attempt__exam", "question", "version")
        .order_by("attempt__submitted_at", "pk")
    )


def wrong_book_for(*, user) -> QuerySet[WrongAnswer]:
    """A learner's own wrong-answer book (错题本), the most often missed first: what the reveal
    rule lets them see (``exams.reveal.wrong_book_entries``)."""
    return (
        wrong_book_entries(user=user)
        .filter(mastered_at__isnull=True)
        .select_related("question__bank__area")
        .order_by("-times_wrong", "-last_wrong_at")
    )


def _answer_counts_by_area(user) -> QuerySet:
    """Per business area, how many of this person's scored answers there are and how many were
    right (one query)."""
    return (
        Answer.objects.filter(attempt__user=user, is_correct__isnull=False)
        .values("question__bank__area_id")
        .annotate(total=Count("pk"), right=Count("pk", filter=Q(is_correct=True)))
    )


def weak_area_ids_for_user(*, user, limit: int = 2) -> list[int]:
    """The business areas where this person answers worst (薄弱领域): lowest share correct, and
    areas of their wrong-answer book first. One query."""
    rows = _answer_counts_by_area(user)
    ranked = sorted(rows, key=lambda r: (r["right"] / r["total"], -r["total"]))
    ids = [r["question__bank__area_id"] for r in ranked][:limit]
    if not ids:
        from training.org.models import Staff

        staff = Staff.objects.filter(user=user).values_list("speciality_id", flat=True).first()
        ids = [staff] if staff else []
    return ids


@dataclass
class AreaProgress:
    area_id: int
    area_name: str
    answered: int
    correct: int
    exams_passed: int
    exams_taken: int

    @property
    def percent_correct(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


def progress_by_area_for_user(*, user) -> list[AreaProgress]:
    """A learner's own progress per business area (分领域学习进度): questions answered and right,
    exams passed of exams taken. Three queries."""
    from training.org.models import BusinessArea

    answers = {r["question__bank__area_id"]: r for r in _answer_counts_by_area(user)}
    exams = {
        r["exam__bank__area_id"]: r
        for r in Attempt.objects.filter(user=user, kind=Attempt.Kind.EXAM, status=AttemptStatus.GRADED)
        .values("exam__bank__area_id")
        .annotate(
            taken=Count("exam", distinct=True), passed=Count("exam", filter=Q(passed=True), distinct=True)
        )
    }
    return [
        AreaProgress(
            area_id=a.pk,
            area_name=a.name,
            answered=answers.get(a.pk, {}).get("total", 0),
            correct=answers.get(a.pk, {}).get("right", 0),
            exams_passed=exams.get(a.pk, {}).get("passed", 0),
            exams_taken=exams.get(a.pk, {}).get("taken", 0),
        )
        for a in BusinessArea.objects.all()
    ]


# --- rankings (积分排行) ----------------------------------------------------------------------


@dataclass
class RankRow:
    name: str
    points: int
    heads: int
    per_head: float
    unit_id: int | None = None


def leaderboard_units(*, level: str, since: datetime.date, root_path: str = "") -> list[RankRow]:
    """Points per head of the units of one level (stations or districts) since a day, so that a
    two-person village station can top the table. Two queries."""
    from training.org.models import OrgUnit, Staff

    units = list(
        OrgUnit.objects.filter(level=level, path__startswith=root_path).values_list("pk", "path", "name")
    )
    staff_paths = dict(
        Staff.objects.filter(is_active=True, org_unit__path__startswith=root_path).values_list(
            "user_id", "org_unit__path"
        )
    )
    heads: dict[int, int] = dict.fromkeys([u[0] for u in units], 0)
    points: dict[int, int] = dict.fromkeys([u[0] for u in units], 0)
    owner_of: dict[str, int] = {}
    for pk, path, _ in units:
        owner_of[path] = pk
    step = len(units[0][1]) if units else 0
    for path in staff_paths.values():
        unit = owner_of.get(path[:step])
        if unit is not None:
            heads[unit] += 1
    for user_id, total in (
        PointsEntry.objects.filter(earned_on__gte=since, user_id__in=list(staff_paths))
        .values_list("user_id")
        .annotate(total=Sum("points"))
    ):
        unit = owner_of.get(staff_paths[user_id][:step])
        if unit is not None:
            points[unit] += total
    rows = [
        RankRow(
            name=name,
            points=points[pk],
            heads=heads[pk],
            per_head=round(points[pk] / heads[pk], 2) if heads[pk] else 0.0,
            unit_id=pk,
        )
        for pk, _, name in units
        if heads[pk]
    ]
    return sorted(rows, key=lambda r: (-r.per_head, -r.points, r.name))


def leaderboard_people(*, since: datetime.date, root_path: str, limit: int = 20) -> list[RankRow]:
    """Points per person within a subtree (a manager's view). One query."""
    rows = (
        PointsEntry.objects.filter(earned_on__gte=since, user__staff__org_unit__path__startswith=root_path)
        .values("user__staff__name")
        .annotate(total=Sum("points"))
        .order_by("-total", "user__staff__name")[:limit]
    )
    return [
        RankRow(name=r["user__staff__name"], points=r["total"], heads=1, per_head=float(r["total"]))
        for r in rows
    ]


def points_for_user(*, user, since: datetime.date) -> int:
    return PointsEntry.objects.filter(user=user, earned_on__gte=since).aggregate(s=Sum("points"))["s"] or 0


# --- item analysis (试题分析) ------------------------------------------------------------------


def item_analysis_for_bank(*, bank: QuestionBank) -> list:
    """Per question of a bank: facility (share of points scored), discrimination (upper 27 % minus
    lower 27 % of sittings by total score) and option distribution, with flags for questions
    that look broken. Three queries."""
    from .item_analysis import analyse

    questions = list(Question.objects.filter(bank=bank).prefetch_related("choices"))
    answers = list(
        Answer.objects.filter(
            question__bank=bank, awarded__isnull=False, attempt__status=AttemptStatus.GRADED
        )
        .exclude(attempt__exam__mode=ExamMode.PRACTICE)
        .values_list("question_id", "attempt_id", "awarded", "response", "attempt__score")
    )
    return analyse(questions, answers)
