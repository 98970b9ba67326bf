"""Deleting a question or a bank that an exam, a paper or an attempt uses retires it (停用): no
longer drawn, kept so that papers already given, their hand-in and their results keep working;
only what nothing uses is deleted, and the admin says which and why."""

from django.db.models import ProtectedError
from django.utils import timezone

import pytest

from exams.choices import AttemptStatus
from exams.models import Attempt, ExamFixedQuestion, ExamQuota, Question, QuestionBank, WrongAnswer
from exams.services import (
    QUESTIONS,
    attempt_start,
    attempt_submit,
    daily_practice_start,
    wrong_book_practice_start,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(people):
    """An exam of 5 questions drawn from a bank of 8 owned by the trainer."""
    exam = factories.exam_of(factories.module(questions=8, question_count=5))
    exam.bank.owner = people["trainer"].user
    exam.bank.save()
    return exam


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_deleting_a_question_on_an_open_paper_retires_it_and_the_sitting_still_works(client, people, exam):
    learner = people["learner"].user
    attempt = attempt_start(user=learner, exam=exam, seed=1)
    on_paper = Question.objects.get(pk=attempt.paper[0]["q"])
    client.force_login(people["trainer"].user)

    response = client.post(f"/admin/snippets/exams/question/delete/{on_paper.pk}/", follow=True)

    assert response.status_code == 200
    on_paper.refresh_from_db()
    assert on_paper.retired_at is not None
    assert "已停用而未删除" in _messages(response) and "已被抽入发出的试卷" in _messages(response)
    client.force_login(learner)
    assert client.get(exam.url).status_code == 200  # the paper, with the retired question on it
    graded = attempt_submit(attempt_id=attempt.pk, user=learner, answers=factories.correct_answers(attempt))
    assert graded.status == AttemptStatus.GRADED and graded.score == 100
    assert client.get(f"{exam.url}?attempt={attempt.pk}").status_code == 200


def test_deleting_a_question_nothing_uses_deletes_it(client, people, exam):
    unused = Question.objects.filter(bank=exam.bank).first()
    client.force_login(people["trainer"].user)

    response = client.post(f"/admin/snippets/exams/question/delete/{unused.pk}/", follow=True)

    assert response.status_code == 200
    assert not Question.objects.filter(pk=unused.pk).exists()
    assert "已删除" in _messages(response)


def test_the_delete_confirmation_says_a_used_question_will_be_retired(client, people, exam):
    attempt = attempt_start(user=people["learner"].user, exam=exam, seed=1)
    client.force_login(people["trainer"].user)

    response = client.get(f"/admin/snippets/exams/question/delete/{attempt.paper[0]['q']}/")

    assert response.status_code == 200
    assert "将被停用而不是删除" in response.text and "已被抽入发出的试卷" in response.text


def test_bulk_delete_retires_the_answered_question_and_deletes_the_unused_one(client, people, exam):
    learner = people["learner"].user
    attempt = attempt_start(user=learner, exam=exam, seed=1)
    attempt_submit(attempt_id=attempt.pk, user=learner, answers=factories.correct_answers(attempt))
    answered = attempt.paper[0]["q"]
    drawn = {e["q"] for e in attempt.paper}
    unused = Question.objects.filter(bank=exam.bank).exclude(pk__in=drawn).first().pk
    client.force_login(people["trainer"].user)
    url = f"/admin/bulk/exams/question/delete/?id={answered}&id={unused}&next=/admin/snippets/exams/question/"

    confirm = client.get(url)
    response = client.post(url, follow=True)

    assert confirm.status_code == 200 and "将被停用而不是删除" in confirm.text
    assert response.status_code == 200
    assert Question.objects.get(pk=answered).retired_at is not None
    assert not Question.objects.filter(pk=unused).exists()
    assert "已停用而未删除" in _messages(response) and "已删除" in _messages(response)
    client.force_login(learner)
    assert client.get(f"{exam.url}?attempt={attempt.pk}").status_code == 200  # the result still shows


def test_deleting_a_bank_an_exam_draws_from_retires_it_and_the_sitting_still_works(client, people, exam):
    learner = people["learner"].user
    attempt = attempt_start(user=learner, exam=exam, seed=1)
    drawn = {e["q"] for e in attempt.paper}
    client.force_login(people["trainer"].user)

    response = client.post(f"/admin/snippets/exams/questionbank/delete/{exam.bank_id}/", follow=True)

    assert response.status_code == 200
    bank = QuestionBank.objects.get(pk=exam.bank_id)
    assert bank.retired_at is not None
    # what the paper names is kept, retired; the questions nothing used are gone
    assert set(Question.objects.filter(bank=bank).values_list("pk", flat=True)) == drawn
    assert not Question.objects.filter(bank=bank, retired_at__isnull=True).exists()
    assert "结业考试" in _messages(response)
    client.force_login(learner)
    assert client.get(exam.url).status_code == 200
    graded = attempt_submit(attempt_id=attempt.pk, user=learner, answers=factories.correct_answers(attempt))
    assert graded.score == 100


def test_bulk_delete_of_an_unused_bank_deletes_it_with_its_questions(client, people):
    bank = factories.bank(area=factories.areas()["pension"], questions=3)
    bank.owner = people["trainer"].user
    bank.save()
    client.force_login(people["trainer"].user)

    response = client.post(
        f"/admin/bulk/exams/questionbank/delete/?id={bank.pk}&next=/admin/snippets/exams/questionbank/",
        follow=True,
    )

    assert response.status_code == 200
    assert not QuestionBank.objects.filter(pk=bank.pk).exists()
    assert not Question.objects.filter(bank_id=bank.pk).exists()


def test_a_bank_used_only_by_a_quota_is_retired(client, people, exam):
    other = factories.bank(area=factories.areas()["pension"], questions=3)
    other.owner = people["trainer"].user
    other.save()
    ExamQuota.objects.create(page=exam, bank=other, count=2)
    client.force_login(people["trainer"].user)

    client.post(f"/admin/snippets/exams/questionbank/delete/{other.pk}/")

    assert QuestionBank.objects.get(pk=other.pk).retired_at is not None


def test_a_fixed_paper_keeps_its_retired_question(client, people, exam):
    """The decision: a question chosen by hand for a fixed paper stays on it, also for new
    sittings; the trainer is told, and takes it off the exam to stop that."""
    fixed = list(Question.objects.filter(bank=exam.bank)[:2])
    for order, question in enumerate(fixed):
        ExamFixedQuestion.objects.create(page=exam, question=question, sort_order=order)
    client.force_login(people["trainer"].user)

    response = client.post(f"/admin/snippets/exams/question/delete/{fixed[0].pk}/", follow=True)

    assert Question.objects.get(pk=fixed[0].pk).retired_at is not None
    assert ExamFixedQuestion.objects.filter(page=exam, question=fixed[0]).exists()
    assert "固定试卷" in _messages(response)
    attempt = attempt_start(user=people["learner"].user, exam=exam, seed=1)
    assert {e["q"] for e in attempt.paper} == {q.pk for q in fixed}


def test_retired_questions_are_never_drawn_into_new_papers_or_practice(people, exam):
    learner = people["learner"].user
    active = Question.objects.filter(bank=exam.bank).order_by("pk")[:5]
    active_ids = {q.pk for q in active}
    Question.objects.filter(bank=exam.bank).exclude(pk__in=active_ids).update(retired_at=timezone.now())
    QUESTIONS.bump()
    for seed in range(5):
        attempt = attempt_start(user=learner, exam=exam, seed=seed)
        assert {e["q"] for e in attempt.paper} == active_ids
        attempt_submit(attempt_id=attempt.pk, user=learner, answers=factories.correct_answers(attempt))
    # quotas
    ExamQuota.objects.create(page=exam, bank=exam.bank, count=8)
    attempt = attempt_start(user=learner, exam=factories.exam_of(exam.get_parent()), seed=9)
    assert {e["q"] for e in attempt.paper} == active_ids
    attempt_submit(attempt_id=attempt.pk, user=learner, answers=factories.correct_answers(attempt))
    # the wrong-answer book and the daily practice
    retired = Question.objects.filter(bank=exam.bank, retired_at__isnull=False).first()
    WrongAnswer.objects.create(user=learner, question=retired)
    WrongAnswer.objects.create(user=learner, question=active[0])
    practice = wrong_book_practice_start(user=learner, seed=1)
    assert [e["q"] for e in practice.paper] == [active[0].pk]
    daily = daily_practice_start(user=learner)
    assert {e["q"] for e in daily.paper} <= active_ids


def test_the_database_keeps_what_papers_name(people, exam):
    """A question with versions, or on a fixed paper, and a bank with questions are protected
    from a delete that goes around the admin (no cascade takes history with it)."""
    attempt = attempt_start(user=people["learner"].user, exam=exam, seed=1)
    question = Question.objects.get(pk=attempt.paper[0]["q"])
    Attempt.objects.filter(pk=attempt.pk).delete()
    with pytest.raises(ProtectedError):
        question.delete()  # its version
    unused = Question.objects.filter(bank=exam.bank).exclude(versions__isnull=False).first()
    ExamFixedQuestion.objects.create(page=exam, question=unused)
    with pytest.raises(ProtectedError):
        unused.delete()
    with pytest.raises(ProtectedError):
        QuestionBank.objects.filter(pk=exam.bank_id).delete()


def test_lists_mark_retired_ones_and_filter_them(client, people, exam):
    retired, active = Question.objects.filter(bank=exam.bank)[:2]
    retired.stem, active.stem = "已停用的题：社保卡挂失", "在用的题：社保卡补办"
    retired.retired_at = timezone.now()
    retired.save()
    active.save()
    client.force_login(people["trainer"].user)

    everything = client.get("/admin/snippets/exams/question/")
    only_retired = client.get("/admin/snippets/exams/question/?retired=true")
    only_active = client.get("/admin/snippets/exams/question/?retired=false")

    assert everything.status_code == 200 and "已停用" in everything.text
    assert retired.stem in only_retired.text and active.stem not in only_retired.text
    assert active.stem in only_active.text and retired.stem not in only_active.text
    banks = client.get("/admin/snippets/exams/questionbank/?retired=false")
    assert banks.status_code == 200 and exam.bank.title in banks.text


def test_the_choosers_do_not_offer_retired_ones(client, people, exam):
    retired, active = Question.objects.filter(bank=exam.bank)[:2]
    retired.stem, active.stem = "已停用的题：社保卡挂失", "在用的题：社保卡补办"
    retired.retired_at = timezone.now()
    retired.save()
    active.save()
    client.force_login(people["trainer"].user)

    response = client.get("/admin/snippets/choose/exams/question/")

    assert response.status_code == 200
    html = response.json()["html"]
    assert active.stem in html and retired.stem not in html
