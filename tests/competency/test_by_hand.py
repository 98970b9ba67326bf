"""The by-hand screen: trainers and admins issue, revoke and record practical assessments."""

import pytest

from tests import factories
from training.competency.models import Certification, CertificationEvent, PracticalAssessment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "expected"), [("learner", 403), ("manager", 403), ("trainer", 200), ("admin", 200)]
)
def test_screen_is_for_trainers_and_admins(client, people, role, expected):
    client.force_login(people[role].user)
    assert client.get("/manage/people/?q=张").status_code == expected
    assert client.get(f"/manage/people/{people['learner'].pk}/certifications/").status_code == expected


def test_trainer_issues_and_revokes_with_reasons(client, people):
    area = factories.areas()["retiree"]
    learner = people["learner"]
    client.force_login(people["trainer"].user)
    assert "张小明" in client.get("/manage/people/?q=小明").text
    url = f"/manage/people/{learner.pk}/certifications/"
    response = client.post(url, {"action": "issue", "area": area.pk, "level": "basic", "reason": ""})
    assert "必须填写原因" in response.text and not Certification.objects.exists()
    client.post(url, {"action": "issue", "area": area.pk, "level": "basic", "reason": "社区实操考核合格"})
    cert = Certification.objects.get(staff=learner)
    assert cert.source == "manual"
    client.post(url, {"action": "revoke", "certification": cert.pk, "reason": "材料不实"})
    cert.refresh_from_db()
    assert cert.status == "revoked"
    assert list(CertificationEvent.objects.filter(certification=cert).values_list("type", "reason")) == [
        ("issued", "社区实操考核合格"),
        ("revoked", "材料不实"),
    ]
    text = client.get(url).text
    assert "材料不实" in text


def test_trainer_records_a_practical_assessment(client, people):
    area = factories.areas()["labour_inspection"]
    client.force_login(people["trainer"].user)
    client.post(
        f"/manage/people/{people['learner'].pk}/certifications/",
        {
            "action": "practical",
            "area": area.pk,
            "level": "intermediate",
            "passed": "1",
            "reason": "窗口实操",
        },
    )
    record = PracticalAssessment.objects.get()
    assert record.passed and record.assessor == people["trainer"].user and record.notes == "窗口实操"
