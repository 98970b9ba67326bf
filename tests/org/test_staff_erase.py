"""删除离职人员个人信息: irreversible, all or nothing, statistics unchanged, no trace of the person
left anywhere in the database (audit log and search index included)."""

import dataclasses
import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page as PaginatorPage
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import reverse

import pytest

from exams.models import Answer, Attempt
from exams.selectors import item_analysis_for_bank, leaderboard_units
from tests import factories
from training.competency.models import Certification, CertificationEvent
from training.competency.selectors import coverage_for_unit, multi_skill_for_unit
from training.competency.services import certification_issue_manual
from training.notify.models import Notification, WebhookDelivery
from training.notify.services import notify
from training.org.models import AuditEvent, RoleAssignment, Staff
from training.org.personal_data import Erasure, json_escaped, register_eraser, unregister
from training.org.services import StaffEraseError, staff_erase
from training.plans.models import Assignment
from training.plans.selectors import plan_progress
from training.reports.selectors import province_report

from . import privacy_world
from .privacy_world import ESSAY

pytestmark = pytest.mark.django_db


def freeze(value):
    """A plain, comparable copy of what a selector returned (dataclasses, rows, pages, models)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: freeze(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Model):
        return (value._meta.label, value.pk)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    if isinstance(value, PaginatorPage):
        return [freeze(v) for v in value.object_list]
    if isinstance(value, list | tuple) or type(value).__name__ == "PackedStations":
        return [freeze(v) for v in value]
    return value


def statistics(tree, world) -> dict:
    """The figures the product reports, through its own selectors."""
    today = datetime.date.today()
    city = tree["city"]
    return {
        "dashboard": freeze(province_report(unit=city, today=today)),
        "coverage": freeze(coverage_for_unit(unit=city)),
        "multi_skill": freeze(multi_skill_for_unit(unit=city, children=list(city.get_children()))),
        "plan": freeze(plan_progress(plan=world.plan, unit=tree["east"], today=today)),
        "items": freeze(item_analysis_for_bank(bank=world.exam.bank)),
        "essay_items": freeze(item_analysis_for_bank(bank=world.bank)),
        "ranking": freeze(leaderboard_units(level="community", since=datetime.date(2000, 1, 1))),
        "attempts": list(Attempt.objects.order_by("pk").values_list("pk", "user_id", "score", "passed")),
        "certifications": list(Certification.objects.order_by("pk").values_list("pk", "staff_id", "status")),
        "assignments": list(
            Assignment.objects.order_by("pk").values_list("pk", "staff_id", "completed_on", "left_on")
        ),
    }


def database_text():
    """Every value of every table, as text (raw SQL: nothing the ORM would hide)."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", "ignore")
                    if value is not None:
                        yield table, str(value)


def traces(terms) -> list[tuple[str, str]]:
    wanted = {t for term in terms for t in (term, json_escaped(term))}
    return [(table, t) for table, text in database_text() for t in wanted if t in text]


def test_erasing_a_leaver_keeps_statistics_and_leaves_no_trace(
    tree, people, django_capture_on_commit_callbacks
):
    world = privacy_world.build(tree, people)
    assert {t for _, t in traces(world.terms)} >= set(world.terms)  # they are everywhere now
    session = Client()
    session.force_login(world.user)
    assert session.get(reverse("org:my_data")).status_code == 200

    # She left (the product's existing treatment: inactive, open tasks marked as left).
    with django_capture_on_commit_callbacks(execute=True):
        world.staff.is_active = False
        world.staff.save()
    before = statistics(tree, world)

    with django_capture_on_commit_callbacks(execute=True):
        event = staff_erase(staff=world.staff, actor=people["admin"].user)

    assert statistics(tree, world) == before
    assert traces(world.terms) == []
    scanned = set(connection.introspection.table_names())
    assert {
        "org_auditevent",
        "wagtailsearch_indexentry",
        "django_session",
        "wagtailcore_modellogentry",
    } <= scanned

    staff = Staff.objects.select_related("user").get(pk=world.staff.pk)
    label = f"已注销人员 #{staff.pk}"
    assert staff.name == label and staff.id_number is None and staff.phone == "" and not staff.is_active
    assert staff.user.username == f"erased-{staff.user_id}" and not staff.user.is_active
    assert not staff.user.has_usable_password() and staff.user.email == ""
    assert set(RoleAssignment.objects.filter(user=staff.user).values_list("role", flat=True)) == {"learner"}
    # History stays attached to the anonymised record.
    assert Attempt.objects.filter(user=staff.user).count() == 2
    assert Certification.objects.filter(staff=staff).count() == 1
    assert CertificationEvent.objects.filter(certification__staff=staff).exists()
    assert Answer.objects.filter(attempt__user=staff.user, marker_comment="").count() >= 1
    assert not Answer.objects.filter(response=ESSAY).exists()
    assert not Notification.objects.filter(recipient=staff.user).exists()
    assert WebhookDelivery.objects.get().text == f"【培训督办】{label}的培训任务已逾期"  # renamed

    # Login disabled, sessions ended.
    assert session.get(reverse("org:my_data")).status_code == 302
    refused = Client().post(reverse("login"), {"username": world.username, "password": factories.PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session

    assert event.action == "personal_data.erase" and event.target == label
    assert event.details["changed"]["essay_answers"] == 1 and event.details["was_active"] is False
    with pytest.raises(StaffEraseError):
        staff_erase(staff=staff, actor=people["admin"].user)


def test_erasing_someone_still_in_post_takes_them_out_of_current_coverage(
    tree, people, django_capture_on_commit_callbacks
):
    learner = people["learner"]
    area = factories.areas()["employment"]
    certification_issue_manual(
        staff=learner, area=area, level="basic", actor=people["trainer"].user, reason="张小明考核合格"
    )

    def holders():
        station = next(s for s in coverage_for_unit(unit=tree["east_comm"]).stations)
        return next(c.holders for c in station.cells if c.area == area)

    assert holders() == 1
    passed_before = Certification.objects.filter(staff=learner).count()
    with django_capture_on_commit_callbacks(execute=True):
        staff_erase(staff=learner, actor=people["admin"].user)
    assert holders() == 0
    assert Certification.objects.filter(staff=learner).count() == passed_before
    assert traces(["张小明"]) == []


def test_erasure_is_all_or_nothing(tree, people):
    learner = people["learner"]
    notify(learner.user, kind="x", title="张小明：新的培训任务", dedupe_key="k1")
    notify(people["manager"].user, kind="x", title="张小明的任务逾期", dedupe_key="k2")

    def broken(erasure: Erasure) -> None:
        raise RuntimeError("disk full")

    register_eraser("tests.broken", broken, order=999)  # after the others, before the account's
    try:
        with pytest.raises(RuntimeError):
            staff_erase(staff=learner, actor=people["admin"].user)
    finally:
        unregister("tests.broken")
    learner = Staff.objects.select_related("user").get(pk=learner.pk)
    assert learner.name == "张小明" and learner.is_active and learner.user.is_active
    assert Notification.objects.filter(title__contains="张小明").count() == 2
    assert not AuditEvent.objects.filter(action="personal_data.erase").exists()


def test_only_administrators_erase_and_never_themselves(people):
    for who in ("manager", "trainer", "learner"):
        with pytest.raises(PermissionDenied):
            staff_erase(staff=people["west_learner"], actor=people[who].user)
    with pytest.raises(StaffEraseError):
        staff_erase(staff=people["admin"], actor=people["admin"].user)


def test_names_of_other_people_that_contain_the_name_are_kept(tree, people):
    factories.staff(org_unit=tree["east_comm"], name="张小明明")
    notify(people["manager"].user, kind="x", title="张小明、张小明明的任务逾期", dedupe_key="k3")
    staff_erase(staff=people["learner"], actor=people["admin"].user)
    title = Notification.objects.get(dedupe_key="k3").title
    assert title == f"已注销人员 #{people['learner'].pk}、张小明明的任务逾期"


def test_admin_pages_confirm_in_chinese_mask_numbers_and_refuse_others(client, tree, people):
    person = people["learner"]
    Staff.objects.filter(pk=person.pk).update(id_number="360102199001011234", phone="13800001111")
    url = reverse("org_staff_erase", args=[person.pk])
    for who in ("manager", "trainer", "learner"):
        client.force_login(people[who].user)
        assert client.get(reverse("org_people")).status_code == 302
        assert client.post(url, {"confirm_name": "张小明", "understood": "on"}).status_code == 302
    assert Staff.objects.get(pk=person.pk).name == "张小明"

    client.force_login(people["admin"].user)
    assert "张小明" in client.get(reverse("org_people"), {"q": "360102199001011234"}).text
    listing = client.get(reverse("org_people"), {"q": "张小"})
    assert "张小明" in listing.text and "360102********1234" in listing.text and "138****1111" in listing.text
    assert "360102199001011234" not in listing.text and "13800001111" not in listing.text
    page = client.get(url)
    assert "不可撤销" in page.text and "360102199001011234" not in page.text

    wrong = client.post(url, {"confirm_name": "张小", "understood": "on"})
    assert wrong.status_code == 200 and "姓名不一致" in wrong.text
    assert Staff.objects.get(pk=person.pk).name == "张小明"
    done = client.post(url, {"confirm_name": "张小明", "understood": "on"}, follow=True)
    assert "已注销人员" in done.text
    assert Staff.objects.get(pk=person.pk).id_number is None
    assert "已经删除" in client.get(url).text
