"""Tiered modules: prerequisites lock higher levels; continue where you left off."""

from django.core.exceptions import ValidationError

import pytest

from courses.models import LessonPage, ModulePage
from courses.services import lesson_complete
from exams.models import Attempt
from exams.services import attempt_start, attempt_submit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers(people):
    basic = factories.module(level="basic", lessons=1)
    advanced = factories.module(level="intermediate", lessons=1)
    advanced.prerequisite = basic
    advanced.save_revision().publish()
    return basic, ModulePage.objects.get(pk=advanced.pk)


def test_higher_level_is_locked_until_the_lower_is_completed(client, people, tiers):
    basic, higher = tiers
    learner = people["learner"].user
    client.force_login(learner)
    lesson = factories.lessons_of(higher)[0]
    exam = factories.exam_of(higher)

    assert "本模块尚未解锁" in client.get(higher.url).text
    text = client.get(lesson.url).text
    assert "本模块尚未解锁" in text and "失业保险金申领条件与流程" not in text
    client.post(lesson.url)  # marking a locked lesson read does nothing
    assert not learner.lesson_progress.filter(page=lesson, completed_at__isnull=False).exists()
    client.post(exam.url, {"action": "start"})
    assert not Attempt.objects.filter(user=learner, exam=exam).exists()

    lesson_complete(user=learner, page=factories.lessons_of(basic)[0])
    basic_exam = factories.exam_of(basic)
    attempt = attempt_start(user=learner, exam=basic_exam)
    attempt_submit(attempt_id=attempt.pk, user=learner, answers=factories.correct_answers(attempt))

    assert "本模块尚未解锁" not in client.get(higher.url).text
    assert "失业保险金申领条件与流程" in client.get(lesson.url).text


def test_prerequisite_must_be_same_area_and_lower_level(people):
    basic = factories.module(level="basic", area_code="employment")
    other_area = factories.module(level="basic", area_code="pension")
    higher = factories.module(level="intermediate", area_code="employment")
    higher.prerequisite = other_area
    with pytest.raises(ValidationError):
        higher.full_clean()
    basic.prerequisite = higher
    with pytest.raises(ValidationError):
        basic.full_clean()
    higher.prerequisite = basic
    higher.full_clean()


def test_home_offers_to_continue_where_the_learner_left_off(client, people):
    mod = factories.module(lessons=3)
    lessons = factories.lessons_of(mod)
    client.force_login(people["learner"].user)
    client.get(lessons[0].url)
    client.post(lessons[0].url)
    text = client.get("/").text
    assert "继续学习" in text
    assert f'href="{lessons[1].url}"' in text


def test_module_outline_marks_lesson_kinds(client, people):
    mod = factories.module(lessons=1)
    client.force_login(people["learner"].user)
    text = client.get(mod.url).text
    assert "阅读" in text and "考试" in text
    assert LessonPage.objects.child_of(mod).count() == 1
