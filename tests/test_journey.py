"""The whole journey through the test client: learner → lesson → exam → certificate → manager."""

import pytest

from tests import factories
from training.competency.models import Certification

pytestmark = pytest.mark.django_db


def test_learner_reads_passes_and_manager_sees_certification(
    client, people, django_capture_on_commit_callbacks
):
    mod = factories.module(lessons=1, questions=6, question_count=5)
    learner = people["learner"]
    client.force_login(learner.user)

    # home lists the module
    response = client.get("/")
    assert response.status_code == 200
    assert mod.title in response.text

    # read the lesson and mark it done
    lesson = factories.lessons_of(mod)[0]
    response = client.get(lesson.url)
    assert "失业保险金申领条件与流程" in response.text
    response = client.post(lesson.url)
    assert response.status_code == 302

    # start the exam, answer every question right, hand in
    exam = factories.exam_of(mod)
    response = client.post(exam.url, {"action": "start"})
    assert response.status_code == 302
    attempt = exam.attempts.get()
    answers = {f"q{q}": c for q, c in factories.correct_answers(attempt).items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(exam.url, {"action": "submit", "attempt": attempt.pk, **answers})
    assert response.status_code == 302
    result = client.get(response["Location"])
    assert "100.00%" in result.text
    assert "恭喜通过" in result.text

    # the certificate is there, and in the learner's list
    cert = Certification.objects.get(staff=learner)
    response = client.get("/me/certificates/")
    assert cert.number in response.text
    assert "有效" in response.text

    # the district manager sees it in the matrix
    client.force_login(people["manager"].user)
    response = client.get("/manage/matrix/")
    assert response.status_code == 200
    assert "张小明" in response.text
    assert "初级" in response.text
