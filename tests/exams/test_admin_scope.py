"""Trainers author only their own question banks in the Wagtail admin."""

import pytest

from exams.models import Question, QuestionBank
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def banks(people):
    areas = factories.areas()
    mine = factories.bank(area=areas["employment"], questions=1)
    mine.owner = people["trainer"].user
    mine.title = "就业服务初级题库（我的）"
    mine.save()
    other_trainer = factories.staff(org_unit=people["trainer"].org_unit, role="trainer")
    theirs = factories.bank(area=areas["pension"], questions=1)
    theirs.owner = other_trainer.user
    theirs.title = "养老保险题库（别人的）"
    theirs.save()
    return mine, theirs


def test_trainer_lists_only_own_banks_and_questions(client, people, banks):
    mine, theirs = banks
    client.force_login(people["trainer"].user)
    response = client.get("/admin/snippets/exams/questionbank/")
    assert response.status_code == 200
    assert mine.title in response.text and theirs.title not in response.text
    response = client.get("/admin/snippets/exams/question/")
    assert response.status_code == 200
    assert mine.title in response.text and theirs.title not in response.text


def test_trainer_cannot_open_or_delete_another_trainers_bank(client, people, banks):
    mine, theirs = banks
    client.force_login(people["trainer"].user)
    assert client.get(f"/admin/snippets/exams/questionbank/edit/{mine.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/exams/questionbank/edit/{theirs.pk}/").status_code == 404
    assert client.post(f"/admin/snippets/exams/questionbank/delete/{theirs.pk}/").status_code == 404
    their_question = Question.objects.get(bank=theirs)
    assert client.get(f"/admin/snippets/exams/question/edit/{their_question.pk}/").status_code == 404
    assert QuestionBank.objects.filter(pk=theirs.pk).exists()


def test_bank_created_by_trainer_is_owned_by_them(client, people):
    client.force_login(people["trainer"].user)
    area = factories.areas()["sscard"]
    response = client.post(
        "/admin/snippets/exams/questionbank/add/",
        {"title": "社保卡补换题库", "area": area.pk, "level": "basic", "owner": ""},
    )
    assert response.status_code == 302
    assert QuestionBank.objects.get(title="社保卡补换题库").owner == people["trainer"].user


def test_learner_and_manager_cannot_reach_question_banks(client, people, banks):
    for role in ("learner", "manager"):
        client.force_login(people[role].user)
        response = client.get("/admin/snippets/exams/questionbank/")
        assert response.status_code == 302


def test_admin_sees_every_bank(client, people, banks):
    client.force_login(people["admin"].user)
    response = client.get("/admin/snippets/exams/questionbank/")
    assert all(b.title in response.text for b in banks)
