"""The key journey in a real browser: headless Chromium (Debian's package) driven by Playwright."""

import os
import time

import pytest

from tests import factories
from tests.e2e.conftest import CHROMIUM, log_in, open_menu
from training.competency.models import Certification

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"browser journey skipped: no Chromium at {CHROMIUM} (install Debian's 'chromium' "
        "package, or set CHROMIUM_PATH; .ci/run installs it)",
    ),
]


def test_learner_passes_exam_and_manager_sees_certificate(
    live_server, celery_worker_real, people, browser_page
):
    page, base = browser_page, live_server.url
    mod = factories.module(lessons=1, questions=5, question_count=5)
    learner = people["learner"]

    log_in(page, base, learner.user.username)
    page.click(f"text={mod.title}")
    page.click("text=阅读课1：失业保险金申领")
    assert page.is_visible("text=失业保险金申领条件与流程")
    page.click("text=我已学完本课")

    exam = factories.exam_of(mod)
    page.goto(f"{base}{exam.url}")
    page.click("text=开始考试")
    attempt = exam.attempts.get()
    for question_id, choice_id in factories.correct_answers(attempt).items():
        page.check(f"input[name=q{question_id}][value='{choice_id}']")
    # every choice is acknowledged by the autosave before we hand in
    page.wait_for_function(
        "() => [...document.querySelectorAll('.saved')].every(e => e.textContent === '✓')", timeout=30_000
    )
    page.once("dialog", lambda dialog: dialog.accept())  # "确定交卷吗？"
    page.click("text=交卷")
    assert page.is_visible("text=您的得分：100.00%")

    # the certificate is issued by the background worker, then shows in My certificates
    deadline = time.monotonic() + 30
    while not Certification.objects.filter(staff=learner).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    open_menu(page)
    page.click("nav >> text=我的证书")
    number = Certification.objects.get(staff=learner).number
    assert page.is_visible(f"text={number}")
    assert page.is_visible("#certificates >> text=有效")

    open_menu(page)
    page.click("text=退出")
    log_in(page, base, people["manager"].user.username)
    open_menu(page)
    page.click("nav >> text=能力矩阵")
    row = page.locator("#matrix tr", has_text=learner.name)
    assert row.count() == 1
    assert "初级" in row.inner_text()
    page.screenshot(path=str(factories.screenshot_path("matrix-phone.png")))


def test_staggered_entry_waits_for_the_persons_moment_then_starts(live_server, people, browser_page):
    """The start button of a scheduled exam waits until this person's moment of entry, showing
    正在进入考场, then starts: never before the opening, and the time limit from the entry."""
    import datetime

    from django.utils import timezone

    page, base = browser_page, live_server.url
    mod = factories.module(lessons=1, questions=5, question_count=5)
    exam = factories.exam_of(mod)
    learner = people["learner"].user
    exam.opens_at = timezone.now() + datetime.timedelta(seconds=2)
    exam.entry_spread_seconds, exam.time_limit_minutes = 3, 30
    exam.save()
    log_in(page, base, learner.username)
    page.goto(f"{base}{exam.url}")
    page.click("text=开始考试")  # before the opening: no "not open yet" error, a wait instead
    assert page.is_visible("#entry-state >> text=正在进入考场")
    page.wait_for_selector("#paper", timeout=15_000)
    attempt = exam.attempts.get()
    entry = exam.opens_at + datetime.timedelta(seconds=exam.entry_offset_seconds(learner.pk))
    assert attempt.started_at >= entry - datetime.timedelta(milliseconds=50)
    # the deadline is taken a moment before the row's started_at is stamped
    assert abs(attempt.deadline - attempt.started_at - datetime.timedelta(minutes=30)).total_seconds() < 1
