"""JSON and Markdown of a run; ``python -m bench.report`` rebuilds bench/RESULTS.md from the
latest kept run of each size (bench/results/<size>.json)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "bench" / "results"
SIZES = ["xs", "s", "m", "l"]


def _f(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(r: dict) -> str:
    m = r.get("machine", {})
    lines = [
        f"### Size {r['size'].upper()}: {r['data']['staff']:,} staff, {r['data']['units']:,} units",
        "",
        f"{m.get('date', '')} · git {m.get('git', '')} · {m.get('nproc')} CPUs ({m.get('cpu', '')}), "
        f"{m.get('ram_gib')} GiB · Python {m.get('python')}, Django {m.get('django')}, Wagtail {m.get('wagtail')}, "
        f"gunicorn {m.get('gunicorn')} ({r['params']['workers']} workers × {r['params']['threads']} threads), "
        f"PostgreSQL {m.get('postgresql')} (synchronous_commit={m.get('synchronous_commit')}, fsync={m.get('fsync')}), "
        f"aiohttp {m.get('aiohttp')} · {r['params']['rounds']} rounds × {r['params']['duration']} s per cell, "
        f"{r['params']['conns']} connections, shuffled",
        "",
        "| endpoint | ratio to R0: median (q1–q3) | target | verdict | req/s | p50 ms | p95 ms | p99 ms | queries | writes | CPU ms | bytes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, e in r["endpoints"].items():
        if e.get("skipped"):
            lines.append(f"| {key} — {e['title']} | {e['skipped']} | ≥ {e['target']} | – | | | | | | | | |")
            continue
        ratio = e["ratio"]
        q = (
            _f(e["queries"], 0)
            if e["queries"] == e.get("queries_max")
            else f"{_f(e['queries'], 0)} (max {e['queries_max']})"
        )
        lines.append(
            f"| {key} — {e['title']} | {_f(ratio['median'], 3)} ({_f(ratio['q1'], 3)}–{_f(ratio['q3'], 3)}) | "
            f"{'≥ ' + str(e['target']) if e['target'] else ''} | {e['verdict'] or ''} | {_f(e['rps'], 0)} | {_f(e['p50'])} | "
            f"{_f(e['p95'])} | {_f(e['p99'])} | {q} | {_f(e['writes'], 0)} | "
            f"{_f(e['cpu_us'] / 1000 if e['cpu_us'] is not None else None, 2)} | {_f(e['bytes'], 0)} |"
        )
    measured = {
        k: e for k, e in r["endpoints"].items() if not e.get("skipped") and e.get("cpu_server_ms") is not None
    }
    if measured:
        lines += [
            "",
            "Where the machine's CPU goes, ms per request (bench/cpu.py; the ratio is set by all of it):",
            "",
            "| endpoint | Django (handling thread) | gunicorn processes | PostgreSQL | Redis | load generator |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for key, e in measured.items():
            lines.append(
                f"| {key} | {_f(e['cpu_us'] / 1000 if e['cpu_us'] is not None else None, 2)} | "
                f"{_f(e['cpu_server_ms'], 2)} | {_f(e['cpu_postgres_ms'], 2)} | {_f(e['cpu_redis_ms'], 2)} | "
                f"{_f(e['cpu_client_ms'], 2)} |"
            )
    w = r.get("exam_window")
    if w and not w.get("skipped"):
        lines += [
            "",
            f"**Exam window**: {w['users']:,} staff open the exam page during the {w.get('arrival', 0):g} s before it opens, "
            f"click start at the opening (jitter s.d. {w['start_spread']} s) and enter at their own moment within "
            f"{w.get('entry_spread', 0)} s (staggered entry); "
            f"{w['questions_each']} questions each, think {w['think'][0]:g}–{w['think'][1]:g} s, autosave every {w['autosave']:g} s; "
            f"{w['seconds']} s after the opening; {w['started']:,} started, the last {w['all_started_after']} s after the opening "
            f"(peak {w.get('starts_peak_per_s')} starts/s); {w['acknowledged_answers']:,} answers acknowledged, "
            f"**{w['lost_answers']} lost**; {w['submitted']:,} handed in ({w['submitted_not_recorded']} not recorded); "
            f"unfinished {w['unfinished']}; verdict (p95 < 100 ms for answers and pages, none lost): **{w['verdict']}**",
            "",
            *(
                [
                    "Load generator: {cpu_seconds} s CPU ({cpu_share_of_one_core:.0%} of a core), event-loop lag "
                    "p99 {loop_lag_p99_ms} ms (max {loop_lag_max_ms}); {connections_opened} connections opened, "
                    "{connections_reused} reused; {waited_for_a_connection} requests waited for a free connection "
                    "(p95 {connection_wait_p95_ms} ms, part of their latency).".format(**w["generator"]),
                    "",
                ]
                if w.get("generator")
                else []
            ),
            "| request | count | req/s | p50 ms | p95 ms | p99 ms | max queries | CPU ms | errors |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, c in w["requests"].items():
            if not c["requests"] and not c["errors"]:
                continue
            lines.append(
                f"| {name} | {c['requests']:,} | {_f(c['rps'])} | {_f(c['p50'])} | {_f(c['p95'])} | {_f(c['p99'])} | "
                f"{_f(c['queries_max'])} | {_f(c['cpu_us'] / 1000 if c['cpu_us'] is not None else None, 2)} | {c['errors']} |"
            )
    elif w:
        lines += ["", f"**Exam window**: {w['skipped']}"]
    b = r.get("batch")
    if b:
        lines += [
            "",
            "| batch job | items → seconds (ms each) | CPU s | growth vs linear |",
            "| --- | --- | --- | --- |",
        ]
        for key, j in b.items():
            if j.get("skipped"):
                lines.append(f"| {key} — {j['title']} | {j['skipped']} | | |")
                continue
            s1, s2 = j["sizes"]
            lines.append(
                f"| {key} — {j['title']} | {s1['items']:,} → {s1['seconds']} s ({s1['ms_per_item']}); "
                f"{s2['items']:,} → {s2['seconds']} s ({s2['ms_per_item']}) | {s1['cpu_seconds']}; {s2['cpu_seconds']} | "
                f"{j['growth_vs_linear']} |"
            )
    if r.get("build"):
        lines += ["", f"Data set built this run: {r['build']}; restored in {r['restore_seconds']} s."]
    if r.get("errors"):
        lines += ["", "Harness errors:", *[f"- {e}" for e in r["errors"][:20]]]
    return "\n".join(lines) + "\n"


def write(r: dict, out: Path, *, keep: bool) -> list[Path]:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = out / f"{r['size']}-{stamp}{'-smoke' if not keep else ''}"
    paths = [base.with_suffix(".json"), base.with_suffix(".md")]
    paths[0].write_text(json.dumps(r, ensure_ascii=False, indent=1, default=str))
    paths[1].write_text(markdown(r))
    if keep:
        KEPT.mkdir(exist_ok=True)
        kept = KEPT / f"{r['size']}.json"
        slim = {k: v for k, v in r.items() if k != "cells"}
        kept.write_text(json.dumps(slim, ensure_ascii=False, indent=1, default=str))
        paths.append(kept)
        paths.append(results_md())
    return paths


def query_scaling(runs: dict[str, dict]) -> list[str]:
    sizes = [s for s in SIZES if s in runs]
    if len(sizes) < 2:
        return []
    keys = [k for k, e in runs[sizes[0]]["endpoints"].items() if not e.get("skipped")]
    lines = [
        "## Queries per request by size (must be equal)",
        "",
        "| endpoint | "
        + " | ".join(f"{s.upper()} ({runs[s]['data']['staff']:,} staff)" for s in sizes)
        + " | equal |",
        "| --- | " + " | ".join("---" for _ in sizes) + " | --- |",
    ]
    for key in keys:
        counts = [runs[s]["endpoints"].get(key, {}).get("queries_max") for s in sizes]
        lines.append(
            f"| {key} | "
            + " | ".join(_f(c) for c in counts)
            + f" | {'yes' if len(set(counts)) == 1 else '**no**'} |"
        )
    return lines + [""]


def results_md() -> Path:
    runs = {p.stem: json.loads(p.read_text()) for p in sorted(KEPT.glob("*.json"))}
    head = (
        (ROOT / "bench" / "RESULTS.head.md").read_text()
        if (ROOT / "bench" / "RESULTS.head.md").exists()
        else ""
    )
    parts = [head.rstrip() + "\n"] if head else ["# Benchmark results\n"]
    parts += query_scaling(runs)
    for size in SIZES:
        if size in runs:
            parts.append(markdown(runs[size]))
    path = ROOT / "bench" / "RESULTS.md"
    path.write_text("\n".join(parts))
    return path


if __name__ == "__main__":
    print(results_md().relative_to(ROOT), file=sys.stderr)
