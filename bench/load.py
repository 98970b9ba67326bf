"""Closed-loop HTTP load with aiohttp: C connections, each sending its next request as soon as
the previous answer is read, for D seconds; latencies, statuses and the server's X-Bench counters
are kept per request."""

from __future__ import annotations

import asyncio
import gzip
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    ok: tuple[int, ...] = (200,)


@dataclass
class Cell:
    endpoint: str
    round: int
    conns: int
    seconds: float = 0.0
    count: int = 0
    errors: int = 0
    retried: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    writes: list[int] = field(default_factory=list)
    cpu_us: list[int] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms)
        return {
            "endpoint": self.endpoint,
            "round": self.round,
            "conns": self.conns,
            "rps": round(self.rps, 1),
            "requests": self.count,
            "errors": self.errors,
            "retried": self.retried,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "p50": percentile(lat, 50),
            "p90": percentile(lat, 90),
            "p95": percentile(lat, 95),
            "p99": percentile(lat, 99),
            "queries": _median(self.queries),
            "queries_max": max(self.queries) if self.queries else None,
            "writes": _median(self.writes),
            "cpu_us": _median(self.cpu_us),
            "bytes": _median(self.bytes),
            "first_error": self.first_error,
        }


def percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return round(sorted_values[index], 2)


def _median(values):
    return statistics.median(values) if values else None


def new_session(limit: int, trace: aiohttp.TraceConfig | None = None) -> aiohttp.ClientSession:
    """A pool of at most ``limit`` connections (0: no limit) shared by every simulated person, as
    behind a proxy. Cookies are sent by hand per person; answers are read as sent (gzip included)."""
    return aiohttp.ClientSession(
        # Idle connections are dropped before gunicorn's 2 s keep-alive ends, so a request never
        # races the server closing its connection (ECONNRESET).
        connector=aiohttp.TCPConnector(
            limit=limit, limit_per_host=limit, ttl_dns_cache=None, keepalive_timeout=1.0
        ),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        timeout=aiohttp.ClientTimeout(total=60),
        trace_configs=[reuse_trace(), *([trace] if trace else [])],
    )


@dataclass
class Result:
    status: int | None
    body: bytes
    ms: float
    counters: tuple[int, int, int] | None
    error: str = ""
    cookies: dict[str, str] = field(default_factory=dict)  # what Set-Cookie set
    retried: bool = False  # sent again on a new connection: the reused one was closed under it


async def send(session: aiohttp.ClientSession, base: str, req: Request) -> Result:
    """One request, timed; the server's counters when it sent them.

    As a browser does, a request that fails on a reused keep-alive connection before any answer
    (the server closed that idle connection just as it was reused) is sent once more on a new
    connection; the time of both tries counts, and the result says it was retried."""
    started = time.perf_counter()
    for attempt in (1, 2):
        reuse = {"reused": False}
        try:
            async with session.request(
                req.method,
                base + req.path,
                headers=req.headers,
                data=req.body,
                allow_redirects=False,
                trace_request_ctx=reuse,
            ) as response:
                body = await response.read()
                h = response.headers
                counters = (
                    (int(h["X-Bench-Queries"]), int(h["X-Bench-Writes"]), int(h["X-Bench-CPU-us"]))
                    if "X-Bench-Queries" in h
                    else None
                )
                return Result(
                    response.status,
                    body,
                    (time.perf_counter() - started) * 1000,
                    counters,
                    cookies={k: m.value for k, m in response.cookies.items()},
                    retried=attempt == 2,
                )
        except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as error:
            if attempt == 1 and reuse["reused"]:
                continue
            return Result(
                None, b"", (time.perf_counter() - started) * 1000, None, f"{type(error).__name__}: {error}"
            )
        except (TimeoutError, aiohttp.ClientError) as error:
            return Result(
                None, b"", (time.perf_counter() - started) * 1000, None, f"{type(error).__name__}: {error}"
            )
    raise AssertionError("unreachable")


def reuse_trace() -> aiohttp.TraceConfig:
    """Marks a request whose connection came from the pool (see ``send``)."""
    trace = aiohttp.TraceConfig()

    async def reused(session, ctx, params):
        if isinstance(ctx.trace_request_ctx, dict):
            ctx.trace_request_ctx["reused"] = True

    trace.on_connection_reuseconn.append(reused)
    return trace


def body_bytes(result: Result) -> bytes:
    """The body of an answer, unzipped when the server gzipped it (GZipMiddleware, as a browser
    asks for)."""
    body = result.body
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return body


def body_json(result: Result):
    return json.loads(body_bytes(result))


def record(cell: Cell, req: Request, result: Result) -> None:
    if result.status is None:
        cell.errors += 1
        cell.first_error = cell.first_error or result.error
        return
    cell.count += 1
    cell.retried += result.retried
    cell.latencies_ms.append(result.ms)
    cell.statuses[result.status] = cell.statuses.get(result.status, 0) + 1
    if result.status not in req.ok:
        cell.errors += 1
        cell.first_error = (
            cell.first_error or f"{req.method} {req.path} -> {result.status}: {result.body[:200]!r}"
        )
    if result.counters:
        cell.queries.append(result.counters[0])
        cell.writes.append(result.counters[1])
        cell.cpu_us.append(result.counters[2])
    cell.bytes.append(len(result.body))


async def closed_loop(
    base: str, make: Callable[[int], Request], *, conns: int, seconds: float, endpoint: str, round_no: int
) -> Cell:
    """``conns`` workers for ``seconds``; only answers that arrive inside the window count."""
    cell = Cell(endpoint=endpoint, round=round_no, conns=conns)
    counter = iter(range(10**12))
    async with new_session(conns) as session:
        deadline = time.perf_counter() + seconds

        async def worker():
            while True:
                req = make(next(counter))
                result = await send(session, base, req)
                if time.perf_counter() > deadline:
                    return
                record(cell, req, result)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conns)))
        cell.seconds = deadline - started
    return cell
