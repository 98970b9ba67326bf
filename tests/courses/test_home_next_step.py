"""The home page always offers a next step (下一步): the module to go on with, the next level a
completed module unlocked, the open training tasks, and practice."""

import datetime

from django.utils import timezone

import pytest

from courses.models import ModulePage
from courses.selectors import home_context_for_user
from courses.services import lesson_complete
from exams.services import attempt_start, attempt_submit
from tests import factories
from training.plans.services import plan_create, plan_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers(people):
    basic = factories.module(level="basic", lessons=1)
    higher = factories.module(level="intermediate", lessons=1)
    higher.prerequisite = basic
    higher.save_revision().publish()
    return basic, ModulePage.objects.get(pk=higher.pk)


def _complete(user, module):
    for lesson in factories.lessons_of(module):
        lesson_complete(user=user, page=lesson)
    exam = factories.exam_of(module)
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))


def test_after_finishing_a_module_home_offers_the_level_it_unlocked(client, people, tiers):
    basic, higher = tiers
    learner = people["learner"].user
    client.force_login(learner)
    client.get(factories.lessons_of(basic)[0].url)
    _complete(learner, basic)

    step = home_context_for_user(user=learner)["next_step"]
    assert (step.kind, step.module.pk, step.after.pk) == ("next_level", higher.pk, basic.pk)
    text = client.get("/").text
    section = text.split('id="next-step"')[1].split("</section>")[0]
    assert "下一步" in section and f"您已完成“{basic.title}”。" in section
    assert "下一级别已为您解锁" in section
    assert f'href="{higher.url}">开始学习“{higher.title}”（中级）</a>' in section
    assert "每日一练" in section and 'href="/exams/drills/"' in section


def test_home_offers_practice_and_says_so_when_every_module_is_complete(client, people):
    mod = factories.module(lessons=1)
    learner = people["learner"].user
    _complete(learner, mod)
    client.force_login(learner)
    section = client.get("/").text.split('id="next-step"')[1].split("</section>")[0]
    assert "您已完成所有可学的模块" in section
    assert 'href="/exams/drills/"' in section and 'href="/exams/wrong-book/"' in section


def test_home_offers_a_module_not_begun_when_nothing_was_opened(client, people, tiers):
    basic, higher = tiers
    client.force_login(people["learner"].user)
    section = client.get("/").text.split('id="next-step"')[1].split("</section>")[0]
    # the locked higher level is not offered, the open basic one is
    assert f'href="{basic.url}">开始学习“{basic.title}”</a>' in section and higher.url not in section


def test_home_names_the_open_training_tasks_most_urgent_first(client, people, tree):
    mod = factories.module(area_code="unemployment", lessons=1)
    today = timezone.localdate()
    plan = plan_create(
        actor=people["manager"].user,
        root=tree["east"],
        title="失业保险政策更新培训",
        pages=[mod],
        starts_on=today - datetime.timedelta(days=40),
        due_on=today - datetime.timedelta(days=10),
    )
    plan_sync(plan=plan, today=plan.starts_on)
    client.force_login(people["learner"].user)
    section = client.get("/").text.split('id="next-step"')[1].split("</section>")[0]
    due = f"{today - datetime.timedelta(days=10):%Y-%m-%d}"
    assert "您有 1 项培训任务待完成。" in section
    assert f"“失业保险政策更新培训”应于 {due} 完成，已逾期。" in section
    assert 'href="/me/tasks/"' in section
