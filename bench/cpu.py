"""Where the machine's CPU goes during a cell: the product's gunicorn processes, PostgreSQL,
Redis and the load generator itself, read from /proc (Linux) before and after.

The Django middleware's ``X-Bench-CPU-us`` covers only the handling thread inside Django; on a
2-core box the ratio to R0 is set by all of these together, so each is reported per request.
PostgreSQL and Redis are counted whole (other databases' work on the same server counts too:
run on a quiet machine).
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
GROUPS = ("server", "postgres", "redis", "client")


def _stat(pid: str) -> tuple[str, int, int] | None:
    """(command, parent pid, utime + stime in ticks) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = text.rpartition(")")
    comm = head.partition("(")[2]
    fields = rest.split()
    return comm, int(fields[1]), int(fields[11]) + int(fields[12])


def snapshot(server_pid: int | None) -> dict | None:
    """CPU ticks used so far by each process of each group; None where /proc is not there."""
    if not Path("/proc/self/stat").exists():
        return None
    groups: dict[str, dict[int, int]] = {g: {} for g in GROUPS if g != "client"}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        stat = _stat(entry.name)
        if stat is None:
            continue
        pid, (comm, ppid, ticks) = int(entry.name), stat
        if server_pid is not None and (pid == server_pid or ppid == server_pid):
            groups["server"][pid] = ticks
        elif comm.startswith("postgres"):
            groups["postgres"][pid] = ticks
        elif comm.startswith("redis-server"):
            groups["redis"][pid] = ticks
    me = os.times()
    return {**groups, "client": me.user + me.system}


def per_request(before: dict | None, after: dict | None, requests: int) -> dict[str, float | None]:
    """Milliseconds of CPU per request of each group between two snapshots: what each process
    alive at the end used since the start (a new process since it began; one that ended in
    between is not counted)."""
    if not before or not after or not requests:
        return {f"cpu_{k}_ms": None for k in GROUPS}
    out = {}
    for group in GROUPS:
        if group == "client":
            used = after["client"] - before["client"]
        else:
            used = sum(t - before[group].get(pid, 0) for pid, t in after[group].items()) / TICK
        out[f"cpu_{group}_ms"] = round(used * 1000 / requests, 2)
    return out
