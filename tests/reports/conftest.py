import datetime

from django.utils import timezone

import pytest

from courses.models import LessonProgress
from exams.choices import AttemptStatus
from exams.models import Attempt
from tests import factories
from training.competency.services import certification_issue
from training.plans.models import Assignment
from training.plans.services import plan_create, plan_sync


@pytest.fixture
def city(tree, people):
    """The test city with numbers to check: in 湖滨社区 张小明 (specialist and multi-skilled) and a
    part-timer 王兼职; in 石桥村 李四 (pension only). A plan for 湖滨社区 with one of two done; three
    formal exams (one passed, one failed, one too old); lessons completed this week and 3 weeks ago."""
    areas = factories.areas()
    learner, west = people["learner"], people["west_learner"]
    part = factories.staff(org_unit=tree["east_comm"], name="王兼职", employment="part_time")
    certification_issue(staff=learner, area=areas["employment"], level="advanced")
    certification_issue(staff=learner, area=areas["pension"], level="basic")
    certification_issue(staff=learner, area=areas["unemployment"], level="basic")
    certification_issue(staff=part, area=areas["employment"], level="basic")
    certification_issue(staff=west, area=areas["pension"], level="intermediate")

    mod = factories.module(area_code="employment")
    exam = factories.exam_of(mod)
    today = timezone.localdate()
    plan = plan_create(
        actor=people["admin"].user,
        root=tree["east_comm"],
        title="就业服务政策培训",
        pages=[mod],
        starts_on=today - datetime.timedelta(days=5),
        due_on=today + datetime.timedelta(days=20),
    )
    plan_sync(plan=plan, today=today)
    Assignment.objects.filter(staff=learner).update(completed_on=today)

    now = timezone.now()

    def sit(person, passed, days_ago=1):
        return Attempt.objects.create(
            user=person.user,
            exam=exam,
            status=AttemptStatus.GRADED,
            submitted_at=now - datetime.timedelta(days=days_ago),
            score=80 if passed else 40,
            passed=passed,
        )

    sit(learner, True)
    sit(west, False)
    sit(part, True, days_ago=100)  # outside the 90 days
    lesson = factories.lessons_of(mod)[0]
    LessonProgress.objects.create(user=learner.user, page=lesson, module=mod, completed_at=now)
    LessonProgress.objects.create(
        user=west.user, page=lesson, module=mod, completed_at=now - datetime.timedelta(weeks=3)
    )
    return {"part": part, "plan": plan, "mod": mod}
