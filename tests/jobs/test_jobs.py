"""Background jobs and their recovery (training/jobs/services.py): who may run a job, what counts as
lost, the sweeper, and the roster upload that runs as a job. The kill tests with real processes
are in tests/test_faults.py."""

import datetime
import io
import socket
import subprocess

from django.utils import timezone

import pytest

from training.jobs.services import (
    MAX_ATTEMPTS,
    JobTakenOver,
    job_claim,
    job_finish,
    job_is_lost,
    job_progress,
    jobs_recover,
    this_process,
)
from training.org import roster
from training.org.models import Job, Staff

pytestmark = pytest.mark.django_db


def _job(user, **fields) -> Job:
    fields.setdefault("task_name", "training.competency.tasks.certificates_bulk_task")
    return Job.objects.create(kind="certificates", user=user, params={}, **fields)


def _dead_process() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}:1"


def test_a_job_held_by_a_living_run_is_not_taken_and_a_dead_runs_job_is(people):
    user = people["admin"].user
    soon = timezone.now() + datetime.timedelta(minutes=2)
    alive = _job(user, status="running", attempts=1, worker=this_process(), lease_until=soon)
    assert job_claim(alive.pk) is None
    other_host = _job(user, status="running", attempts=1, worker="elsewhere:1:1", lease_until=soon)
    assert job_claim(other_host.pk) is None  # cannot be checked from here: wait for its lease
    dead = _job(user, status="running", attempts=1, worker=_dead_process(), lease_until=soon)
    claimed = job_claim(dead.pk)
    assert claimed is not None and claimed.attempts == 2 and claimed.worker == this_process()
    expired = _job(user, status="running", attempts=1, worker="elsewhere:1:1", lease_until=timezone.now())
    assert job_claim(expired.pk).attempts == 2
    assert job_claim(_job(user, status="done").pk) is None
    assert job_claim(10**9) is None  # a message for a job that is not there


def test_a_run_that_lost_its_job_cannot_finish_it(people):
    job = job_claim(_job(people["admin"].user).pk)
    Job.objects.filter(pk=job.pk).update(status="queued")  # thought lost and queued again
    second = job_claim(job.pk)

    with pytest.raises(JobTakenOver):
        job_progress(job, done=5)
    with pytest.raises(JobTakenOver):
        job_finish(job)
    job_finish(second, done=3)
    assert Job.objects.get(pk=job.pk).status == "done"


def test_a_job_that_keeps_killing_its_worker_fails_with_a_reason(people):
    job = _job(people["admin"].user, status="running", attempts=MAX_ATTEMPTS, worker=_dead_process())
    assert job_claim(job.pk) is None
    job.refresh_from_db()
    assert job.status == "failed" and "中断" in job.error


def test_the_sweeper_runs_lost_jobs_again_and_leaves_the_others(
    people, tree, django_capture_on_commit_callbacks
):
    from training.competency.services import certificates_bulk_start

    with django_capture_on_commit_callbacks(execute=False):  # the message is lost
        job = certificates_bulk_start(user=people["manager"].user, unit=tree["east"], verify_base="http://t/")
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1, worker=_dead_process())
    living = _job(people["admin"].user, status="running", attempts=1, worker=this_process(),
                  lease_until=timezone.now() + datetime.timedelta(minutes=2))  # fmt: skip
    waiting = _job(people["admin"].user, lease_until=timezone.now() + datetime.timedelta(minutes=5))
    assert jobs_recover() == [job.pk]  # eager in tests: run at once
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2) and job.result
    assert Job.objects.get(pk=living.pk).status == "running"
    assert Job.objects.get(pk=waiting.pk).status == "queued"
    later = timezone.now() + datetime.timedelta(minutes=6)  # past the lease and the grace time
    assert job_is_lost(Job.objects.get(pk=waiting.pk), later) and job_is_lost(
        Job.objects.get(pk=living.pk), later
    )


def _roster(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(roster.HEADERS))
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _id(n: int) -> str:
    first17 = f"11010119850312{n:03d}"
    return first17 + roster.id_check_digit(first17)


def test_a_large_roster_upload_is_imported_by_the_worker_and_the_page_follows_it(
    client, people, tree, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr("training.org.admin_views.BACKGROUND_MIN_BYTES", 100)
    client.force_login(people["admin"].user)
    data = _roster(
        [[tree["east_comm"].code, f"王{i}", _id(i), "13800138000", "", "专职", ""] for i in range(3)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/org/roster/", {"file": SimpleUploadedFile("花名册.xlsx", data)})
    job = Job.objects.get(kind="roster_import")
    assert response.status_code == 302 and response["Location"] == f"/admin/org/roster/jobs/{job.pk}/"
    assert job.status == "done" and Staff.objects.filter(name__startswith="王").count() == 3
    page = client.get(response["Location"])
    assert page.status_code == 200 and "花名册.xlsx" in page.content.decode()
    assert 'id="roster-summary"' in page.content.decode()

    bad = _roster([[tree["east_comm"].code, "赵错", "110101198503120000", "13800138000", "", "专职", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/org/roster/", {"file": SimpleUploadedFile("错误.xlsx", bad)})
    failed = Job.objects.filter(kind="roster_import").exclude(pk=job.pk).get()
    assert failed.status == "failed" and "第 2 行" in failed.params["issues"][0]
    text = client.get(response["Location"]).content.decode()
    assert "第 2 行" in text and "身份证号" in text and not Staff.objects.filter(name="赵错").exists()
    # Someone else's job, or a manager: not found / refused.
    client.force_login(people["manager"].user)
    assert client.get(f"/admin/org/roster/jobs/{job.pk}/").status_code == 302
