"""Training plans: audiences, recurrence, joining and leaving, progress, extensions, gaps,
reminders and escalation (with explicit clocks), and scope on every page."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from courses.services import lesson_complete
from exams.services import attempt_start, attempt_submit
from tests import factories
from training.competency.services import certification_issue
from training.notify.models import Notification, RobotWebhook, WebhookDelivery
from training.org.models import Staff
from training.plans.models import Assignment, ExtensionRequest, GapProposal, PlanItem, PlanRound, TrainingPlan
from training.plans.selectors import audience_for_plan
from training.plans.services import (
    add_months,
    gap_proposals_refresh,
    plan_create,
    plan_sync,
    reminders_send,
)

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
D = datetime.date


def _plan(actor, root, pages, **kw):
    kw.setdefault("starts_on", D(2026, 3, 1))
    if "due_on" not in kw and "due_days" not in kw:
        kw["due_on"] = D(2026, 3, 31)
    return plan_create(
        actor=actor, root=root, title=kw.pop("title", "失业保险政策更新培训"), pages=pages, **kw
    )


@pytest.fixture
def mod(db):
    return factories.module(area_code="unemployment", lessons=1)


@pytest.fixture
def crowd(tree, people):
    """A few more people in 湖滨社区: a part-time 社保专员 and a full-time 窗口受理员."""
    part = factories.staff(org_unit=tree["east_comm"], name="王兼职", employment="part_time")
    part.post = "社保专员"
    part.save()
    full = factories.staff(org_unit=tree["east_comm"], name="赵专职")
    full.post = "窗口受理员"
    full.save()
    return {"part": part, "full": full}


def _ids(qs):
    return set(qs.values_list("name", flat=True))


def test_audience_rules(tree, people, crowd, mod):
    admin = people["admin"].user
    everyone = _plan(admin, tree["city"], [mod])
    assert {"张小明", "李四", "王兼职", "赵专职", "周主管"} <= _ids(audience_for_plan(plan=everyone))
    rural = _plan(admin, tree["city"], [mod], unit_kind="rural")
    assert _ids(audience_for_plan(plan=rural)) == {"李四", "吴主管"}
    part = _plan(admin, tree["city"], [mod], employment="part_time")
    assert _ids(audience_for_plan(plan=part)) == {"王兼职"}
    posts = _plan(admin, tree["east"], [mod], posts=["社保专员", "窗口受理员"])
    assert _ids(audience_for_plan(plan=posts)) == {"王兼职", "赵专职"}
    communities = _plan(admin, tree["city"], [mod], unit_level="community")
    assert _ids(audience_for_plan(plan=communities)) == {"张小明", "李四", "王兼职", "赵专职"}
    area = factories.areas()["unemployment"]
    certification_issue(staff=crowd["full"], area=area, level="intermediate")  # a higher level counts
    certification_issue(staff=people["learner"], area=area, level="basic")
    lacking = _plan(admin, tree["east_comm"], [mod], lacking_area=area, lacking_level="intermediate")
    assert _ids(audience_for_plan(plan=lacking)) == {"张小明", "王兼职"}
    named = _plan(admin, tree["east"], [mod], audience_mode="named", people=[crowd["part"]])
    assert _ids(audience_for_plan(plan=named)) == {"王兼职"}


def test_manager_creates_a_plan_and_everyone_gets_a_task_and_a_chinese_notice(
    client, tree, people, crowd, mod, django_capture_on_commit_callbacks
):
    client.force_login(people["manager"].user)
    assert client.get("/manage/plans/new/").status_code == 200
    form = {
        "title": "2026年度失业保险政策更新培训",
        "root": tree["east_comm"].pk,
        "pages": [mod.pk],
        "audience_mode": "rules",
        "recurrence": "once",
        "starts_on": "2026-01-01",
        "due_on": "2099-12-31",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/plans/new/", form)
    plan = TrainingPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/plans/{plan.pk}/"
    assert set(Assignment.objects.values_list("staff__name", flat=True)) == {"张小明", "王兼职", "赵专职"}
    note = Notification.objects.get(recipient=people["learner"].user, kind="task_assigned")
    assert note.title == "新的培训任务：2026年度失业保险政策更新培训" and "2099-12-31" in note.body
    page = client.get(f"/manage/plans/{plan.pk}/").content.decode()
    assert "湖滨社区" in page and ">3<" in page
    people_page = client.get(f"/manage/plans/{plan.pk}/?status=assigned").content.decode()
    assert "王兼职" in people_page and "李四" not in people_page
    # a unit outside the manager's subtree is not a choice
    form["root"] = tree["west_comm"].pk
    response = client.post("/manage/plans/new/", form)
    assert response.status_code == 200 and TrainingPlan.objects.count() == 1


def test_plan_pages_scope(client, tree, people, mod):
    plan = _plan(people["manager"].user, tree["east"], [mod])
    urls = [
        "/manage/plans/",
        "/manage/plans/new/",
        f"/manage/plans/{plan.pk}/",
        "/manage/extensions/",
        "/manage/gaps/",
    ]
    client.force_login(people["learner"].user)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.get("/me/tasks/").status_code == 200
    client.force_login(people["west_manager"].user)
    assert client.get(f"/manage/plans/{plan.pk}/").status_code == 404
    assert "失业保险政策更新培训" not in client.get("/manage/plans/").content.decode()
    client.force_login(people["manager"].user)
    assert client.get(f"/manage/plans/{plan.pk}/").status_code == 200
    assert client.get(f"/manage/plans/{plan.pk}/?unit={tree['west'].pk}").status_code == 404
    client.force_login(people["admin"].user)
    assert client.get(f"/manage/plans/{plan.pk}/").status_code == 200
    client.logout()
    for url in [*urls, "/me/tasks/"]:
        assert client.get(url).status_code == 302, url


def test_plan_for_another_subtree_is_refused_by_the_service(tree, people, mod):
    from training.plans.services import PlanError

    with pytest.raises(PlanError):
        _plan(people["west_manager"].user, tree["east"], [mod])


def test_recurring_plan_assigns_each_round_afresh_and_keeps_history(tree, people, mod):
    plan = _plan(
        people["admin"].user,
        tree["east_comm"],
        [factories.exam_of(mod)],
        recurrence="yearly",
        starts_on=D(2025, 1, 10),
        due_on=None,
        due_days=30,
    )
    assert plan_sync(plan=plan, today=D(2025, 1, 9))["assigned"] == 0  # not started yet
    assert plan_sync(plan=plan, today=D(2025, 1, 10))["assigned"] == 1
    assert plan_sync(plan=plan, today=D(2025, 6, 1))["assigned"] == 0  # same round
    first = Assignment.objects.get()
    assert first.due_on == D(2025, 2, 9)
    assert plan_sync(plan=plan, today=D(2026, 1, 10))["assigned"] == 1
    assert list(
        PlanRound.objects.filter(plan=plan).order_by("number").values_list("number", "starts_on")
    ) == [
        (1, D(2025, 1, 10)),
        (2, D(2026, 1, 10)),
    ]
    assert Assignment.objects.count() == 2 and Assignment.objects.filter(pk=first.pk).exists()


def test_round_starts_clamp_to_month_ends():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_months(D(2026, 12, 15), 12) == D(2027, 12, 15)


def test_an_exam_passed_in_an_earlier_round_does_not_count_for_the_next(tree, people, mod):
    exam = factories.exam_of(mod)
    plan = _plan(
        people["admin"].user,
        tree["east_comm"],
        [exam],
        recurrence="quarterly",
        starts_on=D(2026, 1, 1),
        due_on=None,
        due_days=20,
    )
    plan_sync(plan=plan, today=D(2026, 1, 1))
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    # the test runs today; round 1 started on 1 January, so the pass counts for it
    plan_sync(plan=plan, today=D(2026, 1, 2))
    assert Assignment.objects.get(round__number=1).completed_on == D(2026, 1, 2)
    far = datetime.date.today() + datetime.timedelta(days=400)
    plan.starts_on = far - datetime.timedelta(days=100)
    plan.save()
    plan_sync(plan=plan, today=far)
    latest = Assignment.objects.order_by("-round__number").first()
    assert latest.round.number > 1 and latest.completed_on is None and latest.items_done == 0


def test_module_item_completes_when_every_lesson_is_done(
    tree, people, mod, django_capture_on_commit_callbacks
):
    plan = _plan(
        people["admin"].user, tree["east_comm"], [mod], starts_on=D(2026, 1, 1), due_on=D(2099, 1, 1)
    )
    plan_sync(plan=plan, today=D(2026, 1, 1))
    user = people["learner"].user
    lesson_complete(user=user, page=factories.lessons_of(mod)[0])
    plan_sync(plan=plan, today=D(2026, 1, 2))
    a = Assignment.objects.get(staff=people["learner"])
    assert (a.items_done, a.completed_on) == (0, None)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_complete(user=user, page=factories.exam_of(mod))  # the module's last lesson: signal → task
    a.refresh_from_db()
    assert a.items_done == 1 and a.completed_on is not None


def test_newcomers_and_transfers_join_and_leavers_keep_their_history(
    tree, people, mod, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan = _plan(people["admin"].user, tree["east"], [mod], starts_on=D(2026, 1, 1), due_on=D(2099, 1, 1))
    assert Assignment.objects.filter(round__plan=plan, staff=people["learner"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = factories.staff(org_unit=tree["east_comm"], name="钱新人")
    assert Assignment.objects.filter(staff=newcomer, left_on__isnull=True).exists()
    mover = people["west_learner"]
    with django_capture_on_commit_callbacks(execute=True):
        mover.org_unit = tree["east_comm"]
        mover.save()
    assert Assignment.objects.filter(staff=mover, left_on__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        newcomer.org_unit = tree["west_comm"]
        newcomer.save()
    kept = Assignment.objects.get(staff=newcomer)
    assert kept.left_on is not None  # history kept, no longer counted
    from training.plans.selectors import plan_progress

    total = plan_progress(plan=plan, unit=tree["east"])["total"]
    assert total.assigned == Staff.objects.filter(org_unit__path__startswith=tree["east"].path).count()


@pytest.fixture
def due_plan(tree, people, mod):
    plan = _plan(
        people["admin"].user, tree["east_comm"], [mod], starts_on=D(2026, 3, 1), due_on=D(2026, 3, 10)
    )
    plan_sync(plan=plan, today=D(2026, 3, 1))
    return plan


def _at(day, hour=10):
    return datetime.datetime(2026, 3, day, hour, tzinfo=SH)


def _kinds(person):
    return list(
        Notification.objects.filter(recipient=person.user).order_by("pk").values_list("kind", flat=True)
    )


def test_reminders_before_on_and_after_the_due_date_each_once(due_plan, people):
    learner = people["learner"]
    reminders_send(now=_at(6))  # 4 days before: nothing yet (3 by default)
    assert _kinds(learner) == ["task_assigned"]
    reminders_send(now=_at(7))
    reminders_send(now=_at(7, 15))
    reminders_send(now=_at(8))  # the same "soon" reminder is not repeated each day
    assert _kinds(learner) == ["task_assigned", "task_due_soon"]
    reminders_send(now=_at(10))
    reminders_send(now=_at(11))
    assert _kinds(learner)[-2:] == ["task_due_today", "task_overdue"]
    assert Notification.objects.get(recipient=learner.user, kind="task_overdue").title.startswith(
        "已逾期 1 天"
    )


def test_escalation_after_the_set_days_to_managers_and_the_station_robot(
    due_plan,
    people,
    tree,
    robot_server,
    django_capture_on_commit_callbacks,
):
    from training.notify.models import NotifySettings

    config = NotifySettings.load()
    config.quiet_start = config.quiet_end = datetime.time(0, 0)
    config.save()
    RobotWebhook.objects.create(
        org_unit=tree["east_comm"], name="湖滨社区工作群", kind="wecom", url=f"{robot_server.url}/wecom"
    )
    manager = people["manager"]
    reminders_send(now=_at(12))  # 2 days overdue: not yet
    assert "task_escalated" not in _kinds(manager)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(now=_at(13))  # 3 days overdue
        reminders_send(now=_at(13, 16))
        reminders_send(now=_at(14))
    escalations = Notification.objects.filter(recipient=manager.user, kind="task_escalated")
    assert escalations.count() == 1
    assert "湖滨社区" in escalations[0].title and "张小明《失业保险政策更新培训》" in escalations[0].body
    assert "task_escalated" not in _kinds(people["west_manager"])
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.status == "sent"
    [received] = robot_server.to("/wecom")
    assert "【培训督办】湖滨社区" in received.body.decode("utf-8")


def test_an_approved_extension_moves_the_due_date_and_restarts_reminders(client, due_plan, people):
    learner = people["learner"]
    a = Assignment.objects.get(staff=learner)
    client.force_login(learner.user)
    page = client.get("/me/tasks/").content.decode()
    assert "失业保险政策更新培训" in page and "2026-03-10" in page
    response = client.post(
        "/me/tasks/", {"assignment": a.pk, "due_on": "2026-04-10", "reason": "近期窗口业务繁忙，申请延期"}
    )
    assert response.status_code == 302
    ext = ExtensionRequest.objects.get()
    assert ext.reason == "近期窗口业务繁忙，申请延期"
    # another person's task cannot be touched
    client.force_login(people["west_learner"].user)
    assert (
        client.post("/me/tasks/", {"assignment": a.pk, "due_on": "2026-05-01", "reason": "x"}).status_code
        == 404
    )
    # the other district's manager does not see it
    client.force_login(people["west_manager"].user)
    assert "近期窗口业务繁忙" not in client.get("/manage/extensions/").content.decode()
    assert client.post("/manage/extensions/", {"request": ext.pk, "decision": "approve"}).status_code == 404
    client.force_login(people["manager"].user)
    assert "近期窗口业务繁忙" in client.get("/manage/extensions/").content.decode()
    client.post("/manage/extensions/", {"request": ext.pk, "decision": "approve", "note": "同意"})
    a.refresh_from_db()
    assert a.due_on == D(2026, 4, 10)
    assert Notification.objects.filter(recipient=learner.user, kind="extension_decided").exists()
    reminders_send(now=_at(11))
    assert "task_overdue" not in _kinds(learner)


def test_refusing_needs_a_reason(client, due_plan, people):
    a = Assignment.objects.get(staff=people["learner"])
    ExtensionRequest.objects.create(assignment=a, requested_due_on=D(2026, 4, 1), reason="家中有事")
    client.force_login(people["manager"].user)
    client.post("/manage/extensions/", {"request": ExtensionRequest.objects.get().pk, "decision": "refuse"})
    assert ExtensionRequest.objects.get().status == "pending"


def test_gap_proposal_picks_the_best_candidate_and_the_manager_confirms(client, tree, people, crowd, mod):
    areas = factories.areas()
    # 湖滨社区 offers employment and pension; nobody holds either. 赵专职 holds another area.
    certification_issue(staff=crowd["full"], area=areas["unemployment"], level="basic")
    pension = factories.module(area_code="pension")
    assert gap_proposals_refresh() >= 2
    assert gap_proposals_refresh() == 0  # one open proposal per station and area
    gap = GapProposal.objects.get(org_unit=tree["east_comm"], area=areas["pension"])
    assert gap.candidate == crowd["full"]
    assert Notification.objects.filter(recipient=people["manager"].user, kind="gap_proposed").exists()
    client.force_login(people["west_manager"].user)
    assert client.post("/manage/gaps/", {"proposal": gap.pk}).status_code == 404
    client.force_login(people["manager"].user)
    page = client.get("/manage/gaps/").content.decode()
    assert f"湖滨社区 · {areas['pension'].name}" in page
    # pick someone else of the station
    client.post("/manage/gaps/", {"proposal": gap.pk, "action": "confirm", "staff": crowd["part"].pk})
    gap.refresh_from_db()
    assert gap.status == "confirmed" and gap.candidate == crowd["part"]
    assert list(PlanItem.objects.filter(plan=gap.plan).values_list("page_id", flat=True)) == [pension.pk]
    assert Assignment.objects.filter(round__plan=gap.plan, staff=crowd["part"]).exists()
    # once someone is certified the other gap closes by itself
    certification_issue(staff=people["learner"], area=areas["employment"], level="basic")
    gap_proposals_refresh()
    assert GapProposal.objects.get(org_unit=tree["east_comm"], area=areas["employment"]).status == "resolved"


def test_my_tasks_are_ordered_by_urgency_with_a_constant_number_of_queries(
    client, tree, people, mod, django_assert_max_num_queries
):
    user = people["learner"].user
    for i, due in enumerate([D(2099, 5, 1), D(2020, 1, 1), D(2099, 1, 1)]):
        plan = _plan(
            people["admin"].user,
            tree["east_comm"],
            [mod],
            title=f"计划{i}",
            starts_on=D(2020, 1, 1),
            due_on=due,
        )
        plan_sync(plan=plan, today=D(2020, 1, 1))
    client.force_login(user)
    page = client.get("/me/tasks/").content.decode()
    assert page.index("计划1") < page.index("计划2") < page.index("计划0")
    assert "已逾期" in page or "Overdue" in page

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get("/me/tasks/")  # steady state: the unread count is kept once counted
        with CaptureQueriesContext(connection) as ctx:
            client.get("/me/tasks/")
        return len(ctx.captured_queries)

    few = count()
    for i in range(5):
        plan = _plan(
            people["admin"].user,
            tree["east_comm"],
            [mod],
            title=f"更多{i}",
            starts_on=D(2020, 1, 1),
            due_on=D(2099, 1, 1),
        )
        plan_sync(plan=plan, today=D(2020, 1, 1))
    # progress refresh reads per round (a handful of rows per person); the page itself is constant
    assert count() <= few + 5 * 4


def test_people_imported_from_a_roster_get_their_assignments(
    tree, people, mod, django_capture_on_commit_callbacks
):
    from tests.org.conftest import id_number, roster_bytes
    from training.org.roster import roster_import

    plan = _plan(people["admin"].user, tree["east"], [mod], starts_on=D(2026, 1, 1), due_on=D(2099, 1, 1))
    plan_sync(plan=plan)
    new = id_number()
    data = roster_bytes([[tree["east_comm"].code, "孙新来", new, "13800138000", "窗口受理员", "专职", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(data=data, filename="花名册.xlsx", actor=None)
    assert Assignment.objects.filter(round__plan=plan, staff__id_number=new).exists()


def test_plan_changes_and_certification_changes_are_audited(tree, people, mod):
    from training.competency.services import certification_revoke
    from training.org.models import AuditEvent

    _plan(people["manager"].user, tree["east"], [mod], title="审计测试计划")
    created = AuditEvent.objects.get(action="plan.create")
    assert created.actor == people["manager"].user and "审计测试计划" in created.target
    cert = certification_issue(staff=people["learner"], area=factories.areas()["pension"], level="basic")
    assert not AuditEvent.objects.filter(action__startswith="certification.").exists()  # by the system
    certification_revoke(certification=cert, actor=people["admin"].user, reason="材料不全")
    revoked = AuditEvent.objects.get(action="certification.revoked")
    assert revoked.actor == people["admin"].user and revoked.details["reason"] == "材料不全"
    assert "张小明" in revoked.target
