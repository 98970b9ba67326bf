"""Question banks follow business areas, not owners: a trainer acts on every bank of their areas
(a trainer without areas: every area) and on none of another area, whoever owns it; the owner
is a contact, a trainer of the bank's area, shown by name."""

import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from exams.models import Answer, ExamFixedQuestion, Question, QuestionBank
from exams.services import ExamError, answer_mark, attempt_start, attempt_submit
from tests import factories
from training.org.services import role_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def banks(people):
    """The trainer acts on 就业服务 and 失业保险 (as demo_trainer does); a colleague of theirs owns
    the 就业服务 bank, and the trainer owns a 养老保险 bank, as demo_trainer once did."""
    areas = factories.areas()
    trainer = people["trainer"].user
    role_grant(user=trainer, role="trainer", areas=[areas["employment"], areas["unemployment"]])
    colleague = factories.staff(org_unit=people["trainer"].org_unit, name="郑同事", role="trainer")
    role_grant(user=colleague.user, role="trainer", areas=[areas["employment"]])
    mine = factories.bank(area=areas["employment"], questions=1)
    mine.owner = colleague.user
    mine.title = "就业服务初级题库（本领域）"
    mine.save()
    theirs = factories.bank(area=areas["pension"], questions=1)
    theirs.owner = trainer
    theirs.title = "养老保险题库（他领域）"
    theirs.save()
    return mine, theirs


def test_trainer_lists_every_bank_of_their_areas_and_none_of_another(client, people, banks):
    mine, theirs = banks
    client.force_login(people["trainer"].user)
    response = client.get("/admin/snippets/exams/questionbank/")
    assert response.status_code == 200
    assert mine.title in response.text and theirs.title not in response.text
    response = client.get("/admin/snippets/exams/question/")
    assert response.status_code == 200
    assert mine.title in response.text and theirs.title not in response.text


def test_trainer_cannot_open_or_delete_a_bank_of_another_area_they_own(client, people, banks):
    mine, theirs = banks
    client.force_login(people["trainer"].user)
    assert client.get(f"/admin/snippets/exams/questionbank/edit/{mine.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/exams/questionbank/edit/{theirs.pk}/").status_code == 404
    assert client.post(f"/admin/snippets/exams/questionbank/delete/{theirs.pk}/").status_code == 404
    their_question = Question.objects.get(bank=theirs)
    assert client.get(f"/admin/snippets/exams/question/edit/{their_question.pk}/").status_code == 404
    assert QuestionBank.objects.filter(pk=theirs.pk).exists()


def test_trainer_creates_banks_of_their_areas_only(client, people, banks):
    areas = factories.areas()
    client.force_login(people["trainer"].user)
    form = client.get("/admin/snippets/exams/questionbank/add/").text
    assert areas["unemployment"].name in form and areas["pension"].name not in form
    response = client.post(
        "/admin/snippets/exams/questionbank/add/",
        {"title": "养老保险待遇题库", "area": areas["pension"].pk, "level": "basic", "owner": ""},
    )
    assert response.status_code == 200
    assert not QuestionBank.objects.filter(title="养老保险待遇题库").exists()


def test_trainer_cannot_move_a_bank_or_a_question_to_another_area(client, people, banks):
    mine, theirs = banks
    areas = factories.areas()
    client.force_login(people["trainer"].user)
    response = client.post(
        f"/admin/snippets/exams/questionbank/edit/{mine.pk}/",
        {"title": mine.title, "area": areas["pension"].pk, "level": "basic", "owner": ""},
    )
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.area == areas["employment"]
    question = Question.objects.get(bank=mine)
    form = client.get(f"/admin/snippets/exams/question/edit/{question.pk}/").text
    assert mine.title in form and theirs.title not in form


def test_bank_created_by_trainer_has_them_as_its_contact(client, people, banks):
    client.force_login(people["trainer"].user)
    area = factories.areas()["unemployment"]
    response = client.post(
        "/admin/snippets/exams/questionbank/add/",
        {"title": "失业保险金申领题库", "area": area.pk, "level": "basic", "owner": ""},
    )
    assert response.status_code == 302
    assert QuestionBank.objects.get(title="失业保险金申领题库").owner == people["trainer"].user


def test_owner_is_chosen_among_trainers_of_the_area_by_name(client, people, banks):
    mine, _ = banks
    pension_trainer = factories.staff(org_unit=people["trainer"].org_unit, name="钱养老", role="trainer")
    role_grant(user=pension_trainer.user, role="trainer", areas=[factories.areas()["pension"]])
    client.force_login(people["trainer"].user)
    form = client.get(f"/admin/snippets/exams/questionbank/edit/{mine.pk}/").text
    # The trainers of 就业服务, by name; not a trainer of another area, nor any other login.
    select = re.search(r'<select name="owner"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == ["---------", "林培训", "郑同事"]
    data = {"title": mine.title, "area": mine.area_id, "level": "basic"}
    response = client.post(
        f"/admin/snippets/exams/questionbank/edit/{mine.pk}/", {**data, "owner": pension_trainer.user.pk}
    )
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.owner.staff.name == "郑同事"
    response = client.post(
        f"/admin/snippets/exams/questionbank/edit/{mine.pk}/", {**data, "owner": people["trainer"].user.pk}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.owner == people["trainer"].user
    listing = client.get("/admin/snippets/exams/questionbank/").text
    assert "林培训" in listing


def test_trainer_exports_imports_and_analyses_only_banks_of_their_areas(client, people, banks):
    mine, theirs = banks
    client.force_login(people["trainer"].user)
    assert client.get(f"/admin/question-export/{mine.pk}/gift/").status_code == 200
    assert client.get(f"/admin/question-export/{theirs.pk}/gift/").status_code == 404
    assert client.get(f"/exams/banks/{mine.pk}/analysis/").status_code == 200
    assert client.get(f"/exams/banks/{theirs.pk}/analysis/").status_code == 404
    aiken = "退休人员领取养老金需要每年认证吗？\nA. 需要\nB. 不需要\nANSWER: A\n".encode()
    for bank, expected in ((theirs, 1), (mine, 2)):
        client.post(
            "/admin/question-import/",
            {"bank": bank.pk, "fmt": "aiken", "file": SimpleUploadedFile("题目.txt", aiken)},
        )
        assert Question.objects.filter(bank=bank).count() == expected
    banks_page = client.get("/exams/banks/").text
    assert mine.title in banks_page and theirs.title not in banks_page


def test_essays_are_marked_by_trainers_of_their_area_whoever_owns_the_bank(client, people, banks):
    mine, theirs = banks
    learner = people["learner"].user

    def essay_answer(bank):
        essay = factories.typed_question(bank, "essay", stem=f"简述{bank.area.name}的经办流程。", points=4)
        paper = factories.exam_of(factories.module(area_code=bank.area.code, lessons=0))
        ExamFixedQuestion.objects.create(page=paper, question=essay, sort_order=0)
        sitting = attempt_start(user=learner, exam=paper)
        attempt_submit(attempt_id=sitting.pk, user=learner, answers={essay.pk: "先登记，再审核。"})
        return Answer.objects.get(attempt=sitting, question=essay)

    ours, other = essay_answer(mine), essay_answer(theirs)
    client.force_login(people["trainer"].user)
    queue = client.get("/exams/marking/").text
    assert "简述就业服务的经办流程" in queue and "养老保险的经办流程" not in queue
    assert client.get(f"/exams/marking/{other.pk}/").status_code == 404
    with pytest.raises(ExamError):
        answer_mark(answer_id=other.pk, marker=people["trainer"].user, awarded=Decimal(2))
    answer_mark(answer_id=ours.pk, marker=people["trainer"].user, awarded=Decimal(3))


def test_trainer_without_areas_acts_on_every_area(client, people, banks):
    everywhere = factories.staff(org_unit=people["trainer"].org_unit, name="孙全科", role="trainer")
    client.force_login(everywhere.user)
    response = client.get("/admin/snippets/exams/questionbank/")
    assert all(b.title in response.text for b in banks)


def test_learner_and_manager_cannot_reach_question_banks(client, people, banks):
    for role in ("learner", "manager"):
        client.force_login(people[role].user)
        response = client.get("/admin/snippets/exams/questionbank/")
        assert response.status_code == 302


def test_admin_sees_every_bank(client, people, banks):
    client.force_login(people["admin"].user)
    response = client.get("/admin/snippets/exams/questionbank/")
    assert all(b.title in response.text for b in banks)


def _exam_form(exam, user, *, bank, quota_bank=None, fixed_question=None):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    form_class = type(exam).get_edit_handler().get_form_class()
    data = nested_form_data(
        {
            "title": exam.title,
            "slug": exam.slug,
            "mode": exam.mode,
            "bank": bank.pk,
            "question_count": 1,
            "pass_mark": 60,
            "time_limit_minutes": 0,
            "entry_spread_seconds": 0,
            "max_attempts": 0,
            "minutes_between_attempts": 0,
            "grading_method": exam.grading_method,
            "reveal": exam.reveal,
            "layout": exam.layout,
            "quotas": inline_formset(
                [{"bank": quota_bank.pk, "difficulty": "", "count": 1}] if quota_bank else []
            ),
            "fixed_questions": inline_formset([{"question": fixed_question.pk}] if fixed_question else []),
        }
    )
    return form_class(data, instance=exam, for_user=user, parent_page=exam.get_parent())


def test_exam_page_takes_banks_and_questions_of_the_trainers_areas_only(people, banks):
    """An exam page's bank, quota banks and fixed questions follow the trainer's areas: a hand-made
    POST naming another area's bank or question is refused, one of their own areas is taken."""
    mine, theirs = banks
    exam = factories.exam_of(factories.module(area_code="employment"))
    trainer = people["trainer"].user
    assert _exam_form(exam, trainer, bank=mine).is_valid()
    refused = _exam_form(exam, trainer, bank=theirs)
    assert not refused.is_valid() and "bank" in refused.errors
    assert not _exam_form(exam, trainer, bank=mine, quota_bank=theirs).is_valid()
    their_question = Question.objects.get(bank=theirs)
    assert not _exam_form(exam, trainer, bank=mine, fixed_question=their_question).is_valid()
    assert _exam_form(exam, trainer, bank=mine, fixed_question=Question.objects.get(bank=mine)).is_valid()
    # The administrator acts on every area.
    assert _exam_form(exam, people["admin"].user, bank=theirs, quota_bank=theirs).is_valid()
    # What the page already holds stays allowed: a trainer can save a page set up across areas.
    exam.bank = theirs
    exam.save()
    assert _exam_form(exam, trainer, bank=theirs).is_valid()
