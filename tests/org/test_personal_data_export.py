"""下载我的数据: one zip with everything the platform holds about the logged-in person, only them,
Chinese intact, a bounded number of queries, audited."""

import io
import json
import zipfile

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest
from pypdf import PdfReader

from exams.services import attempt_start, attempt_submit
from tests import factories
from training.competency.services import certification_issue_manual
from training.notify.services import notify
from training.org.models import AuditEvent

from . import privacy_world
from .privacy_world import EMAIL, ESSAY, NAME, PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, people):
    return privacy_world.build(tree, people)


def _download(client, user):
    client.force_login(user)
    response = client.post(reverse("org:my_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return archive


def _sections(archive) -> dict:
    document = json.loads(archive.read("personal-data.json").decode("utf-8"))
    return {s["key"]: s for s in document["sections"]}


def test_download_holds_everything_about_the_person(client, world, people):
    archive = _download(client, world.user)
    names = set(archive.namelist())
    assert {"README.txt", "personal-data.html", "personal-data.json"} <= names
    assert all(name.isascii() for name in names)  # old Windows zip tools garble other names
    s = _sections(archive)

    account = s["account"]["rows"][0]
    assert account["username"] == world.username and account["email"] == EMAIL
    record = s["staff"]["rows"][0]
    assert record["name"] == NAME and record["id_number"] == world.number and record["phone"] == PHONE
    assert record["org_unit"] == "江川市/东湖区/东湖街道/湖滨社区" and record["post"] == "社保经办员"
    assert s["staff"]["columns"]["id_number"] == "身份证号"  # Chinese labels from the catalogue
    transfer = s["transfers"]["rows"][0]
    assert transfer["from_unit_label"] == "江川市/东湖区/东湖街道" and transfer["to_unit_label"].endswith(
        "湖滨社区"
    )
    assert {r["role"] for r in s["roles"]["rows"]} == {"学员", "主管"}

    assert any(r["completed_at"] for r in s["lesson_progress"]["rows"])
    attempts = s["attempts"]["rows"]
    assert len(attempts) == 2 and any(a["score"] == "100" and a["passed"] for a in attempts)
    answers = s["answers"]["rows"]
    essay = next(a for a in answers if a["response"] == ESSAY)
    assert (
        essay["question"] == "简述城乡居民养老保险参保流程。"
        and essay["marker_comment"] == f"{NAME}答得较完整"
    )
    assert any(a["response"] == "身份证" and a["is_correct"] for a in answers)  # options as text

    cert = s["certifications"]["rows"][0]
    assert cert["number"] == world.cert.number and cert["area"] == "城乡居民养老保险"
    assert any(NAME in e["reason"] for e in s["certification_events"]["rows"])
    assert s["practical_assessments"]["rows"][0]["notes"] == f"{NAME}受理规范"
    pdf = archive.read(f"certificates/{world.cert.number}.pdf")
    assert NAME in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    assert s["assignments"]["rows"][0]["round__plan__title"] == "就业服务轮训"
    extension = s["extension_requests"]["rows"][0]
    assert extension["reason"].startswith(NAME) and extension["decision_note"] == f"{NAME}请按时完成"
    assert extension["status"] == "未同意"
    assert any("延期申请未同意" in n["title"] for n in s["notifications"]["rows"])

    actions = {e["action"] for e in s["audit"]["rows"]}
    assert {"role.grant", "certification.issued"} <= actions
    html = archive.read("personal-data.html").decode("utf-8")
    for text in (NAME, world.number, PHONE, "考试", "证书", ESSAY, world.cert.number):
        assert text in html


def test_download_never_includes_another_persons_data(client, world, people, tree):
    other = people["learner"]
    other.id_number, other.phone = "360102199001011234", "13800001111"
    other.save()
    certification_issue_manual(
        staff=other,
        area=factories.areas()["employment"],
        level="basic",
        actor=people["trainer"].user,
        reason="张小明考核合格",
    )
    notify(other.user, kind="x", title="张小明的通知", dedupe_key="other")
    archive = _download(client, world.user)
    blob = b"".join(archive.read(name) for name in archive.namelist() if not name.endswith(".pdf"))
    text = blob.decode("utf-8")
    for foreign in (
        "张小明",
        "360102199001011234",
        "13800001111",
        "周主管",
        "林培训",
        people["manager"].user.username,
    ):
        assert foreign not in text
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 1

    # And the other person's own download holds none of hers.
    text = "".join(
        _download(client, other.user).read(n).decode("utf-8")
        for n in ("personal-data.json", "personal-data.html")
    )
    for foreign in (NAME, world.number, PHONE, EMAIL, ESSAY):
        assert foreign not in text


def test_download_is_audited_post_only_and_for_staff_only(client, world, people):
    client.force_login(world.user)
    assert client.get(reverse("org:my_data_download")).status_code == 405
    page = client.get(reverse("org:my_data"))
    assert page.status_code == 200 and "下载我的数据" in page.text
    _download(client, world.user)
    event = AuditEvent.objects.get(action="personal_data.export")
    assert event.actor == world.user and event.details["sections"]["attempts"] == 2
    assert NAME not in json.dumps(event.details, ensure_ascii=False) and world.number not in event.target
    client.logout()
    assert client.post(reverse("org:my_data_download")).status_code == 302  # to the login page


def test_download_costs_the_same_queries_with_more_records(client, world, people):
    client.force_login(world.user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post(reverse("org:my_data_download")).status_code == 200
        return len(queries)

    before = count()
    # More of everything: attempts, certifications, notifications.
    for _ in range(3):
        attempt = attempt_start(user=world.user, exam=world.exam)
        attempt_submit(attempt_id=attempt.pk, user=world.user)
    for code in ("employment", "unemployment", "sscard"):
        certification_issue_manual(
            staff=world.staff,
            area=factories.areas()[code],
            level="basic",
            actor=people["trainer"].user,
            reason="补发",
        )
    for i in range(5):
        notify(world.user, kind="x", title=f"通知{i}", dedupe_key=f"more{i}")
    assert count() == before
    assert before < 40
