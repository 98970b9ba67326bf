"""A task that reaches a person already past its due date (a back-dated round) says plainly, in
its notification and on My tasks, that it is overdue from the start and how to ask for more time."""

import datetime

from django.utils import timezone

import pytest

from tests import factories
from training.notify.models import Notification
from training.plans.services import plan_create, plan_sync

pytestmark = pytest.mark.django_db


def _plan(people, tree, *, starts_ago: int, due_ago: int):
    today = timezone.localdate()
    plan = plan_create(
        actor=people["manager"].user,
        root=tree["east"],
        title="稳岗返还新政专项培训",
        pages=[factories.module(area_code="unemployment", lessons=1)],
        starts_on=today - datetime.timedelta(days=starts_ago),
        due_on=today - datetime.timedelta(days=due_ago),
    )
    plan_sync(plan=plan, today=plan.starts_on)  # assigned as of the day the plan started
    return plan


def test_a_task_assigned_past_its_due_date_says_it_is_overdue_and_how_to_ask_for_more_time(
    client, people, tree
):
    _plan(people, tree, starts_ago=40, due_ago=10)
    due = f"{timezone.localdate() - datetime.timedelta(days=10):%Y-%m-%d}"
    note = Notification.objects.get(recipient=people["learner"].user, kind="task_assigned")
    assert note.title == "新的培训任务（下达时已逾期）：稳岗返还新政专项培训"
    assert f"截止日期 {due} 在任务下达给您之前已经过去" in note.body
    assert "申请延期" in note.body and "请于" not in note.body

    client.force_login(people["learner"].user)
    text = client.get("/me/tasks/").text
    assert f"本任务下达给您时已过截止日期（{due}），一下达即已逾期。" in text
    assert "请在下方申请延期" in text
    assert "<details open><summary>申请延期</summary>" in text


def test_a_task_due_in_the_future_asks_to_finish_by_its_date(client, people, tree):
    today = timezone.localdate()
    plan = plan_create(
        actor=people["manager"].user,
        root=tree["east"],
        title="年度业务政策更新培训",
        pages=[factories.module(area_code="unemployment", lessons=1)],
        starts_on=today,
        due_on=today + datetime.timedelta(days=30),
    )
    plan_sync(plan=plan, today=today)
    note = Notification.objects.get(recipient=people["learner"].user, kind="task_assigned")
    assert note.title == "新的培训任务：年度业务政策更新培训"
    assert note.body == f"请于 {today + datetime.timedelta(days=30):%Y-%m-%d} 前完成。"
    client.force_login(people["learner"].user)
    text = client.get("/me/tasks/").text
    assert "一下达即已逾期" not in text and "<details><summary>申请延期</summary>" in text
