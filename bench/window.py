"""The exam window: N staff, signed in, open the exam page during the minutes before it opens,
click start at the opening (with a Gaussian jitter, as JMeter's synchronizing timer plus random
timer at Udelar) and then wait, as the page's script does, for their own moment of entry
(staggered entry, ``data-entry-in`` on the page); then answer with think time, autosave while
thinking, sometimes change their mind or double-click, and hand in. Afterwards every answer the
server acknowledged is looked up in the database: none may be lost, and every acknowledged hand-in
must be recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import re
import secrets
import time
from urllib.parse import urlencode

import aiohttp

from .load import Cell, Request, body_bytes, body_json, new_session, percentile, record, send

API = "/api/v1"


ENTRY_IN = re.compile(rb'data-entry-in="([0-9.]+)"')


def exam_window(base: str, fx, args, server_pid: int | None = None) -> dict:
    if not fx.window:
        return {"skipped": "no staff left for the window at this size"}
    rng = random.Random(args.seed + 7)
    cells = {
        name: Cell(endpoint=name, round=0, conns=args.window_conns)
        for name in ("login", "page", "start", "answer", "autosave", "submit")
    }
    acked: dict[tuple[int, int], object] = {}  # (attempt, question) -> last acknowledged response
    submitted: set[int] = set()
    start_times: list[float] = []  # seconds after the opening at which each start was answered
    users = list(fx.window)
    exam = _schedule(fx.exam_id, args)
    pool = {"new": 0, "reused": 0, "queued": 0, "queue_ms": []}
    lag_ms: list[float] = []
    timeline: list[tuple[str, float, float]] = []  # (request name, seconds after the opening, ms)
    opened = [0.0]

    async def person(i: int, who, session, opens: float):
        """What one person's browser does, with the exam page's own entry rule."""
        prng = random.Random(rng.random())
        h, hj = who.headers(), who.headers(json=True)
        # People open the exam page during the minutes before it opens, not all at once.
        await _sleep_until(opens - args.arrival + prng.uniform(0, args.arrival))
        req = Request("GET", fx.exam_url, h)
        res = await send(session, base, req)
        loaded = time.perf_counter()
        note("page", req, res)
        if res.status != 200:
            return
        # static/js/exam_entry.js: after the click, wait until data-entry-in seconds after the
        # page arrived, then start. The click: at the opening, with a Gaussian human jitter.
        match = ENTRY_IN.search(body_bytes(res))
        entry_in = float(match.group(1)) if match else 0.0
        click = opens + max(0.0, prng.gauss(2 * args.start_spread, args.start_spread))
        await _sleep_until(max(click, loaded + entry_in))
        req = Request("POST", f"{API}/attempts", hj, json.dumps({"exam_id": fx.exam_id}).encode())
        res = await send(session, base, req)
        note("start", req, res)
        if res.status != 200:
            return
        start_times.append(time.perf_counter() - opens)
        paper = body_json(res)
        attempt_id = paper["id"]
        questions = paper["questions"][: args.window_questions]
        for q in questions:
            options = [o["id"] for o in q["options"]]
            choice = prng.choice(options) if options else "答案"
            think = prng.uniform(*args.think)
            # Autosave while thinking: the answer given so far is saved again every ``autosave`` s.
            while think > args.autosave:
                await asyncio.sleep(args.autosave)
                think -= args.autosave
                if (attempt_id, q["id"]) in acked:
                    await save(session, hj, attempt_id, q["id"], acked[(attempt_id, q["id"])], "autosave")
            await asyncio.sleep(think)
            await save(session, hj, attempt_id, q["id"], choice, "answer")
            if prng.random() < 0.1:  # a double click: the same answer twice at once
                await asyncio.gather(
                    *(save(session, hj, attempt_id, q["id"], choice, "answer") for _ in range(2))
                )
            if prng.random() < 0.2 and len(options) > 1:  # second thoughts
                await asyncio.sleep(prng.uniform(*args.think) / 4)
                await save(session, hj, attempt_id, q["id"], prng.choice(options), "answer")
        req = Request("POST", f"{API}/attempts/{attempt_id}/submit", h)
        res = await send(session, base, req)
        note("submit", req, res)
        if res.status == 200:
            submitted.add(attempt_id)

    def note(name, req, res):
        record(cells[name], req, res)
        timeline.append((name, time.perf_counter() - opened[0], res.ms))

    async def save(session, headers, attempt_id, question_id, response, name):
        req = Request(
            "PUT",
            f"{API}/attempts/{attempt_id}/answers/{question_id}",
            headers,
            json.dumps({"response": response}).encode(),
        )
        res = await send(session, base, req)
        note(name, req, res)
        if res.status == 200 and body_json(res).get("saved"):
            acked[(attempt_id, question_id)] = response

    async def logins(session):
        """A sample signs in through the real login form (password hashing included)."""
        from django.conf import settings

        for username in fx.window_password_users:
            csrf = secrets.token_hex(16)
            body = urlencode(
                {"username": username, "password": settings.DEMO_PASSWORD, "csrfmiddlewaretoken": csrf}
            )
            headers = {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"}
            req = Request("POST", "/accounts/login/", headers, body.encode(), ok=(302,))
            res = await send(session, base, req)
            record(cells["login"], req, res)
            # From now on this person uses the session the login made (a login can rehash the
            # password, which ends the person's other sessions, the fixture's included).
            sid, token = (
                res.cookies.get(settings.SESSION_COOKIE_NAME),
                res.cookies.get(settings.CSRF_COOKIE_NAME),
            )
            for i, who in enumerate(users):
                if who.username == username and sid:
                    csrf = token or csrf
                    cookie = f"{settings.SESSION_COOKIE_NAME}={sid}; {settings.CSRF_COOKIE_NAME}={csrf}"
                    users[i] = dataclasses.replace(who, cookie=cookie, csrf=csrf)

    async def lag_monitor():
        """How late the load generator's own event loop wakes up: its latencies are only as good
        as this."""
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.05)
            lag_ms.append((time.perf_counter() - before - 0.05) * 1000)

    async def main():
        async with new_session(args.window_conns, trace=_pool_trace(pool)) as session:
            await logins(session)
            monitor = asyncio.create_task(lag_monitor())
            opens = time.perf_counter() + (exam["opens_at"] - _wall())
            opened[0] = opens
            tasks = [asyncio.create_task(person(i, who, session, opens)) for i, who in enumerate(users)]
            done, pending = await asyncio.wait(tasks, timeout=args.arrival + 5 + args.window_limit)
            for task in pending:
                task.cancel()
            monitor.cancel()
            for task in done:
                if task.exception():
                    raise task.exception()
            return time.perf_counter() - opens, len(pending)

    cpu0, machine0, ours0, wall0 = (
        time.process_time(),
        _machine_busy(),
        _our_cpu(server_pid),
        time.perf_counter(),
    )
    seconds, unfinished = asyncio.run(main())
    generator_cpu = time.process_time() - cpu0
    machine_cpu, server_cpu = _machine_busy() - machine0, _our_cpu(server_pid) - ours0
    wall = time.perf_counter() - wall0
    lost, wrong_status = _verify(acked, submitted)
    summary = {name: cell.summary() for name, cell in cells.items()}
    for name in summary:
        summary[name]["rps"] = round(cells[name].count / seconds, 1) if seconds else None
    errors = [f"window {n}: {c.errors} errors, first: {c.first_error}" for n, c in cells.items() if c.errors]
    if lost:
        errors.append(f"window: {lost} acknowledged answers lost")
    if wrong_status:
        errors.append(f"window: {wrong_status} acknowledged hand-ins not recorded")
    gated = [summary[n]["p95"] for n in ("page", "answer", "autosave") if summary[n]["p95"] is not None]
    answer_p95 = max(gated) if summary["answer"]["p95"] is not None else None
    start_times.sort()
    per_second: dict[int, int] = {}
    for t in start_times:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    lag = sorted(lag_ms)
    return {
        "users": len(users),
        "questions_each": args.window_questions,
        "think": args.think,
        "autosave": args.autosave,
        "start_spread": args.start_spread,
        "arrival": args.arrival,
        "entry_spread": exam["entry_spread_seconds"],
        "connections": args.window_conns,
        "seconds": round(seconds, 1),
        # The start spike: seconds after the opening at which the starts were answered.
        "all_started_after": round(start_times[-1], 1) if start_times else None,
        "starts_p50_after": percentile(start_times, 50),
        "starts_p95_after": percentile(start_times, 95),
        "starts_peak_per_s": max(per_second.values(), default=0),
        "started": len(start_times),
        "finished": len(submitted),
        "unfinished": unfinished,
        "acknowledged_answers": len(acked),
        "lost_answers": lost,
        "submitted": len(submitted),
        "submitted_not_recorded": wrong_status,
        "requests": summary,
        "phases": _phases(timeline, exam["entry_spread_seconds"] + 4 * args.start_spread + 10),
        "generator": {
            "cpu_seconds": round(generator_cpu, 1),
            "cpu_share_of_one_core": round(generator_cpu / (seconds + args.arrival), 3),
            "loop_lag_p50_ms": percentile(lag, 50),
            "loop_lag_p99_ms": percentile(lag, 99),
            "loop_lag_max_ms": round(lag[-1], 1) if lag else None,
            "connections_opened": pool["new"],
            "connections_reused": pool["reused"],
            "waited_for_a_connection": pool["queued"],
            "connection_wait_p95_ms": percentile(sorted(pool["queue_ms"]), 95),
        },
        # The box is shared: CPU seconds over the window of the whole machine, of the product
        # (gunicorn workers and this run's PostgreSQL backends) and of the generator; the rest
        # was other work on the machine, which slows the product down alike.
        "cpu_seconds": {
            "machine": round(machine_cpu, 1),
            "product": round(server_cpu, 1),
            "generator": round(generator_cpu, 1),
            "other": round(machine_cpu - server_cpu - generator_cpu, 1),
            "wall": round(wall, 1),
            "loadavg_after": _loadavg(),
        },
        "verdict": "met"
        if (answer_p95 is not None and answer_p95 < 100 and not lost and not errors and not unfinished)
        else "missed",
        "errors": errors,
    }


def _phases(timeline, spike_end: float) -> dict:
    """p50/p95/p99 and count per request name in three phases: before the opening (people arrive),
    the entry (opening to the end of the spread and the jitter, plus 10 s), and after it."""
    out: dict = {}
    for phase, low, high in (
        ("arrival", float("-inf"), 0.0),
        ("entry", 0.0, spike_end),
        ("after", spike_end, float("inf")),
    ):
        for name in ("page", "start", "answer", "autosave", "submit"):
            lat = sorted(ms for n, t, ms in timeline if n == name and low <= t < high)
            if lat:
                out.setdefault(phase, {})[name] = {
                    "n": len(lat),
                    "p50": percentile(lat, 50),
                    "p95": percentile(lat, 95),
                    "p99": percentile(lat, 99),
                }
    return out


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy since boot (Linux; 0 elsewhere)."""
    try:
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]  # noqa: SIM115
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _our_cpu(server_pid: int | None) -> float:
    """CPU seconds of the gunicorn master's children and of this run's PostgreSQL backends."""
    from .db import RUN_DB

    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read()  # noqa: SIM115
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        ppid, utime, stime = int(rest[1]), int(rest[11]), int(rest[12])
        if (server_pid and ppid == server_pid) or (RUN_DB.encode() in cmdline and b"postgres" in cmdline):
            total += utime + stime
    return total / tick


def _loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return ""


def _wall() -> float:
    return time.time()


async def _sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


def _schedule(exam_id: int, args) -> dict:
    """Open the window's exam ``arrival`` + 5 s from now (people come during the minutes before),
    with the entry spread the exam has, or ``--entry-spread`` when given. Returns what was set,
    the opening as a Unix time."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from exams.models import ExamPage

    opens_at = timezone.now() + datetime.timedelta(seconds=args.arrival + 5)
    changes = {"opens_at": opens_at}
    if args.entry_spread is not None:
        changes["entry_spread_seconds"] = args.entry_spread
    ExamPage.objects.filter(pk=exam_id).update(**changes)
    spread = ExamPage.objects.values_list("entry_spread_seconds", flat=True).get(pk=exam_id)
    connection.close()
    return {"opens_at": opens_at.timestamp(), "entry_spread_seconds": spread}


def _pool_trace(pool: dict) -> aiohttp.TraceConfig:
    """Counts what the connection pool does: new connections, reuses (keep-alive), and how long a
    request waited for a free connection (part of its measured latency)."""
    trace = aiohttp.TraceConfig()

    async def queued_start(session, ctx, params):
        ctx.queued = time.perf_counter()

    async def queued_end(session, ctx, params):
        pool["queued"] += 1
        pool["queue_ms"].append((time.perf_counter() - ctx.queued) * 1000)

    async def created(session, ctx, params):
        pool["new"] += 1

    async def reused(session, ctx, params):
        pool["reused"] += 1

    trace.on_connection_queued_start.append(queued_start)
    trace.on_connection_queued_end.append(queued_end)
    trace.on_connection_create_end.append(created)
    trace.on_connection_reuseconn.append(reused)
    return trace


def _verify(acked: dict, submitted: set[int]) -> tuple[int, int]:
    """Every acknowledged answer stored as last acknowledged; every acknowledged hand-in recorded."""
    from django.db import connection

    from exams.choices import AttemptStatus
    from exams.models import Answer, Attempt

    attempt_ids = {a for a, _ in acked} | submitted
    stored = {
        (a, q): r
        for a, q, r in Answer.objects.filter(attempt_id__in=attempt_ids).values_list(
            "attempt_id", "question_id", "response"
        )
    }
    lost = sum(1 for key, response in acked.items() if stored.get(key) != response)
    open_ = Attempt.objects.filter(pk__in=submitted, status=AttemptStatus.IN_PROGRESS).count()
    connection.close()
    return lost, open_
