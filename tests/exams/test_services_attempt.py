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
