"""The exams app's part of a person's data download and erasure (考试记录); see
training/org/personal_data.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from training.org.personal_data import Erasure, PersonalDataExport, Section, columns_of

from .choices import QuestionType
from .models import Answer, Attempt, PointsEntry
from .reveal import questions_withheld, sitting_shows_keys, wrong_book_entries


def _response_text(response, data: dict | None) -> str:
    """An answer as the person gave it: the option texts for choice questions, the text otherwise."""
    if response is None:
        return ""
    options = {o["id"]: o["text"] for o in (data or {}).get("options", [])}
    if isinstance(response, list):
        return "；".join(str(options.get(r, r)) for r in response)
    if isinstance(response, int) and options:
        return str(options.get(response, response))
    return str(response)


def collect_exams(export: PersonalDataExport) -> None:
    """Every attempt with its score, every answer with the question as it was given, marks and
    comments; the wrong-answer book and practice points. Seven queries.

    What the reveal rule withholds from the person (exams/reveal.py) stays out of the download
    too: no points, right/wrong or comment per question of a sitting whose keys are withheld, no
    wrong-answer book entry of such a question."""
    user = export.user
    fields = [
        "pk",
        "exam__title",
        "kind",
        "status",
        "started_at",
        "submitted_at",
        "points",
        "possible",
        "score",
        "passed",
    ]
    attempts = list(Attempt.objects.filter(user=user).order_by("started_at", "pk").values(*fields))
    kinds, statuses = dict(Attempt.Kind.choices), dict(Attempt._meta.get_field("status").choices)
    for a in attempts:
        a["kind"] = str(kinds.get(a["kind"], a["kind"]))
        a["status"] = str(statuses.get(a["status"], a["status"]))
    export.add(
        Section(
            "attempts",
            _("Exam and practice attempts"),
            columns_of(
                Attempt,
                fields,
                pk=_("Attempt number"),
                exam__title=_("Exam"),
                kind=_("Kind"),
            ),
            attempts,
        )
    )
    answers = []
    rows = list(
        Answer.objects.filter(attempt__user=user)
        .select_related("version", "attempt__exam")
        .defer("attempt__paper")
        .order_by("attempt_id", "pk")
    )
    withheld = questions_withheld(user_id=user.pk, question_ids={a.question_id for a in rows})
    for answer in rows:
        data = answer.version.data if answer.version_id else {}
        shown = answer.question_id not in withheld and sitting_shows_keys(attempt=answer.attempt)
        answers.append(
            {
                "attempt": answer.attempt_id,
                "question": (data or {}).get("stem", ""),
                "response": _response_text(answer.response, data),
                "awarded": answer.awarded if shown else None,
                "is_correct": answer.is_correct if shown else None,
                "marker_comment": answer.marker_comment if shown else "",
                "saved_at": answer.saved_at,
            }
        )
    export.add(
        Section(
            "answers",
            _("Answers"),
            [
                ("attempt", str(_("Attempt number"))),
                ("question", str(_("Question"))),
                ("response", str(_("Your answer"))),
                ("awarded", str(_("Points awarded"))),
                ("is_correct", str(_("Correct"))),
                ("marker_comment", str(_("Marker's comment"))),
                ("saved_at", str(_("Saved at"))),
            ],
            answers,
        )
    )
    wrong = (
        wrong_book_entries(user=user)
        .order_by("last_wrong_at")
        .values("question__stem", "times_wrong", "last_wrong_at", "mastered_at")
    )
    export.add(
        Section(
            "wrong_book",
            _("Wrong-answer book"),
            [
                ("question__stem", str(_("Question"))),
                ("times_wrong", str(_("Times wrong"))),
                ("last_wrong_at", str(_("Last wrong at"))),
                ("mastered_at", str(_("Mastered at"))),
            ],
            list(wrong),
        )
    )
    points = (
        PointsEntry.objects.filter(user=user)
        .order_by("earned_on", "pk")
        .values("attempt_id", "points", "earned_on")
    )
    export.add(
        Section(
            "points",
            _("Practice points"),
            [
                ("attempt_id", str(_("Attempt number"))),
                ("points", str(_("Points"))),
                ("earned_on", str(_("Earned on"))),
            ],
            list(points),
        )
    )


def erase_exams(erasure: Erasure) -> None:
    """Essay answers (their own free text) and markers' comments on their answers are erased; the
    marks, choices and scores stay, so pass rates and item analysis do not change."""
    user = erasure.user
    answers = Answer.objects.filter(attempt__user=user)
    essays = [
        pk
        for pk, response in answers.filter(question__qtype=QuestionType.ESSAY).values_list("pk", "response")
        if response
    ]
    erasure.count("essay_answers", Answer.objects.filter(pk__in=essays).update(response=""))
    n = answers.exclude(marker_comment="").update(marker_comment="")
    erasure.count("marker_comments", n)
