"""Per-request counters for the benchmark, as response headers (the Moodle perf-footer idea).

Only bench/settings.py installs it. ``X-Bench-Queries`` and ``X-Bench-Writes`` count the SQL
statements run on the default connection while the request was handled (writes: INSERT, UPDATE,
DELETE); ``X-Bench-CPU-us`` is the CPU time of the handling thread in microseconds. Both cover
Django and every middleware, not gunicorn's parsing and sending.
"""

from __future__ import annotations

import time

from django.db import connection

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


class _Counter:
    def __init__(self) -> None:
        self.queries = 0
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        head = sql.lstrip()[:6].upper()
        # A write is INSERT/UPDATE/DELETE, or a WITH … whose statement writes (the answer save's
        # locking upsert is one such statement).
        if head.startswith(WRITE_VERBS) or (
            head.startswith("WITH") and any(f" {verb} " in sql.upper() for verb in WRITE_VERBS)
        ):
            self.writes += 1
        return execute(sql, params, many, context)


class BenchCountersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        started = time.thread_time()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        cpu_us = int((time.thread_time() - started) * 1_000_000)
        response["X-Bench-Queries"] = str(counter.queries)
        response["X-Bench-Writes"] = str(counter.writes)
        response["X-Bench-CPU-us"] = str(cpu_us)
        return response
