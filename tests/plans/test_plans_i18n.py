"""Plan texts speak the reader's language: a refused request answers in the interface language
(Chinese by default, English after the switch), while notifications and robot messages, stored for
someone else to read later, are always written in Chinese."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation

import pytest

from tests import factories
from training.notify.models import Notification
from training.plans.models import Assignment
from training.plans.services import PlanError, extension_request, plan_create, plan_sync, reminders_send

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def assignment(tree, people):
    mod = factories.module(area_code="unemployment", lessons=1)
    plan = plan_create(
        actor=people["admin"].user,
        root=tree["east_comm"],
        title="失业保险政策更新培训",
        pages=[mod],
        starts_on=D(2026, 3, 1),
        due_on=D(2026, 3, 10),
    )
    plan_sync(plan=plan, today=D(2026, 3, 1))
    return Assignment.objects.select_related("staff__user", "round__plan").get(staff=people["learner"])


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_plan_error_is_chinese_by_default_and_english_when_english_is_active(assignment, people):
    ask = {"user": people["learner"].user, "assignment": assignment}
    with pytest.raises(PlanError) as refused:
        extension_request(**ask, new_due_on=D(2026, 4, 1), reason="  ")
    assert str(refused.value) == "请填写延期理由。"
    with translation.override("en"), pytest.raises(PlanError) as refused:
        extension_request(**ask, new_due_on=D(2026, 4, 1), reason="  ")
    assert str(refused.value) == "Give a reason for the extension."
    with translation.override("en"), pytest.raises(PlanError) as refused:
        extension_request(**ask, new_due_on=D(2026, 3, 5), reason="家中有事")
    assert str(refused.value) == "The new due date must be later than the current one, 2026-03-10."


def test_a_refused_extension_request_shows_the_message_in_the_interface_language(client, assignment, people):
    client.force_login(people["learner"].user)
    form = {"assignment": assignment.pk, "due_on": "2026-04-10", "reason": ""}
    page = client.post("/me/tasks/", form, follow=True).text
    assert "请填写延期理由。" in page
    page = _english(client).post("/me/tasks/", form, follow=True).text
    assert "Give a reason for the extension." in page and "请填写延期理由" not in page


def test_an_english_interface_still_stores_chinese_notifications(client, assignment, people):
    _english(client).force_login(people["learner"].user)
    form = {"assignment": assignment.pk, "due_on": "2026-04-10", "reason": "近期窗口业务繁忙"}
    page = client.post("/me/tasks/", form, follow=True).text
    assert "Extension request sent; it awaits a manager&#x27;s approval." in page
    note = Notification.objects.get(recipient=people["manager"].user, kind="extension_requested")
    assert note.title == "延期申请：张小明《失业保险政策更新培训》"
    assert note.body == "申请延至 2026-04-10。理由：近期窗口业务繁忙"
    client.force_login(people["manager"].user)
    ext = assignment.extension_requests.get()
    page = client.post("/manage/extensions/", {"request": ext.pk, "decision": "approve"}, follow=True).text
    assert "Extension request decided." in page
    note = Notification.objects.get(recipient=people["learner"].user, kind="extension_decided")
    assert (note.title, note.body) == (
        "延期申请已同意：《失业保险政策更新培训》",
        "新的截止日期 2026-04-10。",
    )


def test_reminders_built_while_english_is_active_are_chinese(assignment, people):
    with translation.override("en"):
        reminders_send(now=datetime.datetime(2026, 3, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    note = Notification.objects.get(recipient=people["learner"].user, kind="task_overdue")
    assert note.title == "已逾期 2 天：失业保险政策更新培训"
    assert note.body == "截止日期 2026-03-10，已完成 0/1 项。"
