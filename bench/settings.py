"""Settings for benchmark runs: the product's base settings as a deployment on plain http on
127.0.0.1 would use them (DEBUG off, PostgreSQL and Redis from the environment), plus two things
that exist only here: the R0 view's URL and, unless ``BENCH_COUNTERS=0``, a middleware that adds
per-request counters as response headers.
"""

import os

from training.settings.base import *  # noqa: F403
from training.settings.base import MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "bench.urls"
if os.environ.get("BENCH_COUNTERS", "1") != "0":
    # Outermost, so the counters include every other middleware (sessions, CSRF, auth…).
    MIDDLEWARE = ["bench.middleware.BenchCountersMiddleware", *MIDDLEWARE]
