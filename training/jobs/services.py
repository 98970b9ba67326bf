"""Background jobs that survive a lost worker (后台任务恢复): each job's state lives in its ``Job``
row, so a job whose worker was killed is found and run again, and runs to its end exactly once.

Why the database and not only the broker: tasks are acknowledged late and rejected back to the
queue when a pool process dies (settings: ``CELERY_TASK_ACKS_LATE``,
``CELERY_TASK_REJECT_ON_WORKER_LOST``, prefetch 1), which covers a pool child killed under a living
worker. When the whole worker is killed, the embedded filesystem broker has already deleted the
message when it was received, and Redis gives an unacknowledged message back only after its
visibility timeout (an hour by default). So the row says who runs the job and until when:

- ``job_claim`` starts a run: the job must be queued, or running under a process that is gone
  (same host, process no longer there) or whose lease ran out. It counts the run in ``attempts``;
  that number is the run's token.
- ``job_progress`` records progress and extends the lease, only while the run still holds the
  token; ``job_finish`` marks the job done in the same way, so of two runs only one finishes.
- ``jobs_recover`` (a beat task every minute, and once when a worker starts) queues again every
  job that is queued but lost, or running under a dead process or an expired lease.

The work itself is idempotent (unique constraints, ``ignore_conflicts``, deduplication keys, or
one transaction together with ``job_finish``), so a run cut short and run again makes each record
once.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

# The Job model is still org's (training.org.models.Job, table org_job): moving it here needs a
# state-only migration pair and every ``Job`` import changed, left for a change of its own. Until
# then this package reads org's models, and org's roster import queues its jobs through it.
from training.org.models import Job

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=2)  # a running job reports progress at least this often
QUEUED_GRACE = datetime.timedelta(minutes=5)  # a queued job not started by then is queued again
MAX_ATTEMPTS = 8  # a job that kills its worker every time stops here, with an error


class JobTakenOver(Exception):
    """Another run claimed this job (this one was thought lost): stop without writing more."""


def _process_start(pid: int) -> str:
    """The start time of a process in clock ticks since boot (Linux), so that a pid used again by
    a later process is not mistaken for the old one; empty where /proc is not there."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return ""
    return "" if fields[0] == b"Z" else fields[19].decode()  # a zombie has stopped running


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid())}"


def _process_gone(worker: str) -> bool:
    """Whether the process named by ``worker`` is known to be gone: only a process on this host
    can be checked; any other counts as alive until its lease runs out."""
    host, _, rest = worker.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    now_started = _process_start(pid)
    return bool(started) and now_started != started


def job_is_lost(job: Job, now: datetime.datetime | None = None) -> bool:
    """A queued job whose message was lost, or a running one whose process is gone or silent."""
    now = now or timezone.now()
    if job.status == Job.Status.QUEUED:
        return job.lease_until is None or job.lease_until < now
    if job.status == Job.Status.RUNNING:
        return job.lease_until is None or job.lease_until < now or _process_gone(job.worker)
    return False


def _send(task_name: str, job_id: int) -> None:
    from celery import current_app

    current_app.tasks[task_name].delay(job_id=job_id)


def job_create(*, kind: str, user, task, params: dict | None = None, total: int = 0, source=None) -> Job:
    """Record a job and queue ``task`` (which takes ``job_id``) after commit. A broker that is down
    does not undo the job: ``jobs_recover`` queues it later."""
    job = Job(
        kind=kind,
        user=user,
        params=params or {},
        total=total,
        task_name=task.name,
        lease_until=timezone.now() + QUEUED_GRACE,
    )
    if source is not None:
        job.source.save(source.name, source, save=False)
    job.save()
    transaction.on_commit(partial(_send, task.name, job.pk), robust=True)
    return job


def job_claim(job_id: int) -> Job | None:
    """Start a run of the job, or None when there is nothing to do: it does not exist, it is done
    or failed, or a living run holds it. A job interrupted ``MAX_ATTEMPTS`` times fails."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (Job.Status.DONE, Job.Status.FAILED):
            return None
        if job.status == Job.Status.RUNNING and not job_is_lost(job, now):
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.finished_at = Job.Status.FAILED, now
            job.error = f"任务已中断 {job.attempts} 次，不再重试；请重新发起。"
            job.save(update_fields=["status", "finished_at", "error"])
            return None
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.worker = this_process()
        job.lease_until = now + LEASE
        job.done = 0
        job.save(update_fields=["status", "attempts", "worker", "lease_until", "done"])
    return job


def job_progress(
    job: Job, *, done: int | None = None, total: int | None = None, lease: datetime.timedelta = LEASE
) -> None:
    """Record progress and extend the lease; raises ``JobTakenOver`` when another run holds it."""
    fields: dict = {"lease_until": timezone.now() + lease}
    if done is not None:
        fields["done"] = job.done = done
    if total is not None:
        fields["total"] = job.total = total
    if not Job.objects.filter(pk=job.pk, attempts=job.attempts, status=Job.Status.RUNNING).update(**fields):
        raise JobTakenOver(job.pk)


def job_finish(job: Job, **fields) -> None:
    """Mark the job done (with ``fields`` such as ``result``, ``done``, ``params``); raises
    ``JobTakenOver`` when another run holds it, so a caller inside a transaction rolls back."""
    now = timezone.now()
    values = {"status": Job.Status.DONE, "finished_at": now, "lease_until": None, **fields}
    if not Job.objects.filter(pk=job.pk, attempts=job.attempts, status=Job.Status.RUNNING).update(**values):
        raise JobTakenOver(job.pk)
    for name, value in values.items():
        setattr(job, name, value)


def job_fail(job_id: int, error: str, **fields) -> None:
    """The job cannot be done (bad input, or a lasting error): say why, for the page that polls."""
    Job.objects.filter(pk=job_id).exclude(status=Job.Status.DONE).update(
        status=Job.Status.FAILED, error=error[:2000], finished_at=timezone.now(), lease_until=None, **fields
    )


def jobs_recover(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again every job that is lost (后台任务恢复): queued but not started within the grace
    time, or running under a process that is gone or whose lease ran out. Returns their ids."""
    now = now or timezone.now()
    candidates = Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exclude(task_name="")
    lost = [job for job in candidates if job_is_lost(job, now)]
    queued = []
    for job in lost:
        # Back to queued, for another grace time: the next run claims it, and a run thought lost
        # that was only slow finds at its next progress report that it no longer holds the job.
        moved = Job.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts).update(
            status=Job.Status.QUEUED, lease_until=now + QUEUED_GRACE
        )
        if moved:
            log.warning("job %s (%s) was lost by its worker; queued again", job.pk, job.kind)
            _send(job.task_name, job.pk)
            queued.append(job.pk)
    return queued


def job_run(task, job_id: int, work: Callable[[Job], Any]) -> Any:
    """The body of a job's task: claim the job, do ``work(job)``, and on an error either give the
    job back to the queue for the task's retry or, after the last retry, fail it with the error."""
    job = job_claim(job_id)
    if job is None:
        return None
    try:
        return work(job)
    except JobTakenOver:
        return None
    except Exception as exc:
        if task.request.retries >= task.max_retries:
            job_fail(job.pk, str(exc))
            raise
        Job.objects.filter(pk=job.pk, attempts=job.attempts, status=Job.Status.RUNNING).update(
            status=Job.Status.QUEUED, lease_until=timezone.now() + QUEUED_GRACE
        )
        raise task.retry(exc=exc) from exc
