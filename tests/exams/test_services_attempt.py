from django.db import IntegrityError, transaction

import pytest

from courses.models import LessonProgress
from exams.choices import AttemptStatus
from exams.models import Answer, Attempt
from exams.services import ExamError, answer_save, attempt_start, attempt_submit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(people):
    mod = factories.module(questions=8, question_count=5)
    return people["learner"].user, factories.exam_of(mod), mod


def test_attempt_start_draws_the_paper_once_and_resumes_it(setup):
    user, exam, _ = setup
    first = attempt_start(user=user, exam=exam, seed=1)
    again = attempt_start(user=user, exam=exam, seed=2)
    assert again.pk == first.pk
    assert len(first.paper) == 5
    assert len({e["q"] for e in first.paper}) == 5
    assert all(len(e["c"]) == 4 for e in first.paper)


def test_attempt_start_shuffles_options_per_attempt(setup):
    user, exam, _ = setup
    orders = set()
    for seed in range(6):
        attempt = attempt_start(user=user, exam=exam, seed=seed)
        orders.add(tuple(attempt.paper[0]["c"]))
        attempt_submit(attempt_id=attempt.pk, user=user)
    assert len(orders) > 1


def test_database_refuses_a_second_open_attempt(setup):
    user, exam, _ = setup
    attempt_start(user=user, exam=exam)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(user=user, exam=exam, paper=[])


def test_attempt_start_refuses_when_attempts_used_up(setup):
    user, exam, _ = setup
    exam.max_attempts = 1
    exam.save()
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user)
    with pytest.raises(ExamError):
        attempt_start(user=user, exam=exam)


def test_answer_save_is_idempotent_and_keeps_the_latest_choice(setup):
    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam)
    entry = attempt.paper[0]
    answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][0])
    answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][0])
    answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][1])
    assert Answer.objects.filter(attempt=attempt).count() == 1
    assert Answer.objects.get(attempt=attempt).response == entry["c"][1]


def test_answer_save_rejects_question_not_on_paper_and_foreign_option(setup):
    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam)
    first, second = attempt.paper[0], attempt.paper[1]
    with pytest.raises(ExamError):
        answer_save(attempt_id=attempt.pk, user=user, question_id=999999, response=None)
    with pytest.raises(ExamError):
        answer_save(attempt_id=attempt.pk, user=user, question_id=first["q"], response=second["c"][0])


def test_answer_save_refuses_another_persons_attempt(setup, people):
    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam)
    with pytest.raises(Attempt.DoesNotExist):
        answer_save(
            attempt_id=attempt.pk,
            user=people["west_learner"].user,
            question_id=attempt.paper[0]["q"],
            response=attempt.paper[0]["c"][0],
        )


def test_attempt_submit_grades_saved_answers_and_counts_once(setup):
    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam)
    right = factories.correct_answers(attempt)
    for entry in attempt.paper[:3]:
        answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=right[entry["q"]])
    done = attempt_submit(attempt_id=attempt.pk, user=user)
    assert done.status == AttemptStatus.GRADED
    assert str(done.score) == "60.00" and done.passed
    submitted_at = done.submitted_at
    # A second submission (double click, second tab) changes nothing.
    wrong = {e["q"]: e["c"][0] if e["c"][0] != right[e["q"]] else e["c"][1] for e in attempt.paper}
    again = attempt_submit(attempt_id=attempt.pk, user=user, answers=wrong)
    assert again.submitted_at == submitted_at and str(again.score) == "60.00"


def test_answer_save_refused_after_submit(setup):
    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user)
    with pytest.raises(ExamError):
        answer_save(attempt_id=attempt.pk, user=user, question_id=attempt.paper[0]["q"], response=None)


def test_passing_completes_the_exam_lesson_failing_does_not(setup):
    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user)  # nothing answered: 0 %
    assert not LessonProgress.objects.filter(user=user, page=exam, completed_at__isnull=False).exists()
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    assert LessonProgress.objects.filter(user=user, page=exam, completed_at__isnull=False).exists()


# --- the hot path of saving an answer (one statement on PostgreSQL once the paper is known) ----


def _option_not_in(attempt, entry):
    return next(c for e in attempt.paper for c in e["c"] if c not in entry["c"])


def test_answer_save_takes_one_statement_once_the_paper_is_known(setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam)
    entry = attempt.paper[0]
    answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][0])
    # PostgreSQL: the attempt checked and locked FOR SHARE and the answer upserted, in one
    # statement, no transaction; SQLite (one writer at a time anyway): the locked attempt, then
    # the upsert, in a transaction.
    expected = 1 if connection.vendor == "postgresql" else 2
    for i in range(3):
        with CaptureQueriesContext(connection) as ctx:
            answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][i])
        statements = [q["sql"] for q in ctx.captured_queries]
        real = [q for q in statements if not q.upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN"))]
        assert len(real) == expected, statements
        if connection.vendor == "postgresql":
            assert real == statements  # no savepoint: it runs in autocommit
    assert Answer.objects.get(attempt=attempt).response == entry["c"][2]


def test_answer_save_known_paper_still_refuses_late_closed_foreign_and_wrong_answers(setup, people):
    import datetime

    from django.utils import timezone

    user, exam, _ = setup
    exam.time_limit_minutes = 10
    exam.save()
    start = timezone.now()
    attempt = attempt_start(user=user, exam=exam, now=start)
    first, second = attempt.paper[0], attempt.paper[1]
    answer_save(attempt_id=attempt.pk, user=user, question_id=first["q"], response=first["c"][0], now=start)
    with pytest.raises(ExamError):  # an option of another question
        answer_save(
            attempt_id=attempt.pk, user=user, question_id=first["q"], response=_option_not_in(attempt, first)
        )
    with pytest.raises(ExamError):
        answer_save(attempt_id=attempt.pk, user=user, question_id=999999, response=None)
    with pytest.raises(Attempt.DoesNotExist):
        answer_save(
            attempt_id=attempt.pk,
            user=people["west_learner"].user,
            question_id=first["q"],
            response=first["c"][1],
        )
    in_grace = start + datetime.timedelta(minutes=10, seconds=2)
    answer_save(
        attempt_id=attempt.pk, user=user, question_id=second["q"], response=second["c"][0], now=in_grace
    )
    late = start + datetime.timedelta(minutes=10, seconds=4)
    with pytest.raises(ExamError) as refused:
        answer_save(
            attempt_id=attempt.pk, user=user, question_id=first["q"], response=first["c"][1], now=late
        )
    assert "Time is up" in str(refused.value) or "时间" in str(refused.value)
    attempt_submit(attempt_id=attempt.pk, user=user, now=in_grace)
    with pytest.raises(ExamError):
        answer_save(
            attempt_id=attempt.pk, user=user, question_id=first["q"], response=first["c"][1], now=in_grace
        )
    saved = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "response"))
    assert saved == {first["q"]: first["c"][0], second["q"]: second["c"][0]}


def test_answer_save_does_not_trust_a_remembered_paper_for_a_new_row_with_the_same_id(setup):
    user, exam, _ = setup
    attempt = attempt_start(user=user, exam=exam, seed=1)
    entry = attempt.paper[0]
    answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][0])
    pk = attempt.pk
    attempt.delete()  # e.g. an archive restored over it: same id, another paper
    other = {"q": entry["q"], "v": entry["v"], "c": entry["c"][:1]}
    Attempt.objects.create(pk=pk, user=user, exam=exam, paper=[other])
    with pytest.raises(ExamError):
        answer_save(attempt_id=pk, user=user, question_id=entry["q"], response=entry["c"][1])
    assert not Answer.objects.filter(attempt_id=pk).exists()
    answer_save(attempt_id=pk, user=user, question_id=entry["q"], response=entry["c"][0])
    assert Answer.objects.get(attempt_id=pk).response == entry["c"][0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_answer_save_waits_for_a_hand_in_in_flight_and_then_refuses(people):
    """A save racing a hand-in: the hand-in holds the attempt FOR UPDATE; the save (FOR SHARE)
    waits for its commit and then finds the attempt closed: nothing stored after the hand-in."""
    import threading
    import time

    from django.db import connections

    exam = factories.exam_of(factories.module(questions=6, question_count=5))
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    entry = attempt.paper[0]
    answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][0])
    locked, outcome = threading.Event(), {}

    def hand_in():
        try:
            with transaction.atomic():
                attempt_submit(attempt_id=attempt.pk, user=user)
                locked.set()
                time.sleep(0.6)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hand_in)
    thread.start()
    assert locked.wait(10)
    started = time.monotonic()
    try:
        answer_save(attempt_id=attempt.pk, user=user, question_id=entry["q"], response=entry["c"][1])
        outcome["saved"] = True
    except ExamError:
        outcome["refused"] = True
    waited = time.monotonic() - started
    thread.join()
    assert outcome == {"refused": True}
    assert Answer.objects.get(attempt=attempt).response == entry["c"][0]
    from django.db import connection

    if connection.vendor == "postgresql":
        assert waited > 0.3  # it waited for the hand-in's lock, it did not slip in before
