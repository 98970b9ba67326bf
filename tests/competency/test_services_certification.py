import datetime

from django.utils import timezone

import pytest

from courses.services import lesson_complete
from exams.services import attempt_start, attempt_submit
from tests import factories
from training.competency.dates import add_years, status_on
from training.competency.models import Certification, CertificationEvent, CertificationStatus
from training.competency.services import (
    certification_award_if_eligible,
    certification_issue,
    certifications_expire,
)

pytestmark = pytest.mark.django_db


def _pass_exam(user, mod):
    exam = factories.exam_of(mod)
    attempt = attempt_start(user=user, exam=exam)
    return attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))


def test_passing_exam_without_reading_lessons_issues_nothing(people):
    user = people["learner"].user
    mod = factories.module(lessons=2)
    _pass_exam(user, mod)
    assert not Certification.objects.exists()


def test_completing_the_module_issues_certification_through_the_task(
    people, django_capture_on_commit_callbacks
):
    person = people["learner"]
    mod = factories.module(lessons=1)
    lesson_complete(user=person.user, page=factories.lessons_of(mod)[0])
    with django_capture_on_commit_callbacks(execute=True):
        _pass_exam(person.user, mod)
    cert = Certification.objects.get()
    assert (cert.staff, cert.area.code, cert.level) == (person, "employment", "basic")
    assert cert.issued_on == timezone.localdate()
    assert cert.expires_on == add_years(cert.issued_on, 3)
    assert cert.number.startswith(f"RS{cert.issued_on:%Y}01")
    assert CertificationEvent.objects.filter(certification=cert, type="issued").count() == 1


def test_reading_last_lesson_after_passing_also_completes_the_module(
    people, django_capture_on_commit_callbacks
):
    person = people["learner"]
    mod = factories.module(lessons=1)
    _pass_exam(person.user, mod)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_complete(user=person.user, page=factories.lessons_of(mod)[0])
    assert Certification.objects.filter(staff=person).count() == 1


def test_award_is_idempotent(people):
    person = people["learner"]
    mod = factories.module(lessons=1)
    lesson_complete(user=person.user, page=factories.lessons_of(mod)[0])
    _pass_exam(person.user, mod)
    first = certification_award_if_eligible(user_id=person.user.pk, module_id=mod.pk)
    second = certification_award_if_eligible(user_id=person.user.pk, module_id=mod.pk)
    assert first.pk == second.pk
    assert Certification.objects.count() == 1


def test_expire_moves_only_past_expiry_and_writes_events(people):
    areas = factories.areas()
    person = people["learner"]
    today = timezone.localdate()
    old = certification_issue(
        staff=person, area=areas["pension"], level="basic", issued_on=today - datetime.timedelta(days=4 * 365)
    )
    fresh = certification_issue(staff=person, area=areas["medical"], level="basic", issued_on=today)
    assert certifications_expire(today=today) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == CertificationStatus.EXPIRED and fresh.status == CertificationStatus.VALID
    assert CertificationEvent.objects.filter(certification=old, type="expired").exists()
    assert certifications_expire(today=today) == 0


def test_add_years_handles_leap_day():
    assert add_years(datetime.date(2024, 2, 29), 3) == datetime.date(2027, 2, 28)
    assert add_years(datetime.date(2024, 3, 1), 3) == datetime.date(2027, 3, 1)


@pytest.mark.parametrize(
    ("days_left", "expected"), [(-1, "expired"), (0, "expiring"), (90, "expiring"), (91, "valid")]
)
def test_status_on_window_edges(days_left, expected):
    today = datetime.date(2026, 11, 27)
    expires = today + datetime.timedelta(days=days_left)
    assert status_on(expires_on=expires, revoked=False, today=today, expiring_days=90) == expected
    assert status_on(expires_on=expires, revoked=True, today=today, expiring_days=90) == "revoked"
