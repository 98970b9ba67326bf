import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: no figures or fragments from another test's data."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tree(db):
    return factories.city_tree()


@pytest.fixture
def people(tree):
    """One person per role: learners in each district, a manager of each district, a trainer, an admin."""
    return {
        "learner": factories.staff(org_unit=tree["east_comm"], name="张小明"),
        "west_learner": factories.staff(org_unit=tree["west_comm"], name="李四"),
        "manager": factories.staff(
            org_unit=tree["east"], name="周主管", role="manager", manages=tree["east"]
        ),
        "west_manager": factories.staff(
            org_unit=tree["west"], name="吴主管", role="manager", manages=tree["west"]
        ),
        "trainer": factories.staff(org_unit=tree["city"], name="林培训", role="trainer"),
        "admin": factories.staff(org_unit=tree["city"], name="管理员", role="admin"),
    }


@pytest.fixture
def login(client):
    def _login(person):
        client.force_login(person.user)
        return client

    return _login


@pytest.fixture
def celery_worker_real(transactional_db):
    """A real Celery worker consuming from the configured broker (filesystem by default, Redis in CI)."""
    from django.db import connections

    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from training.celery import app

    def close_worker_connections(**kwargs):
        # The worker thread's own connections, so the test database can be dropped afterwards.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            yield app
    finally:
        app.conf.task_always_eager = True
        task_postrun.disconnect(close_worker_connections)


def pytest_sessionfinish(session, exitstatus):
    for folder in Path(settings.BASE_DIR, "var").glob("test-broker-*"):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def robot_server():
    """A real HTTP server on 127.0.0.1 standing in for WeCom / DingTalk: it records every POST
    byte for byte and answers per path (default HTTP 200 with errcode 0)."""
    received: list[SimpleNamespace] = []
    answers: dict[str, tuple[int, dict]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            split = urlsplit(self.path)
            received.append(
                SimpleNamespace(
                    path=split.path,
                    query=parse_qs(split.query),
                    raw_query=split.query,
                    body=body,
                    content_type=self.headers["Content-Type"],
                )
            )
            status, answer = answers.get(split.path, (200, {"errcode": 0, "errmsg": "ok"}))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(
            url=f"http://127.0.0.1:{server.server_address[1]}",
            received=received,
            answers=answers,
            to=lambda path: [r for r in received if r.path == path],
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
