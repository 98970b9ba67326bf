"""Data sets as PostgreSQL template databases: seed once per size, restore in a second.

``bench_base_<fp>`` is the demo city (migrate + seed_demo); ``bench_<size>_<fp>`` is that grown by
``seed_scale``; each run works on ``bench_run``, a fresh copy (CREATE DATABASE … TEMPLATE …).
``<fp>`` fingerprints the migrations, the demo and scale generators and the pinned requirements,
so a change to any of them builds new templates and drops the stale ones.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
# One working copy per run, so a developer's run and CI's never share a database.
RUN_DB = os.environ.get("BENCH_RUN_DB") or f"bench_run_{os.getpid()}"


def fingerprint() -> str:
    digest = hashlib.sha256()
    files = sorted(
        [
            *ROOT.glob("*/migrations/*.py"),
            *ROOT.glob("training/*/migrations/*.py"),
            *ROOT.glob("training/demo/*.py"),
        ]
    )
    for path in [*files, ROOT / "requirements.txt"]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _admin():
    return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)


def database_url(name: str) -> str:
    return f"{PG_URL}/{name}"


def exists(name: str) -> bool:
    with _admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop(name: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create(name: str, template: str | None = None) -> None:
    drop(name)
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def rename(old: str, new: str) -> None:
    with _admin() as conn:
        conn.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')


def server_setting(name: str) -> str:
    with _admin() as conn:
        return conn.execute(f"SHOW {name}").fetchone()[0]


def server_version() -> str:
    with _admin() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def manage(args: list[str], *, db: str, env: dict[str, str], log) -> None:
    """Run a manage.py command on one database, its output to the log."""
    started = time.monotonic()
    full_env = {**os.environ, **env, "DATABASE_URL": database_url(db)}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True
    )
    for line in result.stdout.splitlines():
        if line.startswith(("seed_demo:", "seed_scale:")):
            log(f"  {line}")
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    log(f"  manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s")


def ensure_template(size: str, *, env: dict[str, str], log) -> tuple[str, dict]:
    """The template database of a size, built if missing; returns its name and build timings."""
    fp = fingerprint()
    base, built = f"bench_base_{fp}", {}
    if not exists(base):
        log(f"building {base}: migrate + seed_demo (once per code change)")
        started = time.monotonic()
        create("bench_build_base")
        manage(["migrate", "--noinput"], db="bench_build_base", env=env, log=log)
        manage(["seed_demo"], db="bench_build_base", env=env, log=log)
        rename("bench_build_base", base)
        built["base_seconds"] = round(time.monotonic() - started, 1)
    if size == "xs":
        name = base
    else:
        name = f"bench_{size}_{fp}"
        if not exists(name):
            log(f"building {name}: seed_scale --size {size}")
            started = time.monotonic()
            create(f"bench_build_{size}", template=base)
            manage(["seed_scale", "--size", size], db=f"bench_build_{size}", env=env, log=log)
            rename(f"bench_build_{size}", name)
            built[f"{size}_seconds"] = round(time.monotonic() - started, 1)
    return name, built


def prune(log) -> None:
    """Drop templates of other code versions and working copies left by killed runs (not done
    on its own: another checkout on this machine may be using them)."""
    fp = fingerprint()
    with _admin() as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bench%'")]
    for name in names:
        if not name.endswith(fp) and name != RUN_DB:
            log(f"dropping {name}")
            drop(name)


def restore(template: str) -> str:
    """A fresh working copy of a template for one run."""
    started = time.monotonic()
    create(RUN_DB, template=template)
    return f"{time.monotonic() - started:.1f}"
