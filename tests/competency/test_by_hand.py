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


@pytest.fixture
def area_trainer(people):
    """A trainer for 就业服务 and 失业保险 only, as demo_trainer is."""
    from training.org.services import role_grant

    areas = factories.areas()
    user = people["trainer"].user
    role_grant(user=user, role="trainer", areas=[areas["employment"], areas["unemployment"]])
    return user


def test_trainer_issues_revokes_and_assesses_only_within_their_areas(client, people, area_trainer):
    """The by-hand screen binds each act to the trainer's areas: 养老保险 and 医疗保险 are not
    theirs, whoever the person is (here one of another district)."""
    from training.competency.services import certification_issue

    areas = factories.areas()
    person = people["west_learner"]
    theirs = certification_issue(staff=person, area=areas["pension"], level="basic")
    url = f"/manage/people/{person.pk}/certifications/"
    client.force_login(area_trainer)

    issue = {"action": "issue", "area": areas["pension"].pk, "level": "basic", "reason": "补发养老保险证书"}
    assert client.post(url, issue).status_code == 404
    assert not Certification.objects.filter(staff=person, source="manual").exists()
    revoke = {"action": "revoke", "certification": theirs.pk, "reason": "材料不实"}
    assert client.post(url, revoke).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "valid"
    practical = {"action": "practical", "area": areas["medical"].pk, "level": "basic", "passed": "1"}
    assert client.post(url, practical).status_code == 404
    assert not PracticalAssessment.objects.exists()

    # Their own areas: done.
    ours = {"action": "issue", "area": areas["unemployment"].pk, "level": "basic", "reason": "窗口考核合格"}
    assert client.post(url, ours).status_code == 302
    assert Certification.objects.filter(staff=person, area=areas["unemployment"], source="manual").exists()
    page = client.get(url).text
    forms = page.split("</table>", 1)[1]  # the issue and practical forms offer their areas only
    assert areas["unemployment"].name in forms and areas["pension"].name not in forms
    assert f'name="certification" value="{theirs.pk}"' not in page


def test_by_hand_services_hold_trainers_to_their_areas_and_refuse_managers(people, area_trainer):
    """Every by-hand act is held to the same rule in its service, whatever calls it."""
    import datetime

    from training.competency.services import (
        CertificationError,
        certification_issue,
        certification_issue_manual,
        certification_renew,
        certification_revoke,
        practical_record,
    )

    areas = factories.areas()
    person = people["west_learner"]
    pension = certification_issue(
        staff=person, area=areas["pension"], level="basic", issued_on=datetime.date(2023, 1, 1)
    )
    renew_on = pension.expires_on
    for actor in (area_trainer, people["manager"].user):
        with pytest.raises(CertificationError):
            certification_issue_manual(
                staff=person, area=areas["pension"], level="basic", actor=actor, reason="补发"
            )
        with pytest.raises(CertificationError):
            certification_revoke(certification=pension, actor=actor, reason="材料不实")
        with pytest.raises(CertificationError):
            certification_renew(certification=pension, renewed_on=renew_on, actor=actor, reason="续证")
        with pytest.raises(CertificationError):
            practical_record(staff=person, area=areas["medical"], level="basic", passed=True, assessor=actor)
    pension.refresh_from_db()
    assert pension.status == "valid" and pension.last_renewed_on is None
    assert not PracticalAssessment.objects.exists()
    # Within their areas, and for an administrator anywhere, each act is done.
    practical_record(
        staff=person, area=areas["employment"], level="basic", passed=False, assessor=area_trainer
    )
    renewed = certification_renew(
        certification=pension, renewed_on=renew_on, actor=people["admin"].user, reason="续证"
    )
    assert renewed.last_renewed_on == renew_on
