"""The administrators' org screens: roster upload, the tree (move, merge), the audit log."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import pytest
from openpyxl import load_workbook

from tests import factories
from training.org.audit import audit_record
from training.org.models import AuditEvent, OrgUnit, RoleAssignment, Staff, StaffTransfer
from training.org.services import OrgTreeError, org_unit_merge, org_unit_move, role_grant

from .conftest import id_number, roster_bytes

pytestmark = pytest.mark.django_db


def _upload(client, data, name="花名册.xlsx"):
    return client.post("/admin/org/roster/", {"file": SimpleUploadedFile(name, data)})


# --- roster upload --------------------------------------------------------------------------


def test_admin_uploads_a_roster_and_sees_the_summary(client, people, tree):
    client.force_login(people["admin"].user)
    assert client.get("/admin/org/roster/").status_code == 200
    data = roster_bytes([[tree["east_comm"].code, "欧阳娜娜", id_number(), "13800138000", "", "专职", ""]])
    response = _upload(client, data)
    assert response.status_code == 200
    assert "新增 1" in response.text and "欧阳娜娜" not in response.text
    assert Staff.objects.filter(name="欧阳娜娜").exists()
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor == people["admin"].user and event.details["file"] == "花名册.xlsx"


def test_admin_upload_lists_every_problem_and_imports_nothing(client, people, tree):
    client.force_login(people["admin"].user)
    before = Staff.objects.count()
    data = roster_bytes(
        [
            ["江川市/无此区", "甲", id_number(), "13800138000", "", "专职", ""],
            [tree["east_comm"].code, "乙", "123", "138", "", "专职", ""],
        ]
    )
    response = _upload(client, data)
    assert "未导入任何数据：3 处问题" in response.text
    assert "第 2 行，机构（A 列）：未找到机构“江川市/无此区”" in response.text
    assert "第 3 行，身份证号（C 列）：应为 18 位（当前 3 位）" in response.text
    assert "第 3 行，手机号（D 列）：“138”无效" in response.text
    assert Staff.objects.count() == before


@pytest.mark.parametrize("who", ["manager", "learner", "trainer", None])
def test_roster_upload_is_refused_to_everyone_but_admins(client, people, tree, who):
    if who:
        client.force_login(people[who].user)
    data = roster_bytes([[tree["east_comm"].code, "欧阳娜娜", id_number(), "13800138000", "", "专职", ""]])
    assert client.get("/admin/org/roster/").status_code == 302
    assert _upload(client, data).status_code == 302
    assert client.get("/admin/org/roster/template.xlsx").status_code == 302
    assert not Staff.objects.filter(name="欧阳娜娜").exists()


def test_template_download_has_the_chinese_headers_and_the_units(client, people, tree):
    client.force_login(people["admin"].user)
    response = client.get("/admin/org/roster/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == [
        "机构",
        "姓名",
        "身份证号",
        "手机号",
        "岗位",
        "用工性质",
        "主攻领域",
        "工号",
    ]
    units = {row[0]: row[1] for row in workbook["机构列表"].iter_rows(min_row=2, values_only=True)}
    assert units[tree["east_comm"].code] == "江川市/东湖区/东湖街道/湖滨社区"
    areas = dict(workbook["业务领域"].iter_rows(min_row=2, values_only=True))
    assert areas["unemployment"] == "失业保险"


# --- org tree -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/org/units/", "/admin/org/audit/"])
@pytest.mark.parametrize("who", ["manager", "learner", None])
def test_org_pages_are_admin_only(client, people, url, who):
    if who:
        client.force_login(people[who].user)
    assert client.get(url).status_code == 302


def test_tree_page_lists_units_with_staff_counts(client, people, tree, django_assert_max_num_queries):
    client.force_login(people["admin"].user)
    with django_assert_max_num_queries(20):
        response = client.get("/admin/org/units/")
    assert response.status_code == 200
    assert "湖滨社区" in response.text and "石桥村" in response.text


def test_admin_creates_and_edits_a_unit(client, people, tree):
    client.force_login(people["admin"].user)
    assert client.get("/admin/org/units/add/").status_code == 200
    assert client.get(f"/admin/org/units/{tree['east_street'].pk}/edit/").status_code == 200
    response = client.post(
        f"/admin/org/units/{tree['east_street'].pk}/add/",
        {"name": "新港社区", "code": "xingang", "population": "8000", "areas": []},
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="xingang")
    assert unit.get_parent() == tree["east_street"] and unit.level == "community"
    assert AuditEvent.objects.filter(action="org.unit_create", target__endswith="新港社区").exists()

    areas = factories.areas()
    response = client.post(
        f"/admin/org/units/{unit.pk}/edit/",
        {
            "name": "新港社区",
            "code": "xingang",
            "population": "9000",
            "is_rural": "on",
            "areas": [areas["sscard"].pk],
        },
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.population == 9000 and unit.is_rural
    assert list(unit.areas.values_list("code", flat=True)) == ["sscard"]
    event = AuditEvent.objects.get(action="org.unit_update")
    assert event.details["population"] == [8000, 9000] and event.details["areas"] == [[], ["sscard"]]


def test_moving_a_unit_keeps_its_subtree_and_staff(client, people, tree):
    client.force_login(people["admin"].user)
    learner = people["learner"]  # at 湖滨社区 under 东湖街道
    page = client.get(f"/admin/org/units/{tree['east_street'].pk}/move/")
    assert page.status_code == 200 and "江川市/西城区" in page.text
    assert "江川市/东湖区/东湖街道/湖滨社区" not in page.text.split("<select")[1]  # only the tier above
    response = client.post(f"/admin/org/units/{tree['east_street'].pk}/move/", {"parent": tree["west"].pk})
    assert response.status_code == 302
    street = OrgUnit.objects.get(pk=tree["east_street"].pk)
    assert street.get_parent() == tree["west"]
    community = OrgUnit.objects.get(pk=tree["east_comm"].pk)
    assert community.get_parent() == street and community.path.startswith(street.path)
    learner.refresh_from_db()
    assert learner.org_unit_id == tree["east_comm"].pk
    assert Staff.objects.filter(
        org_unit__path__startswith=OrgUnit.objects.get(pk=tree["west"].pk).path, pk=learner.pk
    ).exists()
    event = AuditEvent.objects.get(action="org.unit_move")
    assert (
        event.details["from"] == "江川市/东湖区/东湖街道" and event.details["to"] == "江川市/西城区/东湖街道"
    )


def test_a_unit_cannot_move_under_its_own_subtree_or_out_of_tier(tree, people):
    with pytest.raises(OrgTreeError):
        org_unit_move(unit=tree["east"], parent=tree["east_street"], actor=people["admin"].user)
    with pytest.raises(OrgTreeError):
        org_unit_move(unit=tree["east_comm"], parent=tree["west"], actor=people["admin"].user)


def test_merge_moves_staff_and_children_records_transfers_and_deletes_the_unit(client, people, tree):
    admin = people["admin"].user
    east, west = tree["east"], tree["west"]
    east_person = factories.staff(org_unit=east, name="东湖区干部")
    east_manager = people["manager"]  # manages 东湖区
    west_pop = west.population
    client.force_login(admin)
    page = client.get(f"/admin/org/units/{east.pk}/merge/")
    assert page.status_code == 200 and "合并后“东湖区”将被删除" in page.text
    response = client.post(f"/admin/org/units/{east.pk}/merge/", {"target": west.pk})
    assert response.status_code == 302

    assert not OrgUnit.objects.filter(pk=east.pk).exists()
    west = OrgUnit.objects.get(pk=west.pk)
    assert OrgUnit.objects.get(pk=tree["east_street"].pk).get_parent() == west
    assert OrgUnit.objects.get(pk=tree["east_comm"].pk).path.startswith(west.path)
    east_person.refresh_from_db()
    assert east_person.org_unit == west
    transfer = StaffTransfer.objects.get(staff=east_person)
    assert transfer.from_unit is None  # the unit is gone; its name stays
    assert transfer.from_unit_label == "江川市/东湖区" and transfer.to_unit_label == "江川市/西城区"
    assert transfer.actor == admin
    # The learner at 湖滨社区 moved with her community, not as a transfer.
    assert not StaffTransfer.objects.filter(staff=people["learner"]).exists()
    assert RoleAssignment.objects.filter(user=east_manager.user, role="manager", org_unit=west).exists()
    assert west.population == west_pop + 10_000
    event = AuditEvent.objects.get(action="org.unit_merge")
    assert event.details["source"] == "江川市/东湖区" and event.details["staff_moved"] == 2


def test_merge_combines_offered_areas_and_refuses_other_tiers(tree, people):
    admin = people["admin"].user
    other = factories.unit(parent=tree["west_street"], name="南岭社区", offers=["sscard"])
    merged = org_unit_merge(source=other, target=tree["west_comm"], actor=admin)
    assert set(merged.areas.values_list("code", flat=True)) == {"employment", "pension", "sscard"}
    with pytest.raises(OrgTreeError):
        org_unit_merge(source=tree["east_comm"], target=tree["west"], actor=admin)
    with pytest.raises(OrgTreeError):
        org_unit_merge(source=tree["east"], target=tree["east"], actor=admin)


# --- audit ----------------------------------------------------------------------------------


def test_role_grant_is_audited(tree, people):
    person = factories.staff(org_unit=tree["east_comm"], name="新主管")
    role_grant(user=person.user, role="manager", org_unit=tree["east_street"], actor=people["admin"].user)
    event = AuditEvent.objects.filter(action="role.grant", target=person.user.username).get()
    assert event.actor == people["admin"].user
    assert event.details["role"] == "manager" and event.details["org_unit"] == tree["east_street"].code


def test_audit_page_filters_and_paginates(client, people, tree):
    admin = people["admin"].user
    client.force_login(admin)  # before emptying the trail: the login itself is an audit event
    AuditEvent.objects.all().delete()
    for i in range(55):
        audit_record(actor=admin, action="roster.import", target=f"第{i}批.xlsx", details={"created": i})
    audit_record(
        actor=people["manager"].user, action="plan.create", target="2026 年度培训", details={"名称": "年度"}
    )
    old = audit_record(actor=admin, action="certification.revoke", target="张三", details={"reason": "作弊"})
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=10))

    first = client.get("/admin/org/audit/")
    assert first.status_code == 200
    assert first.text.count("<tr><td>") == 50
    assert "2026 年度培训" in first.text  # newest first
    assert "第 1 / 2 页" in first.text
    second = client.get("/admin/org/audit/?p=2")
    assert second.text.count("<tr><td>") == 7 and "作弊" in second.text

    by_action = client.get("/admin/org/audit/?action=plan.")
    assert by_action.text.count("<tr><td>") == 1 and "年度" in by_action.text
    by_actor = client.get(f"/admin/org/audit/?actor={people['manager'].user.username}")
    assert by_actor.text.count("<tr><td>") == 1
    today = timezone.localdate().isoformat()
    by_date = client.get(
        f"/admin/org/audit/?date_to={(timezone.localdate() - datetime.timedelta(days=5)).isoformat()}"
    )
    assert by_date.text.count("<tr><td>") == 1 and "certification.revoke" in by_date.text
    assert client.get(f"/admin/org/audit/?date_from={today}&action=roster").text.count("<tr><td>") == 50


def test_granting_a_role_held_already_records_nothing_new(tree, people):
    before = AuditEvent.objects.filter(action="role.grant").count()
    role_grant(user=people["manager"].user, role="manager", org_unit=tree["east"])
    assert AuditEvent.objects.filter(action="role.grant").count() == before
