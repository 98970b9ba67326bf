"""Certification life cycle: manual issue and revoke with reasons, renewal windows, the nightly
job, and public verification with a masked name."""

import datetime

from django.utils import timezone

import pytest

from tests import factories
from training.competency.dates import mask_name, renewal_opens_on, renewed_expiry
from training.competency.models import Certification, CertificationEvent, CertificationRule
from training.competency.services import (
    CertificationError,
    certification_issue,
    certification_issue_manual,
    certification_renew,
    certification_revoke,
    certifications_expire,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张小明", "张*明"), ("李四", "李*"), ("欧阳娜娜", "欧阳**"), ("王", "王"), ("司马相如之", "司***之")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("renewed_on", "expected"),
    [
        (D(2026, 9, 1), D(2029, 11, 30)),  # inside the window: from the old expiry
        (D(2026, 11, 30), D(2029, 11, 30)),  # on the expiry day: still from the old expiry
        (D(2026, 12, 1), D(2029, 12, 1)),  # a day late: from the renewal date
    ],
)
def test_renewed_expiry_around_the_edges(renewed_on, expected):
    assert renewed_expiry(expires_on=D(2026, 11, 30), renewed_on=renewed_on, validity_years=3) == expected


def test_renewal_window_opening():
    assert renewal_opens_on(expires_on=D(2026, 11, 30), window_days=90) == D(2026, 9, 1)


def test_rule_sets_validity_and_renewal_window(people):
    areas = factories.areas()
    CertificationRule.objects.create(
        area=areas["sscard"], level="basic", validity_years=2, renewal_window_days=30
    )
    cert = certification_issue(
        staff=people["learner"], area=areas["sscard"], level="basic", issued_on=D(2026, 1, 10)
    )
    assert cert.expires_on == D(2028, 1, 10)
    with pytest.raises(CertificationError):
        certification_renew(certification=cert, renewed_on=D(2027, 12, 1))  # window opens 2027-12-11
    renewed = certification_renew(
        certification=cert, renewed_on=D(2027, 12, 20), actor=people["trainer"].user
    )
    assert renewed.expires_on == D(2030, 1, 10)
    event = CertificationEvent.objects.get(certification=cert, type="renewed")
    assert event.data == {"old_expires_on": "2028-01-10", "new_expires_on": "2030-01-10"}


def test_manual_issue_and_revoke_need_a_trainer_and_a_reason(people):
    area = factories.areas()["retiree"]
    learner, trainer = people["learner"], people["trainer"].user
    with pytest.raises(CertificationError):
        certification_issue_manual(
            staff=learner, area=area, level="basic", actor=learner.user, reason="自己发"
        )
    with pytest.raises(CertificationError):
        certification_issue_manual(staff=learner, area=area, level="basic", actor=trainer, reason="  ")
    cert = certification_issue_manual(
        staff=learner, area=area, level="basic", actor=trainer, reason="现场实操考核合格，附考核记录表"
    )
    assert cert.source == "manual"
    with pytest.raises(CertificationError):
        certification_revoke(certification=cert, actor=people["manager"].user, reason="违规")
    certification_revoke(certification=cert, actor=people["admin"].user, reason="考核材料不实，撤销")
    cert.refresh_from_db()
    assert cert.status == "revoked"
    events = list(
        CertificationEvent.objects.filter(certification=cert).values_list("type", "actor", "reason")
    )
    assert events == [
        ("issued", trainer.pk, "现场实操考核合格，附考核记录表"),
        ("revoked", people["admin"].user.pk, "考核材料不实，撤销"),
    ]
    with pytest.raises(CertificationError):
        certification_revoke(certification=cert, actor=trainer, reason="再次撤销")
    with pytest.raises(CertificationError):
        certification_renew(certification=cert)


def test_nightly_job_moves_valid_to_expiring_and_expired(people):
    areas = factories.areas()
    today = timezone.localdate()
    person = people["learner"]
    far = certification_issue(staff=person, area=areas["pension"], level="basic", issued_on=today)
    soon = certification_issue(
        staff=person,
        area=areas["medical"],
        level="basic",
        issued_on=today - datetime.timedelta(days=3 * 365 - 30),
    )
    gone = certification_issue(
        staff=person,
        area=areas["sscard"],
        level="basic",
        issued_on=today - datetime.timedelta(days=3 * 365 + 30),
    )
    assert certifications_expire(today=today) == 1
    statuses = dict(Certification.objects.values_list("pk", "status"))
    assert statuses == {far.pk: "valid", soon.pk: "expiring", gone.pk: "expired"}
    assert certifications_expire(today=today) == 0
    assert CertificationEvent.objects.filter(type="expiring").count() == 1


def test_completing_the_module_again_in_the_window_renews(people, django_capture_on_commit_callbacks):
    from courses.services import lesson_complete
    from exams.services import attempt_start, attempt_submit

    person = people["learner"]
    mod = factories.module(lessons=1)
    today = timezone.localdate()
    old = certification_issue(
        staff=person, area=mod.area, level="basic", issued_on=today - datetime.timedelta(days=3 * 365 - 20)
    )
    lesson_complete(user=person.user, page=factories.lessons_of(mod)[0])
    exam = factories.exam_of(mod)
    attempt = attempt_start(user=person.user, exam=exam)
    with django_capture_on_commit_callbacks(execute=True):
        attempt_submit(attempt_id=attempt.pk, user=person.user, answers=factories.correct_answers(attempt))
    assert Certification.objects.filter(staff=person).count() == 1
    old.refresh_from_db()
    assert old.last_renewed_on == today and old.expires_on > today + datetime.timedelta(days=3 * 365)


def test_public_verification_masks_the_name_and_needs_no_login(client, people):
    cert = certification_issue(staff=people["learner"], area=factories.areas()["employment"], level="basic")
    response = client.get(f"/verify/{cert.verify_token}/")
    assert response.status_code == 200
    assert "张*明" in response.text and "张小明" not in response.text
    assert cert.number in response.text and "有效" in response.text
    assert len(cert.verify_token) >= 22
    assert client.get(f"/verify/{cert.verify_token[:-1]}x/").status_code == 404
    assert client.get(f"/verify/{cert.pk}/").status_code == 404  # ids do not work: nothing to enumerate
    certification_revoke(certification=cert, actor=people["admin"].user, reason="撤销测试")
    assert "已撤销" in client.get(f"/verify/{cert.verify_token}/").text


def test_multi_skill_shares_and_person_card(client, people, tree):
    from training.competency.selectors import multi_skill_for_unit

    areas = factories.areas()
    learner, west = people["learner"], people["west_learner"]
    for code in ("employment", "pension", "medical"):
        certification_issue(
            staff=learner, area=areas[code], level="advanced" if code == "employment" else "basic"
        )
    certification_issue(staff=west, area=areas["pension"], level="advanced")
    report = multi_skill_for_unit(unit=tree["city"])
    assert report.min_areas == 3
    assert report.total.both == 1 and report.total.specialists == 2 and report.total.multi_skilled == 1
    assert report.urban.both == 1 and report.rural.specialists == 1 and report.rural.multi_skilled == 0
    east = {c.name: counts for c, counts in report.children}["东湖区"]
    assert east.both == 1
    client.force_login(learner.user)
    text = client.get("/me/certificates/").text
    assert "一专多能" in text and "/verify/" in text
    client.force_login(people["manager"].user)
    text = client.get("/manage/matrix/").text
    assert "一专多能" in text and "农村" in text


@pytest.mark.parametrize(("role", "expected"), [("trainer", 302), ("manager", 302), ("admin", 200)])
def test_certification_rules_are_edited_by_admins(client, people, role, expected):
    client.force_login(people[role].user)
    assert client.get("/admin/snippets/competency/certificationrule/").status_code == expected


def test_admin_adds_a_rule_in_chinese_ui(client, people):
    area = factories.areas()["retiree"]
    client.force_login(people["admin"].user)
    response = client.post(
        "/admin/snippets/competency/certificationrule/add/",
        {"area": area.pk, "level": "basic", "validity_years": 2, "renewal_window_days": 60},
    )
    assert response.status_code == 302
    assert CertificationRule.objects.get(area=area, level="basic").validity_years == 2


def _complete_module(person, mod):
    from courses.services import lesson_complete
    from exams.services import attempt_start, attempt_submit

    for lesson in factories.lessons_of(mod):
        lesson_complete(user=person.user, page=lesson)
    attempt = attempt_start(user=person.user, exam=factories.exam_of(mod))
    attempt_submit(attempt_id=attempt.pk, user=person.user, answers=factories.correct_answers(attempt))


def test_rule_with_exam_minimum_and_practical_assessment(people, django_capture_on_commit_callbacks):
    from training.competency.services import practical_record

    person = people["learner"]
    mod = factories.module(lessons=1, questions=5, question_count=5, pass_mark=60)
    rule = CertificationRule.objects.create(
        area=mod.area, level="basic", min_exam_score=100, require_practical=True, exam=factories.exam_of(mod)
    )
    rule.modules.set([mod])
    with django_capture_on_commit_callbacks(execute=True):
        _complete_module(person, mod)
    assert not Certification.objects.filter(staff=person).exists()  # no practical assessment yet
    with pytest.raises(CertificationError):
        practical_record(staff=person, area=mod.area, level="basic", passed=True, assessor=person.user)
    with django_capture_on_commit_callbacks(execute=True):
        practical_record(
            staff=person,
            area=mod.area,
            level="basic",
            passed=True,
            assessor=people["trainer"].user,
            notes="窗口实操：失业登记办理规范",
        )
    assert Certification.objects.filter(staff=person, area=mod.area, level="basic").count() == 1


def test_rule_minimum_score_above_the_pass_mark_holds_back_the_certificate(
    people, django_capture_on_commit_callbacks
):
    from courses.services import lesson_complete
    from exams.services import attempt_start, attempt_submit

    person = people["learner"]
    mod = factories.module(lessons=1, questions=5, question_count=5, pass_mark=60)
    exam = factories.exam_of(mod)
    rule = CertificationRule.objects.create(area=mod.area, level="basic", exam=exam, min_exam_score=90)
    rule.modules.set([mod])
    lesson_complete(user=person.user, page=factories.lessons_of(mod)[0])
    attempt = attempt_start(user=person.user, exam=exam)
    right = factories.correct_answers(attempt)
    with django_capture_on_commit_callbacks(execute=True):
        attempt_submit(attempt_id=attempt.pk, user=person.user, answers=dict(list(right.items())[:4]))  # 80 %
    assert not Certification.objects.filter(staff=person).exists()
    attempt = attempt_start(user=person.user, exam=exam)
    with django_capture_on_commit_callbacks(execute=True):
        attempt_submit(attempt_id=attempt.pk, user=person.user, answers=factories.correct_answers(attempt))
    assert Certification.objects.filter(staff=person).count() == 1


def test_rule_requiring_live_attendance(people, django_capture_on_commit_callbacks):
    from courses.models import LiveSessionPage
    from courses.services import live_signin

    person = people["learner"]
    mod = factories.module(lessons=1)
    now = timezone.now()
    live = factories.publish(
        mod,
        LiveSessionPage(
            title="直播",
            slug="live",
            starts_at=now - datetime.timedelta(minutes=5),
            ends_at=now + datetime.timedelta(hours=1),
            join_url="https://meeting.example.cn/j/2",
            signin_code="135790",
        ),
    )
    rule = CertificationRule.objects.create(area=mod.area, level="basic", require_live_attendance=True)
    rule.modules.set([mod])
    with django_capture_on_commit_callbacks(execute=True):
        _complete_module(person, mod)  # the live lesson is not done yet: module incomplete
    assert not Certification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        live_signin(user=person.user, page=live, code="135790")
    assert Certification.objects.filter(staff=person).count() == 1
