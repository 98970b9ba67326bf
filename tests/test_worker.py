"""A real Celery worker (not eager mode) issues the certification after the exam is passed."""

import time

import pytest

from courses.services import lesson_complete
from exams.services import attempt_start, attempt_submit
from tests import factories
from training.competency.models import Certification
from training.competency.tasks import certifications_expire_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_issues_certification_after_module_completion(celery_worker_real, people):
    person = people["learner"]
    mod = factories.module(lessons=1)
    lesson_complete(user=person.user, page=factories.lessons_of(mod)[0])
    exam = factories.exam_of(mod)
    attempt = attempt_start(user=person.user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=person.user, answers=factories.correct_answers(attempt))
    # The request has returned; the certificate comes from the worker, not from the request.
    assert _wait_for(lambda: Certification.objects.filter(staff=person).exists())
    cert = Certification.objects.get(staff=person)
    assert cert.area.code == "employment"


def test_worker_runs_the_nightly_expiry_task(celery_worker_real, people):
    import datetime

    from django.utils import timezone

    from training.competency.services import certification_issue

    old = certification_issue(
        staff=people["learner"],
        area=factories.areas()["pension"],
        level="basic",
        issued_on=timezone.localdate() - datetime.timedelta(days=4 * 365),
    )
    certifications_expire_task.delay()
    assert _wait_for(lambda: Certification.objects.get(pk=old.pk).status == "expired")
