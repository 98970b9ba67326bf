"""Requests that used to answer 500: the API answers JSON whatever happens, a huge id is refused
(422) or names nothing (404), a job without a file answers 404 saying so, an exam's revision can
be previewed, and our snippet choosers refuse ids that cannot be ids."""

import json

import pytest

from tests import factories
from training.org.models import Job

pytestmark = pytest.mark.django_db


def test_api_start_with_an_exam_id_beyond_the_database_answers_422_json(client, people):
    client.force_login(people["learner"].user)

    response = client.post(
        "/api/v1/attempts", json.dumps({"exam_id": 2**63}), content_type="application/json"
    )

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"][0]["loc"][-1] == "exam_id"


def test_api_unexpected_error_answers_json_500(client, people, monkeypatch):
    """Every known fault is fixed, so one is made: the selector the start calls fails."""
    import exams.api

    def broken(**kwargs):
        raise RuntimeError("考试读取失败")

    monkeypatch.setattr(exams.api, "exam_for_start", broken)
    client.force_login(people["learner"].user)

    response = client.post("/api/v1/attempts", json.dumps({"exam_id": 1}), content_type="application/json")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server Error"}


def test_api_unknown_path_answers_json_404(client, people):
    client.force_login(people["learner"].user)

    response = client.get("/api/v1/考试/nope")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_job_download_without_a_file_answers_404_saying_so(client, people):
    job = Job.objects.create(kind="roster_import", user=people["admin"].user, status=Job.Status.DONE)
    client.force_login(people["admin"].user)

    response = client.get(f"/jobs/{job.pk}/download/")
    poll = client.get(f"/jobs/{job.pk}/?format=json").json()

    assert response.status_code == 404
    assert "该任务没有生成可下载的文件" in response.text
    assert poll["download"] is None


def test_exam_revision_preview_renders(client, people):
    exam = factories.exam_of(factories.module())
    exam.intro = "请在考试时间内作答。"
    revision = exam.save_revision()
    client.force_login(people["admin"].user)

    response = client.get(f"/admin/pages/{exam.pk}/revisions/{revision.pk}/view/")

    assert response.status_code == 200
    assert "请在考试时间内作答。" in response.text


@pytest.mark.parametrize(
    "model",
    [
        "exams/question",
        "exams/questionbank",
        "org/businessarea",
        "competency/certificationrule",
        "notify/robotwebhook",
    ],
)
def test_our_snippet_choosers_refuse_ids_that_cannot_be_ids(client, people, model):
    client.force_login(people["admin"].user)
    base = f"/admin/snippets/choose/{model}"

    assert client.get(f"{base}/chosen/abc/").status_code == 404
    assert client.get(f"{base}/chosen/{2**64}/").status_code == 404
    assert client.get(f"{base}/chosen-multiple/?id=abc").status_code == 400
