"""Test settings: only what must differ from base for a fast, isolated suite."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, filesystem_broker_options

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = str(VAR_DIR / "test-media")
# Ordinary tests run tasks inline at commit; tests marked ``worker`` switch this off and start a
# real worker on the configured broker (see tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BEAT_SCHEDULE = {}
# Worker and live-server threads close their connections after each task or request, so the
# test database can be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the live server and the worker threads then share one database. One file
    # per test process, so two runs side by side never share (or delete) each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
LANGUAGE_CODE = "zh-hans"
DEBUG = False
ALLOWED_HOSTS = ["*"]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in tests

# Each test process gets its own queue (and, on the embedded broker, its own folder), so that a
# worker started by one process never takes a task meant for another process's database.
_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "main")
CELERY_TASK_DEFAULT_QUEUE = f"station-test-{_PROCESS}"
if CELERY_BROKER_URL == "filesystem://":  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / f"test-broker-{_PROCESS}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# WhiteNoise warns on every request when STATIC_ROOT is missing, as on a fresh checkout.
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

# A Celery worker or web server that a test starts as a process of its own (tests/test_faults.py)
# works on the test database named by DATABASE_URL, queues for real, and shares the test's media.
if os.environ.get("STATION_TEST_SUBPROCESS"):
    CELERY_TASK_ALWAYS_EAGER = False
    MEDIA_ROOT = os.environ["MEDIA_ROOT"]
