"""The JSON API: session auth with CSRF, own attempts only, the flow, and a cheap answer save."""

import json
import threading

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import pytest

from exams.models import Answer
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(people):
    return factories.exam_of(factories.module(questions=6, question_count=5))


def _put(client, url, data):
    return client.put(url, json.dumps(data), content_type="application/json")


def test_flow_start_save_submit_result(client, people, exam):
    client.force_login(people["learner"].user)
    response = client.post(
        "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body["questions"]) == 5 and body["questions"][0]["stem"].startswith("第")
    attempt_id = body["id"]
    from exams.models import Attempt

    right = factories.correct_answers(Attempt.objects.get(pk=attempt_id))
    for question in body["questions"]:
        saved = _put(
            client,
            f"/api/v1/attempts/{attempt_id}/answers/{question['id']}",
            {"response": right[question["id"]]},
        )
        assert saved.status_code == 200 and saved.json()["saved"]
    result = client.post(f"/api/v1/attempts/{attempt_id}/submit").json()
    assert result["score"] == "100.00" and result["passed"] is True
    assert (
        client.post(f"/api/v1/attempts/{attempt_id}/submit").json()["score"] == "100.00"
    )  # twice counts once
    read = client.get(f"/api/v1/attempts/{attempt_id}").json()
    assert read["items"][0]["right_options"]


def test_anonymous_and_csrf(people, exam):
    anonymous = Client(enforce_csrf_checks=True)
    refused = anonymous.post(
        "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
    )
    assert refused.status_code == 403  # the CSRF check comes before the login
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["learner"].user)
    response = strict.post(
        "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
    )
    assert response.status_code == 403  # no CSRF token
    strict.get("/accounts/login/")  # sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        "/api/v1/attempts",
        json.dumps({"exam_id": exam.pk}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200


def test_another_persons_attempt_is_not_found(client, people, exam):
    client.force_login(people["learner"].user)
    attempt = client.post(
        "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
    ).json()
    client.force_login(people["west_learner"].user)
    qid = attempt["questions"][0]["id"]
    assert (
        _put(client, f"/api/v1/attempts/{attempt['id']}/answers/{qid}", {"response": None}).status_code == 404
    )
    assert client.post(f"/api/v1/attempts/{attempt['id']}/submit").status_code == 404
    assert client.get(f"/api/v1/attempts/{attempt['id']}").status_code == 404


def test_saving_an_answer_takes_at_most_four_queries(client, people, exam):
    client.force_login(people["learner"].user)
    attempt = client.post(
        "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
    ).json()
    question = attempt["questions"][0]
    url = f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}"
    _put(client, url, {"response": question["options"][0]["id"]})
    with CaptureQueriesContext(connection) as ctx:
        response = _put(client, url, {"response": question["options"][1]["id"]})
    assert response.status_code == 200
    real = [
        q for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN"))
    ]
    assert len(real) <= 4, [q["sql"][:80] for q in real]


def test_an_option_of_no_question_is_a_clear_422_and_a_question_off_the_paper_a_409(client, people, exam):
    client.force_login(people["learner"].user)
    attempt = client.post(
        "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
    ).json()
    question = attempt["questions"][0]
    response = _put(
        client, f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}", {"response": 999999}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "该选项不属于这道题。"
    response = _put(client, f"/api/v1/attempts/{attempt['id']}/answers/424242", {"response": None})
    assert response.status_code == 409


def test_openapi_document_lists_the_endpoints(client, people):
    client.force_login(people["learner"].user)
    doc = client.get("/api/v1/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        "/api/v1/attempts",
        "/api/v1/attempts/{attempt_id}/answers/{question_id}",
        "/api/v1/attempts/{attempt_id}/submit",
        "/api/v1/attempts/{attempt_id}",
    } <= paths


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_to_one_attempt_keep_every_answer(people):
    exam = factories.exam_of(factories.module(questions=8, question_count=8))
    user = people["learner"].user
    from exams.services import answer_save, attempt_start

    attempt = attempt_start(user=user, exam=exam)
    errors = []

    def save(entry):
        from django.db import connections

        try:
            for option in entry["c"]:  # each thread changes its mind several times; the last counts
                answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=option)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(e,)) for e in attempt.paper]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    saved = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "response"))
    assert saved == {e["q"]: e["c"][-1] for e in attempt.paper}


def _real_queries(ctx):
    return [
        q for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN"))
    ]


def test_starting_an_exam_takes_the_same_few_queries_whatever_the_exam_size(client, people):
    """A first start reads the exam, its module's lock, the open attempt, the draw, the current
    versions, then writes the attempt; the paper it answers with is not read back."""
    client.force_login(people["learner"].user)
    small = factories.exam_of(factories.module(questions=3, question_count=3))
    large = factories.exam_of(factories.module(questions=60, question_count=40))
    counts = {}
    for name, exam in (("small", small), ("large", large)):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
            )
        assert response.status_code == 200
        counts[name] = len(_real_queries(ctx))
    assert len(response.json()["questions"]) == 40
    assert counts["small"] == counts["large"], counts
    assert counts["large"] <= 12, [q["sql"][:90] for q in _real_queries(ctx)]
    # Resuming answers the same paper.
    again = client.post(
        "/api/v1/attempts", json.dumps({"exam_id": large.pk}), content_type="application/json"
    )
    assert again.json() == response.json()


def test_the_start_answer_is_exactly_the_documented_attempt_shape(client, people):
    """The start is rendered without a second validation: it must still be what AttemptOut says."""
    from exams.api import AttemptOut

    client.force_login(people["learner"].user)
    exam = factories.exam_of(factories.module(questions=4, question_count=4))
    body = client.post(
        "/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json"
    ).json()
    AttemptOut.model_validate(body)  # raises if a field is missing or of the wrong type
    assert set(body) == {"id", "exam_id", "status", "deadline", "questions"}
    assert len(body["questions"]) == 4
    assert all(
        set(q) == {"id", "number", "type", "stem", "points", "options", "response"} for q in body["questions"]
    )
    assert all(set(o) == {"id", "text"} for q in body["questions"] for o in q["options"])
    # a resume gives the same answer through the same rendering
    again = client.post("/api/v1/attempts", json.dumps({"exam_id": exam.pk}), content_type="application/json")
    assert again.json() == body
