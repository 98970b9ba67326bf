"""``python -m bench.profile --size xs /path/ [--user NAME] [-n 50]``: where one endpoint's time goes.

Restores the size's template into a working copy, signs in, requests the path once to warm up,
then N times under cProfile with the Django test client (bench settings, no server), and prints
the queries of one request and the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys

from . import db
from .run import bench_env, log


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("path")
    parser.add_argument("--size", default="xs")
    parser.add_argument("--user", default="demo_learner")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--data", default=None, help="JSON body for PUT/POST")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    template, _ = db.ensure_template(args.size, env=bench_env(), log=log)
    db.restore(template)
    try:
        os.environ.update(bench_env(db.RUN_DB))
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client(enforce_csrf_checks=False)
        client.force_login(get_user_model().objects.get(username=args.user))

        def call():
            kwargs = {"data": args.data, "content_type": "application/json"} if args.data else {}
            response = getattr(client, args.method.lower())(args.path, **kwargs)
            if response.status_code >= 400:
                raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")

        call()
        with CaptureQueriesContext(connection) as ctx:
            call()
        print(f"{len(ctx)} queries:")
        for q in ctx.captured_queries:
            print(f"  {q['time']}s {q['sql'][: int(os.environ.get('BENCH_SQL_CHARS', '160'))]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            call()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        connection.close()
    finally:
        db.drop(db.RUN_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
