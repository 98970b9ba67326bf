"""Questions left unanswered (未作答): they score 0 on the result, only an answered essay waits for a
marker (待阅卷), and the paper names them, with links, before the hand-in."""

import re

import pytest

from exams.choices import AttemptStatus, Layout
from exams.models import Attempt, ExamFixedQuestion
from exams.services import answer_save, attempt_start
from tests import factories

pytestmark = pytest.mark.django_db


def _exam(*kinds):
    """An exam whose paper is the given question types, in this order."""
    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    questions = [
        factories.typed_question(bank, kind, stem=f"第{n}问：{kind}题——失业登记需要什么材料？")
        for n, kind in enumerate(kinds, start=1)
    ]
    exam = factories.exam_of(factories.module(lessons=0))
    exam.shuffle_questions = False
    exam.save()
    for order, q in enumerate(questions):
        ExamFixedQuestion.objects.create(page=exam, question=q, sort_order=order)
    return exam, questions


def _reviewed(html: str) -> dict[str, str]:
    """The result page's reviewed questions, by their stem's first words."""
    parts = html.split('<div class="question reviewed')[1:]
    return {re.search(r"第(\d)问", part).group(0): part.split("</div>")[0] for part in parts}


def test_result_scores_unanswered_questions_zero_and_only_answered_essays_await_marking(client, people):
    user = people["learner"].user
    exam, (single, blank_single, essay, blank_essay) = _exam("single", "single", "essay", "essay")
    client.force_login(user)
    client.post(exam.url, {"action": "start"})
    attempt = Attempt.objects.get(user=user, exam=exam)
    right = factories.correct_answers(attempt)
    # as the paper form sends it: the empty essay box comes along, the unticked radio does not
    client.post(
        exam.url,
        {
            "action": "submit",
            "attempt": attempt.pk,
            f"q{single.pk}": right[single.pk],
            f"q{essay.pk}": "先办理失业登记，再申领失业保险金。",
            f"q{blank_essay.pk}": "  ",
        },
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED  # the answered essay waits for its marker

    items = _reviewed(client.get(f"{exam.url}?attempt={attempt.pk}").text)
    assert "待阅卷" in items["第3问"] and "未作答" not in items["第3问"]
    for unanswered in ("第2问", "第4问"):
        assert "待阅卷" not in items[unanswered]
        assert "未作答" in items[unanswered] and "得 0.00 分" in items[unanswered]
    assert "得 1.00 分" in items["第1问"]


def test_an_essay_left_blank_needs_no_marker(client, people):
    user = people["learner"].user
    exam, (single, essay) = _exam("single", "essay")
    client.force_login(user)
    client.post(exam.url, {"action": "start"})
    attempt = Attempt.objects.get(user=user, exam=exam)
    right = factories.correct_answers(attempt)
    client.post(
        exam.url,
        {"action": "submit", "attempt": attempt.pk, f"q{single.pk}": right[single.pk], f"q{essay.pk}": ""},
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and str(attempt.score) == "50.00"
    client.force_login(people["trainer"].user)
    assert "失业登记需要什么材料" not in client.get("/exams/marking/").text


def test_paper_names_the_unanswered_questions_with_links_before_hand_in(client, people):
    user = people["learner"].user
    exam, questions = _exam("single", "fill_blank", "single", "essay")
    attempt = attempt_start(user=user, exam=exam)
    first, blank = questions[0], questions[1]
    answer_save(
        attempt_id=attempt.pk,
        user=user,
        question_id=first.pk,
        response=factories.correct_answers(attempt)[first.pk],
    )
    answer_save(attempt_id=attempt.pk, user=user, question_id=blank.pk, response="社保卡")
    client.force_login(user)

    html = client.get(exam.url).text
    box = html.split('id="unanswered"')[1].split("</div>")[0]
    assert "2 题未作答：" in box
    for number, q in ((3, questions[2]), (4, questions[3])):
        assert (
            f'<a href="#question-{q.pk}" data-question="{q.pk}" data-number="{number}">第 {number} 题</a>'
            in box
        )
        assert f'id="question-{q.pk}"' in html  # the link's target
    assert f'href="#question-{first.pk}" data-question="{first.pk}" data-number="1" hidden>' in box
    assert "还有 {n} 题未作答（第 {numbers} 题）。仍要交卷吗？" in html  # the script's confirmation

    exam.layout = Layout.ONE
    exam.save()
    box = client.get(exam.url).text.split('id="unanswered"')[1].split("</div>")[0]
    assert "2 题未作答：" in box
    assert f'<a href="?q=3" data-question="{questions[2].pk}" data-number="3">第 3 题</a>' in box
    assert f'<a href="?q=4" data-question="{questions[3].pk}" data-number="4">第 4 题</a>' in box


def test_paper_with_every_question_answered_names_none(client, people):
    user = people["learner"].user
    exam, (single,) = _exam("single")
    attempt = attempt_start(user=user, exam=exam)
    answer_save(
        attempt_id=attempt.pk,
        user=user,
        question_id=single.pk,
        response=factories.correct_answers(attempt)[single.pk],
    )
    client.force_login(user)
    assert '<div class="unanswered" id="unanswered" hidden' in client.get(exam.url).text
