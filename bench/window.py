"""The exam window: N staff, signed in, open the exam page, wait for a synchronised start (with
a Gaussian jitter, as JMeter's synchronizing timer plus random timer at Udelar), then answer with
think time, autosave while thinking, sometimes change their mind or double-click, and hand in.
Afterwards every answer the server acknowledged is looked up in the database: none may be lost.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from urllib.parse import urlencode

from .load import Cell, Request, body_json, new_session, record, send

API = "/api/v1"


def exam_window(base: str, fx, args) -> dict:
    if not fx.window:
        return {"skipped": "no staff left for the window at this size"}
    rng = random.Random(args.seed + 7)
    cells = {
        name: Cell(endpoint=name, round=0, conns=0)
        for name in ("login", "page", "start", "answer", "autosave", "submit")
    }
    acked: dict[tuple[int, int], object] = {}  # (attempt, question) -> last acknowledged response
    submitted: set[int] = set()
    state = {"started": 0, "finished": 0, "start_done_at": None}
    users = fx.window

    async def person(i: int, who, session, gate: asyncio.Event, t0: list[float]):
        prng = random.Random(rng.random())
        h, hj = who.headers(), who.headers(json=True)
        req = Request("GET", fx.exam_url, h)
        record(cells["page"], req, await send(session, base, req))
        await gate.wait()
        await asyncio.sleep(max(0.0, prng.gauss(0, args.start_spread) + 2 * args.start_spread))
        req = Request("POST", f"{API}/attempts", hj, json.dumps({"exam_id": fx.exam_id}).encode())
        res = await send(session, base, req)
        record(cells["start"], req, res)
        if res.status != 200:
            return
        state["started"] += 1
        if state["started"] == len(users):
            state["start_done_at"] = time.perf_counter() - t0[0]
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
        record(cells["submit"], req, res)
        if res.status == 200:
            submitted.add(attempt_id)
        state["finished"] += 1

    async def save(session, headers, attempt_id, question_id, response, name):
        req = Request(
            "PUT",
            f"{API}/attempts/{attempt_id}/answers/{question_id}",
            headers,
            json.dumps({"response": response}).encode(),
        )
        res = await send(session, base, req)
        record(cells[name], req, res)
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
            record(cells["login"], req, await send(session, base, req))

    async def main():
        t0 = [0.0]
        gate = asyncio.Event()
        async with new_session(0) as session:
            await logins(session)
            tasks = [asyncio.create_task(person(i, who, session, gate, t0)) for i, who in enumerate(users)]
            await asyncio.sleep(min(5.0, 0.002 * len(users) + 0.5))  # everyone on the exam page
            t0[0] = time.perf_counter()
            gate.set()
            done, pending = await asyncio.wait(tasks, timeout=args.window_limit)
            for task in pending:
                task.cancel()
            for task in done:
                if task.exception():
                    raise task.exception()
            return time.perf_counter() - t0[0], len(pending)

    seconds, unfinished = asyncio.run(main())
    lost, wrong_status = _verify(acked, submitted)
    summary = {name: cell.summary() for name, cell in cells.items()}
    for name in summary:
        summary[name]["rps"] = round(cells[name].count / seconds, 1) if seconds else None
    errors = [f"window {n}: {c.errors} errors, first: {c.first_error}" for n, c in cells.items() if c.errors]
    if lost:
        errors.append(f"window: {lost} acknowledged answers lost")
    answer_p95 = (
        max(v for v in (summary["answer"]["p95"], summary["page"]["p95"]) if v is not None)
        if summary["answer"]["p95"]
        else None
    )
    return {
        "users": len(users),
        "questions_each": args.window_questions,
        "think": args.think,
        "autosave": args.autosave,
        "start_spread": args.start_spread,
        "seconds": round(seconds, 1),
        "all_started_after": round(state["start_done_at"], 1) if state["start_done_at"] else None,
        "started": state["started"],
        "finished": state["finished"],
        "unfinished": unfinished,
        "acknowledged_answers": len(acked),
        "lost_answers": lost,
        "submitted": len(submitted),
        "submitted_not_recorded": wrong_status,
        "requests": summary,
        "verdict": "met"
        if (answer_p95 is not None and answer_p95 < 100 and not lost and not errors and not unfinished)
        else "missed",
        "errors": errors,
    }


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
