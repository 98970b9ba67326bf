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
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

import pytest
import requests

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
    """The environment of a process a test starts. Such a process runs the base settings, so with
    ``REDIS_URL`` it shares Redis with every process started before it, while the test process
    itself uses a per-test memory cache (settings/test.py). What an earlier test's processes kept
    there (the generations and question versions of a database since emptied) would be served
    again: the process starts on an empty Redis cache instead, as the test starts on its own."""
    if os.environ.get("REDIS_URL"):
        import redis

        shared = redis.Redis.from_url(os.environ["REDIS_URL"])
        for key in shared.scan_iter(match=":1:*"):  # Django's cache keys only: not a broker's queue
            shared.delete(key)
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


def kill_mid_job(processes: Processes, job_id: int, *, started) -> Job:
    """Start a worker, wait (on the job's row) until ``started(job)`` says the job is under way,
    SIGKILL the worker, and return the job as the kill left it."""
    processes.clock = time.monotonic()
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
    processes.seconds_to_kill = round(time.monotonic() - processes.clock, 1)
    processes.clock = time.monotonic()
    return job_state(job_id)


def finish_after_restart(processes: Processes, job_id: int) -> Job:
    worker = start_worker(processes, "worker-2")
    try:
        job = wait_for(
            lambda: (job := job_state(job_id)).status in ("done", "failed") and job,
            timeout=60,
            every=0.1,
            what=f"job {job_id} to finish after the restart",
        )
        processes.seconds_to_finish = round(time.monotonic() - processes.clock, 1)
        return job
    except AssertionError:
        raise AssertionError(worker.log_path.read_text(errors="replace")[-3000:]) from None


# --- Celery worker killed mid-job -------------------------------------------------------------


def test_bulk_certificates_finish_exactly_once_after_the_worker_is_killed(broker, processes, tree, people):
    from pypdf import PdfReader

    from training.competency.models import Certification
    from training.competency.services import certificates_bulk_start, certification_issue
    from training.org.services import NewStaff, staff_create_many

    areas = list(factories.areas().values())[:5]
    crowd = staff_create_many(
        people=[
            NewStaff(username=f"cert{i}", name=f"持证人{i:03d}", org_unit_id=tree["east_comm"].pk)
            for i in range(40)
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
    assert len(expected) == 200

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
        seconds_start_to_kill=processes.seconds_to_kill,
        seconds_restart_to_done=processes.seconds_to_finish,
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
    new_count = 3000
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
        seconds_start_to_kill=processes.seconds_to_kill,
        seconds_restart_to_done=processes.seconds_to_finish,
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
            for i in range(1000)
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
    assert len(audience) > 1000

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
        seconds_start_to_kill=processes.seconds_to_kill,
        seconds_restart_to_done=processes.seconds_to_finish,
        killed_at=f"{killed.done}/{killed.total}",
        expected=len(audience),
        found=len(set(assigned)),
        duplicated=len(assigned) - len(set(assigned)),
        lost=len(audience - set(assigned)),
        notifications_expected=len(expected_keys),
        notifications_found=len(keys),
    )


# --- gunicorn worker killed during an exam ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


class Web:
    """The product under gunicorn as the Procfile runs it (2 workers × 4 threads, production-like
    base settings: persistent connections with health checks on PostgreSQL), on the test database."""

    def __init__(self, processes: Processes) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            sys.executable, "-m", "gunicorn", "training.wsgi",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4",
            "--graceful-timeout", "5", "--log-level", "warning",
        ]  # fmt: skip
        env = child_env(DJANGO_SETTINGS_MODULE="training.settings.base", CELERY_TASK_ALWAYS_EAGER="true")
        self.proc = processes.start("gunicorn", args, env)

        def ready():
            assert self.proc.poll() is None, self.proc.log_path.read_text(errors="replace")
            try:
                return requests.get(f"{self.url}/healthz/", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(ready, timeout=90, every=0.2, what="gunicorn to answer")
        wait_for(lambda: len(children_of(self.proc.pid)) == 2, timeout=60, what="two gunicorn workers")

    def workers(self) -> list[int]:
        return children_of(self.proc.pid)

    def session_for(self, user) -> requests.Session:
        """A browser session of ``user``: Django's session cookie (made by the test client, stored
        in the database) and a CSRF token, as the site's pages send them."""
        client = Client()
        client.force_login(user)
        token = uuid.uuid4().hex
        session = requests.Session()
        session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
        session.cookies.set(settings.CSRF_COOKIE_NAME, token)
        session.headers.update({"X-CSRFToken": token, "Accept": "application/json"})
        return session


@pytest.fixture
def exam_takers(tree):
    """Six learners and an exam of 20 single-choice questions, all on the paper."""
    exam = factories.exam_of(factories.module(questions=20, question_count=20))
    learners = [factories.staff(org_unit=tree["east_comm"], name=f"考生{i}") for i in range(6)]
    return exam, learners


class AnswerStream:
    """Learners saving answers through the API, each in a thread of its own: every question twice
    (the second time another option), every save retried until it is acknowledged, as the
    autosave of the exam page does. Keeps what the server acknowledged and every response."""

    def __init__(self, web: Web, exam, learners, *, deadline: float = 120.0) -> None:
        self.web, self.exam, self.learners = web, exam, learners
        self.acknowledged: dict[tuple[int, int], int] = {}
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.acks = 0
        self.unanswered = 0  # requests that got no response at all (the connection was cut)
        self.planned = 0
        self.lock = threading.Lock()
        self.deadline = time.monotonic() + deadline
        self.threads = [threading.Thread(target=self._learner, args=(u,), daemon=True) for u in learners]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def reached(self, share: int) -> bool:
        """Whether every learner has started and ``1/share`` of all the saves are acknowledged."""
        assert not self.failures, self.failures[:5]
        planned = 2 * len(self.learners) * self.exam.question_count
        return self.planned == planned and self.acks >= planned // share

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=max(1.0, self.deadline - time.monotonic() + 5))
        assert not any(t.is_alive() for t in self.threads), "answer stream did not finish"
        assert not self.failures, self.failures[:5]

    def _call(self, session, method, path, **kwargs):
        while time.monotonic() < self.deadline:
            try:
                response = session.request(method, f"{self.web.url}{path}", timeout=30, **kwargs)
            except requests.RequestException:
                with self.lock:
                    self.unanswered += 1
                continue
            with self.lock:
                self.statuses[response.status_code] += 1
            if response.status_code == 503:
                assert response.json()["code"] == "database_unavailable"
                continue
            return response
        raise AssertionError(f"{method} {path} not acknowledged in time")

    def _learner(self, person) -> None:
        try:
            session = self.web.session_for(person.user)
            started = self._call(session, "POST", "/api/v1/attempts", json={"exam_id": self.exam.pk})
            assert started.status_code == 200, started.text
            body = started.json()
            with self.lock:
                self.planned += 2 * len(body["questions"])
            for round_ in range(2):
                for question in body["questions"]:
                    options = [o["id"] for o in question["options"]]
                    value = options[(question["number"] + round_) % len(options)]
                    path = f"/api/v1/attempts/{body['id']}/answers/{question['id']}"
                    saved = self._call(session, "PUT", path, json={"response": value})
                    assert saved.status_code == 200 and saved.json()["saved"], saved.text
                    with self.lock:
                        self.acknowledged[(body["id"], question["id"])] = value
                        self.acks += 1
        except Exception as error:  # reported by join()
            self.failures.append(f"{person.name}: {error!r}")


def stored_answers(keys) -> dict[tuple[int, int], object]:
    from exams.models import Answer

    attempts = {a for a, _ in keys}
    return {
        (a, q): response
        for a, q, response in Answer.objects.filter(attempt_id__in=attempts).values_list(
            "attempt_id", "question_id", "response"
        )
    }


def test_killing_a_gunicorn_worker_loses_no_acknowledged_answer(processes, exam_takers):
    exam, learners = exam_takers
    web = Web(processes)
    stream = AnswerStream(web, exam, learners)
    stream.start()
    wait_for(lambda: stream.reached(3), timeout=90, what="a third of the answers")
    victim = web.workers()[0]
    acks_at_kill = stream.acks
    os.kill(victim, signal.SIGKILL)
    stream.join()
    # gunicorn's master replaced the killed worker.
    wait_for(lambda: len(web.workers()) == 2 and victim not in web.workers(), timeout=60, what="a new worker")

    stored = stored_answers(stream.acknowledged)
    lost = [key for key, value in stream.acknowledged.items() if stored.get(key) != value]
    assert acks_at_kill < stream.planned  # the kill came mid-stream
    assert len(stream.acknowledged) == stream.planned // 2 == len(learners) * 20
    assert not lost, f"{len(lost)} acknowledged answers lost: {lost[:5]}"
    assert set(stream.statuses) <= {200}, stream.statuses  # a cut connection is retried, never a 5xx
    record(
        "gunicorn_worker_killed",
        workers_killed=1,
        saves_acknowledged=stream.acks,
        acknowledged_at_kill=acks_at_kill,
        answers_acknowledged=len(stream.acknowledged),
        answers_stored_as_acknowledged=len(stream.acknowledged) - len(lost),
        requests_cut=stream.unanswered,
        lost=len(lost),
    )


# --- PostgreSQL restarting: connections cut under requests --------------------------------------


def terminate_backends(*, only_waiting: bool = False) -> int:
    """What a PostgreSQL restart does to its clients: end every other connection to the test
    database (or only those waiting for a lock, i.e. in the middle of a request)."""
    condition = "AND wait_event_type = 'Lock'" if only_waiting else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "  # noqa: S608
            f"WHERE datname = current_database() AND pid <> pg_backend_pid() {condition}"
        )
        return cursor.fetchone()[0]


def waiting_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def cut_in_flight(send, *, table: str = "exams_attempt") -> requests.Response:
    """Run ``send`` (a request that reads ``table``) while this test holds that table locked, so
    the request is certainly in the middle of its work, waiting; then cut its connection."""
    from django.db import transaction

    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("response", send()), daemon=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN ACCESS EXCLUSIVE MODE")
        thread.start()
        wait_for(waiting_backends, timeout=30, what=f"the request to wait on {table}")
        assert terminate_backends(only_waiting=True) >= 1
    thread.join(timeout=30)
    return outcome["response"]


def test_database_restart_gives_a_clear_error_and_no_half_written_record(processes, exam_takers):
    if connection.vendor != "postgresql":
        pytest.skip("cuts PostgreSQL connections (pg_terminate_backend); SQLite has none to cut")
    from exams.models import Answer, Attempt

    exam, learners = exam_takers
    web = Web(processes)
    session = web.session_for(learners[0].user)
    body = session.post(f"{web.url}/api/v1/attempts", json={"exam_id": exam.pk}, timeout=30).json()
    attempt_id, questions = body["id"], body["questions"]
    first, second = questions[0], questions[1]
    answer_url = f"{web.url}/api/v1/attempts/{attempt_id}/answers/"
    option = {q["id"]: [o["id"] for o in q["options"]] for q in questions}
    assert session.put(answer_url + str(first["id"]), json={"response": option[first["id"]][0]}).ok

    # 1. An answer save cut in the middle of its transaction: 503 in Chinese, nothing written.
    cut = cut_in_flight(
        lambda: session.put(
            answer_url + str(second["id"]), json={"response": option[second["id"]][1]}, timeout=30
        )
    )
    assert cut.status_code == 503 and cut.headers["Retry-After"]
    assert cut.json()["code"] == "database_unavailable" and "数据库暂时无法连接" in cut.json()["detail"]
    assert not Answer.objects.filter(attempt_id=attempt_id, question_id=second["id"]).exists()

    # 2. The same save again succeeds: the worker connects anew.
    again = session.put(
        answer_url + str(second["id"]), json={"response": option[second["id"]][1]}, timeout=30
    )
    assert again.status_code == 200, again.text

    # 3. Every connection dropped while idle (a restart between requests): the next requests of
    #    both workers succeed, the health check reconnecting first.
    restarted = terminate_backends()
    after = [session.get(f"{web.url}/api/v1/attempts/{attempt_id}", timeout=30) for _ in range(8)]
    assert [r.status_code for r in after] == [200] * 8

    # 4. Handing in (grading every answer, the score, the status: many rows) cut in the middle:
    #    503, and the attempt is exactly as before, not half graded.
    submit_url = f"{web.url}/api/v1/attempts/{attempt_id}/submit"
    cut_submit = cut_in_flight(lambda: session.post(submit_url, timeout=30))
    assert cut_submit.status_code == 503 and "数据库" in cut_submit.json()["detail"]
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == "in_progress" and attempt.score is None and attempt.submitted_at is None
    assert not Answer.objects.filter(attempt=attempt, awarded__isnull=False).exists()
    # An HTML page gets the same message as a page, not a traceback.
    page = cut_in_flight(
        lambda: session.get(f"{web.url}/me/tasks/", headers={"Accept": "text/html"}, timeout=30),
        table="auth_user",
    )
    assert page.status_code == 503 and "text/html" in page.headers["Content-Type"]
    assert "数据库暂时无法连接" in page.text and "Traceback" not in page.text
    assert Answer.objects.get(attempt=attempt, question_id=first["id"]).response == option[first["id"]][0]

    done = session.post(submit_url, timeout=30)
    assert done.status_code == 200 and done.json()["status"] != "in_progress", done.text
    assert Attempt.objects.get(pk=attempt_id).score is not None

    # 5. Answers saved by six learners while every connection is cut again and again.
    stream = AnswerStream(web, exam, learners[1:])
    stream.start()
    cuts = 0
    for share in (5, 4, 3, 2):
        wait_for(lambda share=share: stream.reached(share), timeout=90, what="answers between cuts")
        cuts += terminate_backends()
    stream.join()
    stored = stored_answers(stream.acknowledged)
    lost = [key for key, value in stream.acknowledged.items() if stored.get(key) != value]
    assert not lost and set(stream.statuses) <= {200, 503}, stream.statuses
    record(
        "postgresql_restart",
        in_flight_cut=3,
        in_flight_answered_503=3,
        idle_connections_cut=restarted,
        connections_cut_under_load=cuts,
        statuses_under_load=dict(stream.statuses),
        answers_acknowledged=len(stream.acknowledged),
        answers_stored_as_acknowledged=len(stream.acknowledged) - len(lost),
        half_written_records=0,
        lost=len(lost),
    )
