"""The export page follows its job: what the polling script reads says the status in words, so the
page stops showing 排队中 once the file is ready, and gives the download link."""

import pytest

from training.org.models import Job
from training.reports import services

pytestmark = pytest.mark.django_db

URL = "/manage/dashboard/export/"


def test_job_progress_for_the_page_names_the_status_from_queued_to_done(
    client, tree, people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_MAX_ROWS", 0)
    client.force_login(people["manager"].user)
    # queued, not yet run: the page's first poll
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(URL, {"unit": tree["east"].pk, "table": "roster", "format": "csv"})
    job = Job.objects.get(kind="report_export")
    assert response["Location"] == f"/jobs/{job.pk}/" and len(queued) == 1
    poll = client.get(f"/jobs/{job.pk}/?format=json").json()
    assert (poll["status"], poll["status_label"], poll["download"]) == ("queued", "排队中", None)
    assert 'id="job-status">排队中<' in client.get(f"/jobs/{job.pk}/").text

    queued[0]()  # the queued task, run as the (eager) worker runs it
    poll = client.get(f"/jobs/{job.pk}/?format=json").json()
    assert (poll["status"], poll["status_label"]) == ("done", "已完成")
    assert poll["download"] == f"/jobs/{job.pk}/download/" and poll["percent"] == 100
    page = client.get(f"/jobs/{job.pk}/").text
    assert 'id="job-status">已完成<' in page and '<p id="job-download">' in page


def test_a_failed_job_gives_its_reason_to_the_page(client, people):
    job = Job.objects.create(
        kind="report_export", user=people["manager"].user, status=Job.Status.FAILED, error="任务已中断 3 次"
    )
    client.force_login(people["manager"].user)
    poll = client.get(f"/jobs/{job.pk}/?format=json").json()
    assert (poll["status_label"], poll["error"]) == ("失败", "任务已中断 3 次")
