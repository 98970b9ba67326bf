"""Loose answers (答案格式): an answer the question's type cannot hold is refused with a reason, by
the service (both save paths) and with a 422 by the autosave, the paper form and the API."""

import json

import pytest

from exams.choices import AttemptStatus
from exams.models import Answer, ExamFixedQuestion
from exams.services import AnswerRefused, answer_save, attempt_start, attempt_submit
from tests import factories

pytestmark = pytest.mark.django_db

ONE_OPTION = "本题只能选择一个选项。"
NOT_AN_OPTION = "该选项不属于这道题。"
TEXT_ONLY = "本题须以文字作答，不能选择选项。"


@pytest.fixture
def sitting(people):
    """A learner's open sitting of a fixed paper with one question of every type."""
    bank = factories.bank(area=factories.areas()["sscard"], questions=0)
    questions = {
        "single": factories.typed_question(bank, "single", correct=(0,)),
        "multiple": factories.typed_question(bank, "multiple", correct=(0, 2)),
        "true_false": factories.typed_question(bank, "true_false", correct=(1,)),
        "fill_blank": factories.typed_question(bank, "fill_blank", answers=["社保卡"]),
        "essay": factories.typed_question(bank, "essay", stem="简述社保卡挂失流程。"),
    }
    exam = factories.exam_of(factories.module(area_code="sscard", lessons=0, questions=0))
    for order, question in enumerate(questions.values()):
        ExamFixedQuestion.objects.create(page=exam, question=question, sort_order=order)
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    options = {
        k: list(q.choices.order_by("sort_order").values_list("pk", flat=True)) for k, q in questions.items()
    }
    return {"user": user, "exam": exam, "attempt": attempt, "q": questions, "options": options}


def _save(s, kind, response):
    return answer_save(
        attempt_id=s["attempt"].pk, user=s["user"], question_id=s["q"][kind].pk, response=response
    )


@pytest.mark.parametrize(
    ("kind", "response", "why"),
    [
        ("single", "two", ONE_OPTION),
        ("true_false", "two", ONE_OPTION),
        ("single", "foreign", NOT_AN_OPTION),
        ("multiple", "foreign", NOT_AN_OPTION),
        ("single", "中文", NOT_AN_OPTION),
        ("fill_blank", "options", TEXT_ONLY),
        ("essay", "options", TEXT_ONLY),
        ("fill_blank", "x" * 201, "填空题答案最多 200 个字。"),
    ],
)
def test_an_answer_the_question_type_cannot_hold_is_refused_and_not_saved(sitting, kind, response, why):
    options = sitting["options"]
    response = {
        "two": options[kind][:2],
        "foreign": [options["multiple"][1], options["single"][0]]
        if kind == "multiple"
        else options["multiple"][0],
        "options": [options["single"][0]],
    }.get(response, response)
    with pytest.raises(AnswerRefused) as refused:
        _save(sitting, kind, response)
    assert str(refused.value) == why
    assert not Answer.objects.filter(attempt=sitting["attempt"]).exists()


def test_answers_each_type_can_hold_are_saved_in_their_canonical_form(sitting):
    options = sitting["options"]
    assert _save(sitting, "single", [str(options["single"][1])]).response == options["single"][1]
    assert _save(sitting, "true_false", options["true_false"][0]).response == options["true_false"][0]
    assert _save(sitting, "multiple", options["multiple"][2]).response == [options["multiple"][2]]
    both = sorted(options["multiple"][:2])
    assert _save(sitting, "multiple", [str(o) for o in reversed(both)]).response == both
    assert _save(sitting, "fill_blank", " 社保卡 ").response == " 社保卡 "
    assert _save(sitting, "essay", "先挂失，再补办。").response == "先挂失，再补办。"
    assert _save(sitting, "single", []).response is None  # cleared: unanswered


def test_a_paper_drawn_before_entries_carried_their_type_is_still_checked(sitting):
    attempt = sitting["attempt"]
    attempt.paper = [{k: v for k, v in e.items() if k != "t"} for e in attempt.paper]
    attempt.save(update_fields=["paper"])
    with pytest.raises(AnswerRefused):
        _save(sitting, "single", sitting["options"]["single"][:2])
    assert (
        _save(sitting, "single", sitting["options"]["single"][0]).response == sitting["options"]["single"][0]
    )


def test_the_autosave_answers_422_with_the_reason(client, sitting):
    client.force_login(sitting["user"])
    options = sitting["options"]["single"]
    response = client.post(
        f"/exams/attempts/{sitting['attempt'].pk}/answers/",
        {"question": sitting["q"]["single"].pk, "response": options[:2], "multi": "1"},
    )
    assert response.status_code == 422
    assert response.json() == {"saved": False, "error": ONE_OPTION}
    assert not Answer.objects.filter(attempt=sitting["attempt"]).exists()


def test_the_paper_form_answers_422_and_hands_nothing_in(client, sitting):
    client.force_login(sitting["user"])
    single = sitting["q"]["single"]
    response = client.post(
        sitting["exam"].url,
        {
            "action": "submit",
            "attempt": sitting["attempt"].pk,
            f"q{single.pk}": sitting["options"]["single"][:2],
        },
    )
    assert response.status_code == 422
    assert ONE_OPTION in response.text
    sitting["attempt"].refresh_from_db()
    assert sitting["attempt"].status == AttemptStatus.IN_PROGRESS


def test_the_api_answers_422_with_the_reason(client, sitting):
    client.force_login(sitting["user"])
    attempt = sitting["attempt"]
    for kind, response, why in (
        ("single", sitting["options"]["single"][:2], ONE_OPTION),
        ("essay", [sitting["options"]["single"][0]], TEXT_ONLY),
    ):
        reply = client.put(
            f"/api/v1/attempts/{attempt.pk}/answers/{sitting['q'][kind].pk}",
            json.dumps({"response": response}),
            content_type="application/json",
        )
        assert reply.status_code == 422
        assert [d["msg"] for d in reply.json()["detail"]] == [why]
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_the_practice_paper_answers_422_and_hands_nothing_in(client, people, sitting):
    from exams.services import daily_practice_start

    user = sitting["user"]
    attempt_submit(attempt_id=sitting["attempt"].pk, user=user)  # the sitting over: practice may serve it
    daily = daily_practice_start(user=user)
    entry = next(e for e in daily.paper if e["t"] == "single")
    client.force_login(user)
    response = client.post(f"/exams/practice/{daily.pk}/", {f"q{entry['q']}": entry["c"][:2]})
    assert response.status_code == 422 and ONE_OPTION in response.text
    daily.refresh_from_db()
    assert daily.status == AttemptStatus.IN_PROGRESS
