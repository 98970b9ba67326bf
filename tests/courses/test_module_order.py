"""A module's exam stays last when lessons are added, and a lesson added after someone finished the
module does not undo their completion (issue 17)."""

from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

import pytest

from courses.models import LessonPage
from courses.selectors import module_is_completed_by
from courses.services import lesson_complete, lesson_place_before_exam
from tests import factories

pytestmark = pytest.mark.django_db


def _order(module) -> list[str]:
    return [p.specific_class.__name__ for p in module.get_children().order_by("path")]


def test_a_lesson_added_in_the_admin_goes_before_the_module_exam(client, people):
    mod = factories.module(lessons=2)
    client.force_login(people["admin"].user)
    response = client.post(
        f"/admin/pages/add/courses/lessonpage/{mod.pk}/",
        nested_form_data(
            {
                "title": "新增课时：社保卡补换",
                "slug": "new-lesson",
                "minutes": 10,
                "body": streamfield([]),
                "comments": inline_formset([]),
            }
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    new = LessonPage.objects.get(slug="new-lesson")  # a draft, placed when created
    assert _order(mod) == ["LessonPage", "LessonPage", "LessonPage", "ExamPage"]
    assert [p.pk for p in mod.get_children().order_by("path")][2] == new.pk


def test_an_exam_the_author_moved_keeps_its_place(people):
    mod = factories.module(lessons=2)
    exam = factories.exam_of(mod)
    exam.move(factories.lessons_of(mod)[0], pos="left")  # the author put the exam first
    new = factories.publish(mod, LessonPage(title="新增课时", slug="added"))
    lesson_place_before_exam(page=Page.objects.get(pk=new.pk))
    assert _order(mod) == ["ExamPage", "LessonPage", "LessonPage", "LessonPage"]
    assert mod.get_children().order_by("path").last().pk == new.pk


def test_a_lesson_added_after_a_person_finished_does_not_undo_their_module(client, people):
    learner = people["learner"].user
    mod = factories.module(lessons=2)
    for page in [*factories.lessons_of(mod), factories.exam_of(mod)]:
        lesson_complete(user=learner, page=page)
    assert module_is_completed_by(module=mod, user=learner)

    added = factories.publish(mod, LessonPage(title="新增课时：异地就医备案", slug="added"))
    lesson_place_before_exam(page=Page.objects.get(pk=added.pk))

    assert module_is_completed_by(module=mod, user=learner)
    client.force_login(learner)
    home = client.get("/").text
    assert "本模块已完成" in home and "已完成 3 / 4 课时" not in home


def test_a_lesson_added_before_a_person_finished_still_has_to_be_done(people):
    learner = people["learner"].user
    mod = factories.module(lessons=2)
    lessons = factories.lessons_of(mod)
    lesson_complete(user=learner, page=lessons[0])
    added = factories.publish(mod, LessonPage(title="新增课时：异地就医备案", slug="added"))
    lesson_complete(user=learner, page=lessons[1])
    lesson_complete(user=learner, page=factories.exam_of(mod))
    assert not module_is_completed_by(module=mod, user=learner)
    lesson_complete(user=learner, page=added)
    assert module_is_completed_by(module=mod, user=learner)
