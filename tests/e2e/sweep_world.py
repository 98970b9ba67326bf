"""A small city with something on every screen, for the sweep (tests/e2e/test_sweep.py).

Built through the product's services, like the demo (``seed_demo``), but a few seconds instead of
a minute and a half: one person per role, a module of every page type, a textbook, a learner who
has read, sat an exam, drilled, holds a certificate, has a task and a notification. Every person
and every title is Chinese, so English on a screen is the product's, not the data's; the Latin
values the data does hold (logins, the business areas' codes and English names) are listed in
``World.latin_data`` and the sweep allows exactly those.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from wagtail.models import Collection, Page

from courses.models import (
    LessonVideo,
    LiveSessionPage,
    TextbookChapterPage,
    TextbookIndexPage,
    TextbookPage,
    VideoLessonPage,
)
from courses.services import lesson_complete, lesson_start, video_process
from courses.video_processing import generate_demo_video
from exams.models import Attempt, Choice
from exams.services import attempt_start, attempt_submit, daily_practice_start
from tests import factories
from training.competency.services import certification_issue
from training.notify.services import notify
from training.org.choices import Level, Role

ROLES = ("anonymous", "learner", "trainer", "senior_trainer", "manager", "admin")

BUSINESS_ITEM = {
    "name": "失业保险金申领",
    "policy_basis": [{"title": "《失业保险条例》", "doc_number": "国务院令第258号", "clause": "第十四条"}],
    "conditions": ["非因本人意愿中断就业", "已办理失业登记并有求职要求"],
    "materials": ["本人社会保障卡或身份证件"],
    "steps": ["受理", "审核", "发放"],
    "time_limit": "符合条件的当场办结",
    "fees": "不收费",
    "faq": [{"question": "社保卡补换期间能否申领？", "answer": "可以凭身份证件申领失业保险金"}],
    "attachments": [],  # as the editor saves an item without forms (left out, it would be one empty form)
}


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)  # role -> User (no entry for anonymous)
    # Latin values of the data, which screens show as they are: logins, and the business-area
    # catalogue's codes and English names (its admin listing has a column for each).
    latin_data: set[str] = field(default_factory=set)


def _video(tmp_dir) -> LessonVideo:
    path = tmp_dir / "sweep.mp4"
    generate_demo_video(path, seconds=2, width=256, height=144, fps=10)
    video = LessonVideo(title="失业保险金申领演示", type="video", collection=Collection.get_first_root_node())
    video.file.save("sweep.mp4", ContentFile(path.read_bytes()), save=False)
    video.save()
    return video_process(video_id=video.pk)


def _content(tmp_dir) -> dict[str, Page]:
    module = factories.module(area_code="employment", lessons=2, questions=8, question_count=5)
    factories.publish(
        module, VideoLessonPage(title="视频课：窗口受理演示", slug="video", video=_video(tmp_dir))
    )
    starts = timezone.now() + datetime.timedelta(days=2)
    factories.publish(
        module,
        LiveSessionPage(
            title="直播：失业保险政策解读",
            slug="live",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            join_url="https://meeting.example.cn/j/1",
            signin_code="246810",
        ),
    )
    factories.module(area_code="pension", lessons=1, level=Level.INTERMEDIATE)
    index = factories.publish(factories.home(), TextbookIndexPage(title="业务经办教材", slug="textbooks"))
    textbook = factories.publish(
        index,
        TextbookPage(
            title="失业保险业务经办教材",
            slug="tb-unemployment",
            area=factories.areas()["unemployment"],
            version="2025版",
            effective_date=datetime.date(2025, 1, 1),
            intro="统一经办口径",
        ),
    )
    body = [
        {
            "type": "section",
            "value": {
                "title": "第一节 失业保险金申领",
                "content": [
                    {"type": "paragraph", "value": "<p>本节说明申领条件。</p>"},
                    {"type": "business_item", "value": BUSINESS_ITEM},
                ],
            },
        }
    ]
    factories.publish(textbook, TextbookChapterPage(title="第一章 待遇享受", slug="ch1", body=body))
    return {"module": module}


def _learner_history(learner, module) -> None:
    """Read a lesson, passed the module's exam, drilled with some wrong answers (a wrong-answer
    book), holds a certificate, and has an unread notification."""
    lessons = factories.lessons_of(module)
    lesson_start(user=learner.user, page=lessons[0])
    lesson_complete(user=learner.user, page=lessons[0])
    lesson_start(user=learner.user, page=lessons[1])
    attempt = attempt_start(user=learner.user, exam=factories.exam_of(module))
    attempt_submit(attempt_id=attempt.pk, user=learner.user, answers=factories.correct_answers(attempt))
    daily = daily_practice_start(user=learner.user)
    ids = [e["q"] for e in daily.paper]
    wrong = dict(
        Choice.objects.filter(question_id__in=ids, is_correct=False)
        .order_by("question_id", "sort_order")
        .values_list("question_id", "pk")
    )
    attempt_submit(attempt_id=daily.pk, user=learner.user, answers=wrong)
    assert Attempt.objects.filter(user=learner.user).count() == 2
    area = factories.areas()["pension"]
    certification_issue(
        staff=learner,
        area=area,
        level=Level.BASIC,
        issued_on=timezone.localdate() - datetime.timedelta(days=300),
        reason="sweep",
    )
    notify(
        learner.user,
        kind="assignment_due",
        title="请在3月10日前完成《失业保险金申领》培训",
        body="您所在的湖滨社区尚有1项培训未完成。",
        url=module.url,
        dedupe_key="sweep:1",
        org_unit=learner.org_unit,
    )


def _plan(manager, east, module) -> None:
    from training.plans.services import plan_create, plan_sync

    with transaction.atomic():
        plan = plan_create(
            actor=manager.user,
            root=east,
            title="稳岗返还新政专项培训",
            description="新政策实施：东湖区全体人员完成就业服务初级模块。",
            pages=[module],
            starts_on=timezone.localdate() - datetime.timedelta(days=5),
            due_on=timezone.localdate() + datetime.timedelta(days=25),
        )
        plan_sync(plan=plan, today=plan.starts_on)


def build_world(tmp_dir) -> World:
    tree = factories.city_tree()
    areas = factories.areas()
    people = {
        "learner": factories.staff(org_unit=tree["east_comm"], name="张小明"),
        "trainer": factories.staff(org_unit=tree["city"], name="林培训"),
        "senior_trainer": factories.staff(org_unit=tree["city"], name="高审核", role=Role.SENIOR_TRAINER),
        "manager": factories.staff(
            org_unit=tree["east"], name="周主管", role=Role.MANAGER, manages=tree["east"]
        ),
        "admin": factories.staff(org_unit=tree["city"], name="管理员", role=Role.ADMIN),
    }
    from training.org.services import role_grant

    role_grant(
        user=people["trainer"].user,
        role=Role.TRAINER,
        areas=[areas["employment"], areas["unemployment"]],
    )
    colleagues = [factories.staff(org_unit=tree["east_comm"], name=n) for n in ("李四", "王芳", "赵强")]
    colleagues.append(factories.staff(org_unit=tree["west_comm"], name="孙丽"))
    content = _content(tmp_dir)
    _learner_history(people["learner"], content["module"])
    certification_issue(staff=colleagues[0], area=areas["employment"], level=Level.BASIC, reason="sweep")
    _plan(people["manager"], tree["east"], content["module"])
    world = World(users={role: person.user for role, person in people.items()})
    world.latin_data = set(get_user_model().objects.values_list("username", flat=True))
    for area in areas.values():
        world.latin_data |= {area.code, area.name_en}
    return world
