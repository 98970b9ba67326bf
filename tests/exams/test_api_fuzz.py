"""The JSON API fuzzed from its own OpenAPI document (schemathesis): no 5xx, and every answer
conforms to the document (status code, content type, body schema).

Every operation gets generated cases, as a logged-in learner, in three mixes: ids drawn from the schema alone (mostly
unknown ones), the learner's own real attempt and real questions (so bodies reach the grading
code), and another person's attempt; positive and negative (schema-breaking) bodies both. Then
a few anonymous cases per operation (must be 401/403, never more). Runs
through Django's WSGI handler in process against the test database, as a logged-in learner with
a CSRF token, the way the site's pages call it. Derandomised and bounded: the same cases each run.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from exams.api import api
from exams.services import attempt_start
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "30"))  # more for a deep run
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def _checks():
    wanted = [check for check in CHECKS.get_all() if check.__name__ in CHECK_NAMES]
    assert len(wanted) == len(CHECK_NAMES)
    return wanted


def _fuzz(operation, strategy, call, examples: int = EXAMPLES_PER_OPERATION) -> None:
    """Run ``call`` on the cases ``strategy`` generates for one operation, bounded and repeatable."""

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its case
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        call(case)

    run()


@pytest.fixture
def sitting(people):
    """A learner with an open attempt over questions of every type, and another person's attempt."""
    module = factories.module(questions=2, question_count=7)
    exam = factories.exam_of(module)
    for qtype in ("multiple", "true_false", "fill_blank", "essay"):
        factories.typed_question(exam.bank, qtype, answers=["十五日"] if qtype == "fill_blank" else ())
    extra = factories.typed_question(exam.bank, "single", stem="第三题：办理社保卡需要？")
    mine = attempt_start(user=people["learner"].user, exam=exam)
    theirs = attempt_start(user=people["west_learner"].user, exam=exam)
    return {
        "exam": exam,
        "mine": mine,
        "theirs": theirs,
        "questions": [entry["q"] for entry in mine.paper] + [extra.pk],
    }


@contextmanager
def _keep_test_connection():
    """Keep Django's WSGI handler from closing the test transaction's connection around each
    request (what ``django.test.Client`` does too). Enter it after any use of the test client,
    which connects the handler again when it is done."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _session(user) -> tuple[dict[str, str], dict[str, str]]:
    """The cookies and header a browser holding a login sends: session id, CSRF cookie and token."""
    client = Client()
    client.force_login(user)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    # identity: the in-process WSGI client does not undo GZipMiddleware as a browser would
    return cookies, {"X-CSRFToken": token, "Accept-Encoding": "identity"}


def _strategy(operation, sitting, ids):
    """Cases for one operation: from the schema alone, and with real ids and a real exam."""
    path_names = [p.name for p in operation.path_parameters]
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(mode))
        if path_names:
            strategies.append(
                st.fixed_dictionaries({n: ids[n] for n in path_names}).flatmap(
                    lambda fixed, mode=mode: operation.as_strategy(mode, path_parameters=fixed)
                )
            )
    if operation.path == "/api/v1/attempts":
        strategies.append(operation.as_strategy(body={"exam_id": sitting["exam"].pk}))
    return st.one_of(strategies)


def test_api_fuzzed_from_its_openapi_document_gives_no_5xx_and_conforms(people, sitting):
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = WSGIHandler()  # the real handler: middleware, session, CSRF, the API
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    cookies, headers = _session(people["learner"].user)
    checks = _checks()
    ids = {
        "attempt_id": st.sampled_from([sitting["mine"].pk, sitting["theirs"].pk]),
        "question_id": st.sampled_from(sitting["questions"]),
    }
    seen: dict[str, int] = {}
    statuses: set[int] = set()

    def call(case):
        seen[case.operation.label] = seen.get(case.operation.label, 0) + 1
        response = case.call_and_validate(headers=headers, cookies=cookies, checks=checks)
        statuses.add(response.status_code)

    def call_anonymous(case):
        # no login: the session cookie is whatever schemathesis makes of the security scheme. A
        # write is refused for its missing CSRF token (403) before the login is looked at; a read
        # has no token to miss and is refused for the missing login (401).
        seen["anonymous"] = seen.get("anonymous", 0) + 1
        response = case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=checks)
        expected = 401 if case.method.upper() == "GET" else 403
        assert response.status_code == expected, (case.method, case.path, response.status_code)
        statuses.add(response.status_code)

    with _keep_test_connection():
        for operation in operations:
            _fuzz(operation, _strategy(operation, sitting, ids), call)
            _fuzz(operation, operation.as_strategy(), call_anonymous, examples=5)

    total = sum(seen.values())
    print(f"schemathesis: {total} cases, {seen}, statuses {sorted(statuses)}")  # noqa: T201
    assert len(seen) == 5 and total >= 4 * EXAMPLES_PER_OPERATION * 0.9 + 4 * 5
    assert {200, 401} <= statuses  # the real ids reached the working code, not only 404s
