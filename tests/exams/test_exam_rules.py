"""Exam rules: time limits, windows, attempts, draws, versions, reveal, marking, drills, statistics."""

import datetime
from decimal import Decimal

from django.utils import timezone

import pytest

from courses.models import LessonProgress
from exams.choices import AttemptStatus
from exams.models import Attempt, ExamFixedQuestion, ExamQuota, PointsEntry, Question, WrongAnswer
from exams.selectors import counted_attempt, item_analysis_for_bank, leaderboard_units
from exams.services import (
    ExamError,
    answer_mark,
    answer_save,
    attempt_start,
    attempt_submit,
    attempts_submit_expired,
    daily_practice_start,
    wrong_book_practice_start,
)
from tests import factories
from training.org.services import role_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(people):
    return factories.exam_of(factories.module(questions=6, question_count=5))


def _right(attempt):
    return factories.correct_answers(attempt)


def test_answers_after_the_deadline_are_refused_and_the_job_hands_in(people, exam):
    user = people["learner"].user
    exam.time_limit_minutes = 10
    exam.save()
    start = timezone.now()
    attempt = attempt_start(user=user, exam=exam, now=start)
    assert attempt.deadline == start + datetime.timedelta(minutes=10)
    first = attempt.paper[0]
    answer_save(
        attempt_id=attempt.pk,
        user=user,
        question_id=first["q"],
        response=_right(attempt)[first["q"]],
        now=start + datetime.timedelta(minutes=5),
    )
    late = start + datetime.timedelta(minutes=11)
    with pytest.raises(ExamError):
        answer_save(
            attempt_id=attempt.pk, user=user, question_id=attempt.paper[1]["q"], response=None, now=late
        )
    assert attempts_submit_expired(now=late) == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.score == Decimal(
        "20.00"
    )  # the saved answer counts
    assert attempts_submit_expired(now=late) == 0


def test_window_attempt_limit_and_delay(people, exam):
    user = people["learner"].user
    now = timezone.now()
    exam.opens_at, exam.closes_at = now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=3)
    exam.save()
    with pytest.raises(ExamError):
        attempt_start(user=user, exam=exam, now=now)
    with pytest.raises(ExamError):
        attempt_start(user=user, exam=exam, now=now + datetime.timedelta(hours=4))
    inside = now + datetime.timedelta(hours=2)
    attempt = attempt_start(user=user, exam=exam, now=inside)
    assert attempt.deadline == exam.closes_at  # no time limit: the window's close is the deadline
    attempt_submit(attempt_id=attempt.pk, user=user, now=inside)
    exam.minutes_between_attempts = 30
    exam.max_attempts = 2
    exam.save()
    with pytest.raises(ExamError):
        attempt_start(user=user, exam=exam, now=inside + datetime.timedelta(minutes=10))
    second = attempt_start(user=user, exam=exam, now=inside + datetime.timedelta(minutes=31))
    attempt_submit(attempt_id=second.pk, user=user, now=inside + datetime.timedelta(minutes=32))
    with pytest.raises(ExamError):
        attempt_start(user=user, exam=exam, now=inside + datetime.timedelta(minutes=70))


def test_best_or_last_attempt_counts(people, exam):
    user = people["learner"].user
    good = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=good.pk, user=user, answers=_right(good))
    bad = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=bad.pk, user=user)
    assert counted_attempt(user=user, exam=exam).pk == good.pk
    exam.grading_method = "last"
    exam.save()
    assert counted_attempt(user=user, exam=exam).pk == bad.pk


def test_random_draw_by_quotas_and_fixed_paper(people):
    user = people["learner"].user
    area = factories.areas()["sscard"]
    bank = factories.bank(area=area, questions=0)
    easy = [factories.typed_question(bank, "single", stem=f"易{i}", difficulty=1) for i in range(6)]
    hard = [factories.typed_question(bank, "single", stem=f"难{i}", difficulty=3) for i in range(4)]
    exam = factories.exam_of(factories.module(area_code="sscard"))
    ExamQuota.objects.create(page=exam, bank=bank, difficulty=1, count=3, sort_order=0)
    ExamQuota.objects.create(page=exam, bank=bank, difficulty=3, count=2, sort_order=1)
    drawn = {e["q"] for e in attempt_start(user=user, exam=exam, seed=7).paper}
    assert len(drawn & {q.pk for q in easy}) == 3 and len(drawn & {q.pk for q in hard}) == 2

    fixed_exam = factories.exam_of(factories.module(area_code="sscard"))
    fixed_exam.shuffle_questions = False
    fixed_exam.save()
    for order, q in enumerate([hard[0], easy[2], easy[0]]):
        ExamFixedQuestion.objects.create(page=fixed_exam, question=q, sort_order=order)
    paper = attempt_start(user=user, exam=fixed_exam).paper
    assert [e["q"] for e in paper] == [hard[0].pk, easy[2].pk, easy[0].pk]


def test_editing_a_question_makes_a_new_version_and_attempts_keep_theirs(client, people, exam):
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    entry = attempt.paper[0]
    old_right = _right(attempt)[entry["q"]]
    question = Question.objects.get(pk=entry["q"])
    question.stem = "修改后的题干：社保卡挂失的渠道有哪些？"
    question.save()
    question.choices.update(is_correct=False)
    question.choices.exclude(pk=old_right).filter(sort_order=3).update(is_correct=True)
    attempt_submit(attempt_id=attempt.pk, user=user, answers={entry["q"]: old_right})
    attempt.refresh_from_db()
    assert attempt.answers.get(question_id=entry["q"]).is_correct  # graded on the version given
    client.force_login(user)
    page = client.get(f"{exam.url}?attempt={attempt.pk}").text
    assert "修改后的题干" not in page
    fresh = attempt_start(user=user, exam=exam, seed=99)
    assert any(e["v"] != entry["v"] for e in fresh.paper if e["q"] == entry["q"]) or entry["q"] not in [
        e["q"] for e in fresh.paper
    ]


def test_reveal_never_hides_the_right_answers(client, people, exam):
    exam.reveal = "never"
    exam.save()
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user)
    client.force_login(user)
    text = client.get(f"{exam.url}?attempt={attempt.pk}").text
    assert "✓" not in text and "依据《失业保险条例》" not in text


def test_practice_mode_tells_right_or_wrong_at_once(client, people):
    exam = factories.exam_of(factories.module())
    exam.mode, exam.reveal = "practice", "immediately"
    exam.save()
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    entry = attempt.paper[0]
    client.force_login(user)
    reply = client.post(
        f"/exams/attempts/{attempt.pk}/answers/",
        {"question": entry["q"], "response": _right(attempt)[entry["q"]]},
    ).json()
    assert reply["saved"] and reply["feedback"]["correct"] is True and reply["feedback"]["explanation"]


def test_every_question_type_through_the_paper_form(client, people):
    user = people["learner"].user
    area = factories.areas()["sscard"]
    bank = factories.bank(area=area, questions=0)
    single = factories.typed_question(bank, "single", correct=(0,))
    multiple = factories.typed_question(bank, "multiple", correct=(0, 2), points=2)
    truth = factories.typed_question(bank, "true_false", correct=(1,))
    blank = factories.typed_question(bank, "fill_blank", answers=["社会保障卡", "社保卡"])
    exam = factories.exam_of(factories.module(area_code="sscard"))
    for order, q in enumerate([single, multiple, truth, blank]):
        ExamFixedQuestion.objects.create(page=exam, question=q, sort_order=order)
    client.force_login(user)
    client.post(exam.url, {"action": "start"})
    attempt = Attempt.objects.get(user=user, exam=exam)
    text = client.get(exam.url).text
    assert 'type="checkbox"' in text and 'type="text"' in text
    ids = {
        q.pk: list(q.choices.order_by("sort_order").values_list("pk", flat=True))
        for q in (single, multiple, truth)
    }
    client.post(
        exam.url,
        {
            "action": "submit",
            "attempt": attempt.pk,
            f"q{single.pk}": ids[single.pk][0],
            f"q{multiple.pk}": [ids[multiple.pk][0], ids[multiple.pk][2]],
            f"q{multiple.pk}_multi": "1",
            f"q{truth.pk}": ids[truth.pk][1],
            f"q{blank.pk}": " 社保卡 ",
        },
    )
    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.00") and attempt.passed


def test_essay_is_marked_by_a_trainer_of_its_area_and_the_result_follows(
    client, people, django_capture_on_commit_callbacks
):
    user = people["learner"].user
    trainer = people["trainer"].user
    area = factories.areas()["employment"]
    bank = factories.bank(area=area, questions=0)
    bank.owner = trainer
    bank.save()
    essay = factories.typed_question(bank, "essay", stem="简述失业保险金申领流程。", points=4)
    choice = factories.typed_question(bank, "single", points=1)
    mod = factories.module(lessons=0)
    exam = factories.exam_of(mod)
    for order, q in enumerate([essay, choice]):
        ExamFixedQuestion.objects.create(page=exam, question=q, sort_order=order)
    attempt = attempt_start(user=user, exam=exam)
    right = _right(attempt)
    attempt_submit(
        attempt_id=attempt.pk,
        user=user,
        answers={essay.pk: "先登记，再申领，最后审核发放。", choice.pk: right[choice.pk]},
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.passed is None
    answer = attempt.answers.get(question=essay)

    # A trainer of another area may not mark it, though they own the bank (owners are contacts).
    other_trainer = factories.staff(org_unit=people["trainer"].org_unit, role="trainer").user
    role_grant(user=other_trainer, role="trainer", areas=[factories.areas()["pension"]])
    bank.owner = other_trainer
    bank.save()
    with pytest.raises(ExamError):
        answer_mark(answer_id=answer.pk, marker=other_trainer, awarded=Decimal(4))
    client.force_login(other_trainer)
    assert "简述失业保险金" not in client.get("/exams/marking/").text
    assert client.get(f"/exams/marking/{answer.pk}/").status_code == 404

    client.force_login(trainer)
    assert "简述失业保险金" in client.get("/exams/marking/").text
    assert client.post(f"/exams/marking/{answer.pk}/", {"awarded": "9", "comment": "太高"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/exams/marking/{answer.pk}/", {"awarded": "3", "comment": "要点基本齐全"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.score == Decimal("80.00") and attempt.passed
    assert LessonProgress.objects.filter(user=user, page=exam, completed_at__isnull=False).exists()
    client.force_login(user)
    assert "要点基本齐全" in client.get(f"{exam.url}?attempt={attempt.pk}").text


def test_wrong_answer_book_and_re_practice(client, people, exam):
    user = people["learner"].user
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user)  # all wrong
    assert WrongAnswer.objects.filter(user=user, mastered_at__isnull=True).count() == 5
    practice = wrong_book_practice_start(user=user)
    right = _right(practice)
    attempt_submit(attempt_id=practice.pk, user=user, answers=dict(list(right.items())[:2]))
    assert WrongAnswer.objects.filter(user=user, mastered_at__isnull=True).count() == 3
    client.force_login(user)
    assert client.get("/exams/wrong-book/").status_code == 200
    response = client.post("/exams/wrong-book/")
    assert response.status_code == 302 and "/exams/practice/" in response["Location"]
    client.force_login(people["west_learner"].user)
    assert client.get(response["Location"]).status_code == 404


def test_daily_practice_is_the_same_all_day_and_from_weak_areas(people, exam):
    user = people["learner"].user
    today = timezone.localdate()
    first = daily_practice_start(user=user, today=today)
    again = daily_practice_start(user=user, today=today)
    assert first.pk == again.pk
    tomorrow = daily_practice_start(user=user, today=today + datetime.timedelta(days=1))
    assert tomorrow.pk != first.pk
    area_ids = set(
        Question.objects.filter(pk__in=[e["q"] for e in first.paper]).values_list("bank__area_id", flat=True)
    )
    assert area_ids == {factories.areas()["employment"].pk}


def test_points_per_head_let_a_small_station_lead(people, tree):
    factories.module(questions=8)
    small = factories.unit(parent=tree["west_street"], name="小村", rural=True)
    lone = factories.staff(org_unit=small)
    for person in (lone.user, people["learner"].user):
        attempt = daily_practice_start(user=person)
        attempt_submit(attempt_id=attempt.pk, user=person, answers=factories.correct_answers(attempt))
    for _ in range(3):
        factories.staff(org_unit=tree["east_comm"], password=None)
    rows = leaderboard_units(level="community", since=timezone.localdate(), root_path=tree["city"].path)
    assert rows[0].name == "小村" and rows[0].heads == 1
    assert PointsEntry.objects.filter(user=lone.user).exists()


def test_item_analysis_flags_a_broken_question(people, tree):
    area = factories.areas()["employment"]
    bank = factories.bank(area=area, questions=0)
    broken = factories.typed_question(bank, "single", stem="答案设错的题", correct=(3,))
    fine = factories.typed_question(bank, "single", stem="正常的题", correct=(0,))
    exam = factories.exam_of(factories.module())
    exam.shuffle_questions = False
    exam.save()
    for order, q in enumerate([broken, fine]):
        ExamFixedQuestion.objects.create(page=exam, question=q, sort_order=order)
    first_option = {q.pk: q.choices.get(sort_order=0).pk for q in (broken, fine)}
    for i in range(12):
        person = factories.staff(org_unit=tree["east_comm"], password=None).user
        attempt = attempt_start(user=person, exam=exam)
        picks = {fine.pk: first_option[fine.pk] if i % 3 else None, broken.pk: first_option[broken.pk]}
        attempt_submit(attempt_id=attempt.pk, user=person, answers=picks)
    stats = {s.question.pk: s for s in item_analysis_for_bank(bank=bank)}
    assert stats[broken.pk].responses == 12 and stats[broken.pk].facility == 0
    assert "too_hard" in stats[broken.pk].flags and "distractor_beats_key" in stats[broken.pk].flags
    assert "distractor_beats_key" not in stats[fine.pk].flags


def test_trainer_pages_scope(client, people):
    areas = factories.areas()
    role_grant(user=people["trainer"].user, role="trainer", areas=[areas["employment"]])
    mine = factories.bank(area=areas["employment"], questions=1)  # nobody's: the area decides
    theirs = factories.bank(area=areas["pension"], questions=1)
    theirs.owner = people["trainer"].user
    theirs.save()
    client.force_login(people["trainer"].user)
    assert client.get(f"/exams/banks/{mine.pk}/analysis/").status_code == 200
    assert client.get(f"/exams/banks/{theirs.pk}/analysis/").status_code == 404
    for role in ("learner", "manager"):
        client.force_login(people[role].user)
        assert client.get("/exams/marking/").status_code == 403
        assert client.get(f"/exams/banks/{mine.pk}/analysis/").status_code == 403


def test_learner_pages_show_only_own_records(client, people, exam):
    attempt = attempt_start(user=people["west_learner"].user, exam=exam)
    attempt_submit(
        attempt_id=attempt.pk, user=people["west_learner"].user, answers=factories.correct_answers(attempt)
    )
    client.force_login(people["learner"].user)
    for url in ("/exams/drills/", "/exams/progress/", "/exams/wrong-book/"):
        assert client.get(url).status_code == 200
    progress = client.get("/exams/progress/").text
    assert "0 / 0" in progress
    drills = client.get("/exams/drills/").text
    assert "李四" not in drills  # people's names only for managers
    client.force_login(people["manager"].user)
    assert client.get("/exams/drills/").status_code == 200


def test_quotas_and_fixed_paper_hold_through_the_api(client, people):
    """The API reads whether an exam has quotas or a fixed paper with the exam itself."""
    import json

    client.force_login(people["learner"].user)
    area = factories.areas()["sscard"]
    bank = factories.bank(area=area, questions=0)
    easy = [factories.typed_question(bank, "single", stem=f"易{i}", difficulty=1) for i in range(6)]
    hard = [factories.typed_question(bank, "single", stem=f"难{i}", difficulty=3) for i in range(4)]
    exam = factories.exam_of(factories.module(area_code="sscard"))
    ExamQuota.objects.create(page=exam, bank=bank, difficulty=3, count=2, sort_order=0)

    def start(page):
        body = client.post(
            "/api/v1/attempts", json.dumps({"exam_id": page.pk}), content_type="application/json"
        )
        assert body.status_code == 200
        return [q["id"] for q in body.json()["questions"]]

    assert set(start(exam)) <= {q.pk for q in hard} and len(start(exam)) == 2
    fixed_exam = factories.exam_of(factories.module(area_code="sscard"))
    fixed_exam.shuffle_questions = False
    fixed_exam.save()
    for order, q in enumerate([hard[1], easy[3]]):
        ExamFixedQuestion.objects.create(page=fixed_exam, question=q, sort_order=order)
    assert start(fixed_exam) == [hard[1].pk, easy[3].pk]
    assert (
        client.post(
            "/api/v1/attempts", json.dumps({"exam_id": 987654}), content_type="application/json"
        ).status_code
        == 404
    )


def test_starts_use_kept_question_versions_until_a_question_or_option_is_edited(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    learner, other = people["learner"].user, people["west_learner"].user
    third = factories.staff(org_unit=people["learner"].org_unit, name="王五").user
    exam = factories.exam_of(factories.module(questions=5, question_count=5))
    first = attempt_start(user=learner, exam=exam, seed=1)
    with CaptureQueriesContext(connection) as ctx:
        second = attempt_start(user=other, exam=exam, seed=2)
    # the same versions, and no question, option or version read for them
    assert {e["q"]: e["v"] for e in second.paper} == {e["q"]: e["v"] for e in first.paper}
    assert not [
        q for q in ctx.captured_queries if "exams_choice" in q["sql"] or "exams_questionversion" in q["sql"]
    ]

    # an editor changes one option's text: the next start gets a new version with the new text
    qid = first.paper[0]["q"]
    choice = Question.objects.get(pk=qid).choices.order_by("sort_order").first()
    choice.text = "修改后的选项：到社保经办窗口现场挂失"
    choice.save()
    fresh = attempt_start(user=third, exam=exam, seed=3)
    entry = next(e for e in fresh.paper if e["q"] == qid)
    assert entry["v"] != first.paper[0]["v"]
    from exams.models import QuestionVersion

    texts = [o["text"] for o in QuestionVersion.objects.get(pk=entry["v"]).data["options"]]
    assert "修改后的选项：到社保经办窗口现场挂失" in texts
