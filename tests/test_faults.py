"""Faults (issue 9, item 5), injected into real processes:

- a Celery worker (a separate process, as in production) is killed with SIGKILL, whole process group,
  in the middle of bulk certificates, a roster import and a plan's assignments; a new worker is
  started, and each job must end exactly once: every certificate, staff record, transfer,
  assignment and notification there once, none twice, none missing;
- a gunicorn worker is killed while learners save exam answers: every answer acknowledged with a
  2xx is in the database with the acknowledged value;
- on PostgreSQL, the app's database connections are cut (``pg_terminate_backend``, what a restart
  does to its clients) under requests: those in flight get a clear 503 in Chinese, the next
  succeed, and no record is half-written.

The figures of each run are written to ``var/faults-figures.json`` (jobs killed, items expected and
found, answers acknowledged and stored, lost).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.utils import timezone

import pytest

from tests import factories
from training.org.models import Job, Staff, StaffTransfer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BASE_DIR = Path(settings.BASE_DIR)
FIGURES = BASE_DIR / "var" / "faults-figures.json"


# --- helpers ---------------------------------------------------------------------------------


def wait_for(predicate, *, timeout: float = 45.0, every: float = 0.02, what: str = "condition"):
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def record(name: str, **figures) -> None:
    """Keep the figures of a fault test for SECURITY.md."""
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    data[name] = {
        **figures,
        "database": connection.vendor,
        "broker": settings.CELERY_BROKER_URL.split(":")[0],
    }
    FIGURES.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


def database_url() -> str:
    """The test database, as a URL for a process started by the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(**extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        MEDIA_ROOT=settings.MEDIA_ROOT,
        STATION_TEST_SUBPROCESS="1",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Processes:
    """Processes started by a test, each in its own process group; all are stopped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            args, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.log_file = log
        proc.log_path = self.folder / f"{name}.log"
        self.started.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL to the whole process group: the worker and its pool, with no chance to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill(proc)
            # Pool children and gunicorn workers too: nothing may keep the test database open.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.log_file.close()


@pytest.fixture
def processes(tmp_path):
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


@pytest.fixture
def broker(transactional_db):
    """Tasks queued by this test go to the broker (not run inline), on an empty queue."""
    from training.celery import app

    options = (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS if settings.CELERY_BROKER_URL == "filesystem://" else {}
    )
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        if key in options:  # another test run's session end may have removed them
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        yield app
    finally:
        app.conf.task_always_eager = True


def start_worker(processes: Processes, name: str) -> subprocess.Popen:
    """A Celery worker as production runs it (prefork pool, late acknowledgement), one process."""
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "training",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}-{uuid.uuid4().hex[:6]}@%h",
    ]
    return processes.start(name, args, child_env(DJANGO_SETTINGS_MODULE="training.settings.test"))


def job_state(job_id: int) -> Job:
    return Job.objects.get(pk=job_id)


def kill_mid_job(processes: Processes, job_id: int, *, started) -> tuple[Job, Job]:
    """Start a worker, wait (on the job's row) until ``started(job)`` says the job is under way,
    SIGKILL the worker, and return the job as the kill left it."""
    worker = start_worker(processes, "worker-1")

    def under_way():
        job = job_state(job_id)
        assert job.status not in ("done", "failed"), f"the job ended before the kill: {job} {job.error}"
        return started(job)

    try:
        wait_for(under_way, timeout=60, what=f"job {job_id} under way")
    except AssertionError as error:
        log = worker.log_path.read_text(errors="replace")[-3000:]
        raise AssertionError(f"{error}\n{job_state(job_id)}\n{log}") from None
    processes.kill(worker)
    return job_state(job_id)


def finish_after_restart(processes: Processes, job_id: int) -> Job:
    worker = start_worker(processes, "worker-2")
    try:
        return wait_for(
            lambda: (job := job_state(job_id)).status in ("done", "failed") and job,
            timeout=60,
            every=0.1,
            what=f"job {job_id} to finish after the restart",
        )
    except AssertionError:
        raise AssertionError(worker.log_path.read_text(errors="replace")[-3000:]) from None


# --- Celery worker killed mid-job -------------------------------------------------------------


def test_bulk_certificates_finish_exactly_once_after_the_worker_is_killed(broker, processes, tree, people):
    from pypdf import PdfReader

    from training.competency.models import Certification
    from training.competency.services import certificates_bulk_start, certification_issue
    from training.org.services import NewStaff, staff_create_many

    areas = list(factories.areas().values())[:6]
    crowd = staff_create_many(
        people=[
            NewStaff(username=f"cert{i}", name=f"持证人{i:03d}", org_unit_id=tree["east_comm"].pk)
            for i in range(60)
        ]
    )
    for person in crowd:
        for area in areas:
            certification_issue(staff=person, area=area, level="basic")
    expected = set(
        Certification.objects.filter(staff__org_unit__path__startswith=tree["east"].path).values_list(
            "number", flat=True
        )
    )
    assert len(expected) == 360

    job = certificates_bulk_start(
        user=people["manager"].user, unit=tree["east"], verify_base="http://testserver/"
    )
    killed = kill_mid_job(processes, job.pk, started=lambda j: j.status == "running" and j.done >= 50)
    assert killed.status == "running" and 0 < killed.done < killed.total == len(expected)  # mid-way

    done = finish_after_restart(processes, job.pk)
    assert done.status == "done", done.error
    assert (done.done, done.total, done.attempts) == (len(expected), len(expected), 2)
    reader = PdfReader(done.result.path)
    found = Counter()
    for page in reader.pages:
        text = page.extract_text()
        found.update(number for number in expected if number in text)
    assert len(reader.pages) == len(expected)
    assert set(found) == expected and max(found.values()) == 1  # each certificate once
    files = list((Path(settings.MEDIA_ROOT) / "jobs").glob("certificates-*"))
    assert [f.name for f in files] == [Path(done.result.name).name]  # one file, none left over
    record(
        "certificates",
        jobs_killed=1,
        killed_at=f"{killed.done}/{killed.total}",
        expected=len(expected),
        found=len(found),
        pages=len(reader.pages),
        duplicated=sum(n - 1 for n in found.values()),
        lost=len(expected - set(found)),
    )


def _id_number(n: int) -> str:
    from training.org.roster import id_check_digit

    born = datetime.date(1990, 1, 1) + datetime.timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def _roster_file(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    from training.org.roster import HEADERS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_roster_import_finishes_exactly_once_after_the_worker_is_killed(broker, processes, tree, people):
    from training.org.roster import roster_import_start
    from training.org.services import NewStaff, staff_create_many

    known = staff_create_many(
        people=[
            NewStaff(
                username=f"known{i}",
                name=f"老员工{i}",
                org_unit_id=tree["east_comm"].pk,
                id_number=_id_number(i),
                phone="13800000000",
            )
            for i in range(100)
        ]
    )
    new_count = 4000
    rows = [
        [tree["west_comm"].code, f"老员工{i}", _id_number(i), "13800000000", "窗口受理员", "专职", ""]
        for i in range(100)
    ]
    rows += [
        [
            tree["east_comm"].code,
            f"新同事{i}",
            _id_number(1000 + i),
            f"139{i:08d}",
            "社保经办员",
            "兼职",
            "城乡居民养老保险",
        ]
        for i in range(new_count)
    ]
    data = _roster_file(rows)
    staff_before = Staff.objects.count()

    job = roster_import_start(data=data, filename="花名册-全区.xlsx", actor=people["admin"].user)
    # The file is checked; the total set means the one writing transaction has begun.
    killed = kill_mid_job(processes, job.pk, started=lambda j: j.status == "running" and j.total > 0)
    assert killed.status == "running"
    # Killed before its commit: nothing of the file is there, not even half of it.
    assert Staff.objects.count() == staff_before
    assert not StaffTransfer.objects.exists()

    done = finish_after_restart(processes, job.pk)
    assert done.status == "done", done.error or done.params
    assert done.params["summary"] == {
        "file": "花名册-全区.xlsx",
        "rows": new_count + 100,
        "created": new_count,
        "updated": 0,
        "transferred": 100,
        "unchanged": 0,
    }
    numbers = [_id_number(1000 + i) for i in range(new_count)]
    created = Staff.objects.filter(id_number__in=numbers[:500]).count()  # SQLite: ≤ 999 parameters
    assert Staff.objects.count() == staff_before + new_count
    assert created == 500 and Staff.objects.filter(name__startswith="新同事").count() == new_count
    assert Staff.objects.filter(pk__in=[k.pk for k in known], org_unit=tree["west_comm"]).count() == 100
    assert StaffTransfer.objects.count() == 100  # one transfer each, not two
    from training.org.models import AuditEvent

    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    record(
        "roster_import",
        jobs_killed=1,
        killed_in="the writing transaction" if killed.total else "reading",
        rows=new_count + 100,
        expected_new=new_count,
        found_new=Staff.objects.filter(name__startswith="新同事").count(),
        expected_transfers=100,
        found_transfers=StaffTransfer.objects.count(),
        duplicated=0,
        lost=new_count - Staff.objects.filter(name__startswith="新同事").count(),
    )


def test_plan_assignment_finishes_exactly_once_after_the_worker_is_killed(broker, processes, tree, people):
    from training.notify.models import Notification
    from training.org.services import NewStaff, staff_create_many
    from training.plans.models import Assignment
    from training.plans.selectors import audience_for_plan
    from training.plans.services import plan_create

    staff_create_many(
        people=[
            NewStaff(username=f"plan{i}", name=f"学员{i}", org_unit_id=tree["east_comm"].pk)
            for i in range(1500)
        ]
    )
    mod = factories.module(area_code="unemployment", lessons=1)
    plan = plan_create(
        actor=people["admin"].user,
        root=tree["east"],
        title="失业保险政策更新培训",
        pages=[mod],
        starts_on=timezone.localdate(),
        due_days=30,
    )
    job = Job.objects.get(kind="plan_assign", params__plan_id=plan.pk)
    audience = set(audience_for_plan(plan=plan).values_list("pk", flat=True))
    assert len(audience) > 1500

    killed = kill_mid_job(processes, job.pk, started=lambda j: j.status == "running" and j.done >= 200)
    assert killed.status == "running" and 0 < killed.done < killed.total == len(audience)

    done = finish_after_restart(processes, job.pk)
    assert done.status == "done", done.error
    assigned = list(Assignment.objects.filter(round__plan=plan).values_list("staff_id", flat=True))
    assert len(assigned) == len(audience) and set(assigned) == audience  # each person once
    keys = Counter(
        Notification.objects.filter(kind="task_assigned", dedupe_key__startswith="task:").values_list(
            "dedupe_key", flat=True
        )
    )
    expected_keys = {
        f"task:{pk}:assigned"
        for pk in Assignment.objects.filter(round__plan=plan).values_list("pk", flat=True)
    }
    assert set(keys) == expected_keys and max(keys.values()) == 1  # each told once, none missed
    record(
        "plan_assignment",
        jobs_killed=1,
        killed_at=f"{killed.done}/{killed.total}",
        expected=len(audience),
        found=len(set(assigned)),
        duplicated=len(assigned) - len(set(assigned)),
        lost=len(audience - set(assigned)),
        notifications_expected=len(expected_keys),
        notifications_found=len(keys),
    )
