"""The reveal rule (答案公布, exams/reveal.py) on every path to an answer key: the result page, the
API, daily practice, the answer feedback of practice and the wrong-answer book."""

import datetime
import io
import json
import zipfile

from django.urls import reverse
from django.utils import timezone

import pytest

from exams.models import ExamFixedQuestion, WrongAnswer
from exams.services import (
    ExamError,
    answer_mark,
    attempt_start,
    attempt_submit,
    daily_practice_start,
    wrong_book_practice_start,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _exam_of(questions, *, reveal="after_submit", area_code="employment"):
    """A formal exam with a fixed paper of these questions."""
    exam = factories.exam_of(factories.module(area_code=area_code, lessons=0, questions=0))
    exam.reveal = reveal
    exam.save()
    for order, question in enumerate(questions):
        ExamFixedQuestion.objects.create(page=exam, question=question, sort_order=order)
    return exam


def _questions(n, *, stem, area_code="employment", explanation=""):
    bank = factories.bank(area=factories.areas()[area_code], questions=0)
    made = []
    for i in range(n):
        question = factories.typed_question(bank, "single", stem=f"{stem}{i + 1}")
        if explanation:
            question.explanation = explanation
            question.save(update_fields=["explanation"])
        made.append(question)
    return bank, made


def _wrong_answers(questions):
    return {q.pk: q.choices.filter(is_correct=False).first().pk for q in questions}


@pytest.fixture
def never(people):
    """An exam that never shows its answers, handed in by the learner all wrong."""
    bank, questions = _questions(3, stem="永不公布的考题", explanation="解析：永不公布")
    exam = _exam_of(questions, reveal="never")
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers=_wrong_answers(questions))
    return {"exam": exam, "bank": bank, "questions": questions, "attempt": attempt, "user": user}


# --- practice and the sitting in progress ----------------------------------------------------


def test_daily_practice_never_serves_a_question_of_the_persons_sitting_in_progress(people):
    _, questions = _questions(6, stem="在考题")
    exam = _exam_of(questions[:5])
    user = people["learner"].user
    sitting = attempt_start(user=user, exam=exam)
    daily = daily_practice_start(user=user)
    on_paper = {e["q"] for e in sitting.paper}
    assert on_paper and not on_paper & {e["q"] for e in daily.paper}


def test_practice_feedback_is_withheld_while_the_question_is_on_a_sitting_in_progress(client, people):
    """A daily practice drawn before the sitting began tells nothing of its questions until the
    sitting is handed in (POST /exams/attempts/<daily>/answers/)."""
    _, questions = _questions(5, stem="早练题")
    user = people["learner"].user
    daily = daily_practice_start(user=user)
    exam = _exam_of([q for q in questions if q.pk in {e["q"] for e in daily.paper}])
    sitting = attempt_start(user=user, exam=exam)
    question = sitting.paper[0]["q"]
    right = factories.correct_answers(daily)[question]
    client.force_login(user)
    reply = client.post(f"/exams/attempts/{daily.pk}/answers/", {"question": question, "response": right})
    assert reply.status_code == 200 and reply.json()["saved"] is True
    assert "feedback" not in reply.json()
    attempt_submit(attempt_id=sitting.pk, user=user)
    reply = client.post(f"/exams/attempts/{daily.pk}/answers/", {"question": question, "response": right})
    assert reply.json()["feedback"]["right_options"] == [right]


def test_an_earlier_sittings_review_hides_the_keys_of_the_sitting_in_progress(client, people):
    _, questions = _questions(2, stem="重考题")
    exam = _exam_of(questions)
    user = people["learner"].user
    first = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=first.pk, user=user)
    client.force_login(user)
    assert len(client.get(f"/api/v1/attempts/{first.pk}").json()["items"]) == 2
    second = attempt_start(user=user, exam=exam)
    assert client.get(f"/api/v1/attempts/{first.pk}").json()["items"] == []
    attempt_submit(attempt_id=second.pk, user=user)
    assert len(client.get(f"/api/v1/attempts/{first.pk}").json()["items"]) == 2


# --- an exam that never shows its answers ------------------------------------------------------


def test_never_the_api_gives_the_total_and_pass_or_fail_and_nothing_per_question(client, never):
    client.force_login(never["user"])
    for response in (
        client.get(f"/api/v1/attempts/{never['attempt'].pk}"),
        client.post(f"/api/v1/attempts/{never['attempt'].pk}/submit"),
    ):
        body = response.json()
        assert response.status_code == 200
        assert body["items"] == []
        assert body["score"] == "0.00" and body["passed"] is False


def test_never_the_result_page_shows_no_mark_points_or_explanation_per_question(client, never):
    client.force_login(never["user"])
    text = client.get(f"{never['exam'].url}?attempt={never['attempt'].pk}").text
    assert "永不公布的考题1" in text  # the person's own paper
    assert "解析：永不公布" not in text and "✓" not in text
    assert "reviewed wrong" not in text and "reviewed right" not in text
    assert text.count("reviewed withheld") == 3
    assert "0.00" in text  # the total


def test_never_keeps_its_questions_out_of_the_wrong_answer_book(client, never):
    user = never["user"]
    client.force_login(user)
    assert "永不公布的考题" not in client.get("/exams/wrong-book/").text
    with pytest.raises(ExamError):
        wrong_book_practice_start(user=user)
    never["bank"].open_for_practice = True
    never["bank"].save()
    assert "永不公布的考题1" in client.get("/exams/wrong-book/").text
    practice = wrong_book_practice_start(user=user)
    assert {e["q"] for e in practice.paper} == {q.pk for q in never["questions"]}


def test_never_questions_are_not_served_by_daily_practice_unless_their_bank_is_open(people, never):
    _questions(6, stem="公开题")
    user = never["user"]
    never_ids = {q.pk for q in never["questions"]}
    today = timezone.localdate()
    for day in range(4):
        daily = daily_practice_start(user=user, today=today + datetime.timedelta(days=day))
        assert not never_ids & {e["q"] for e in daily.paper}
    never["bank"].open_for_practice = True
    never["bank"].save()
    served = set()
    for day in range(4, 12):
        served |= {
            e["q"] for e in daily_practice_start(user=user, today=today + datetime.timedelta(days=day)).paper
        }
    assert never_ids & served


def test_never_the_personal_data_download_carries_no_mark_per_question(client, never):
    client.force_login(never["user"])
    archive = zipfile.ZipFile(io.BytesIO(client.post(reverse("org:my_data_download")).content))
    sections = {s["key"]: s for s in json.loads(archive.read("personal-data.json"))["sections"]}
    answers = [a for a in sections["answers"]["rows"] if a["question"].startswith("永不公布的考题")]
    assert len(answers) == 3
    assert all(a["is_correct"] is None and a["awarded"] is None for a in answers)
    assert not any(w["question__stem"].startswith("永不公布") for w in sections["wrong_book"]["rows"])
    assert sections["attempts"]["rows"][0]["score"] == "0"


def test_after_close_withholds_the_keys_until_the_window_closes(client, people):
    _, questions = _questions(2, stem="闭考后公布")
    exam = _exam_of(questions, reveal="after_close")
    exam.closes_at = timezone.now() + datetime.timedelta(hours=2)
    exam.save()
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers=_wrong_answers(questions))
    client.force_login(user)
    assert client.get(f"/api/v1/attempts/{attempt.pk}").json()["items"] == []
    _questions(6, stem="公开题")
    assert not {q.pk for q in questions} & {e["q"] for e in daily_practice_start(user=user).paper}
    exam.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    exam.save()
    items = client.get(f"/api/v1/attempts/{attempt.pk}").json()["items"]
    assert len(items) == 2 and all(i["right_options"] and i["correct"] is False for i in items)


def test_the_bank_is_open_for_practice_in_its_admin_form(client, people):
    admin = factories.staff(org_unit=people["learner"].org_unit, role="admin").user
    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    client.force_login(admin)
    text = client.get(f"/admin/snippets/exams/questionbank/edit/{bank.pk}/").text
    assert 'name="open_for_practice"' in text


# --- essays ----------------------------------------------------------------------------------------


def test_a_marked_essay_never_enters_the_wrong_answer_book(people):
    trainer = people["trainer"].user
    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    bank.owner = trainer
    bank.save()
    essay = factories.typed_question(bank, "essay", stem="简述失业登记流程。", points=4)
    exam = _exam_of([essay])
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers={essay.pk: "先登记。"})
    answer_mark(answer_id=attempt.answers.get().pk, marker=trainer, awarded=1)
    attempt.refresh_from_db()
    assert attempt.status == "graded" and attempt.passed is False
    assert not WrongAnswer.objects.filter(user=user, question=essay).exists()


def test_an_essay_already_in_the_wrong_answer_book_is_not_listed(client, people):
    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    essay = factories.typed_question(bank, "essay", stem="论述就业援助的对象。")
    user = people["learner"].user
    WrongAnswer.objects.create(user=user, question=essay)
    client.force_login(user)
    assert "论述就业援助的对象" not in client.get("/exams/wrong-book/").text
