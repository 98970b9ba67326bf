"""Video watch tracking and phone layout in a real browser (Debian's Chromium via Playwright)."""

import time

import pytest

from courses.models import LessonProgress, VideoLessonPage, VideoProgress
from courses.services import video_process
from tests import factories
from tests.courses.test_video_lessons import _upload
from tests.e2e.conftest import CHROMIUM, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not __import__("os").path.exists(CHROMIUM), reason=f"browser test skipped: no Chromium at {CHROMIUM}"
    ),
]


def test_playing_the_video_completes_the_lesson_seeking_does_not(live_server, people, browser_page, tmp_path):
    page, base = browser_page, live_server.url
    video = video_process(video_id=_upload(tmp_path, seconds=8).pk)
    mod = factories.module(lessons=0)
    lesson = factories.publish(mod, VideoLessonPage(title="视频课：窗口受理", slug="video", video=video))
    learner = people["learner"].user
    log_in(page, base, learner.username)

    # seeking straight to the end and playing the last second counts for one second only
    page.goto(f"{base}{lesson.url}")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.evaluate(
        "(() => { const v = document.getElementById('player'); v.muted = true; v.currentTime = 7; return v.play(); })()"
    )
    page.wait_for_function("() => document.getElementById('player').ended", timeout=15_000)
    deadline = time.monotonic() + 10
    while not VideoProgress.objects.filter(user=learner).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert VideoProgress.objects.get(user=learner).watched_seconds < 2, VideoProgress.objects.get(
        user=learner
    ).intervals
    assert not LessonProgress.objects.filter(user=learner, page=lesson, completed_at__isnull=False).exists()

    # playing it through (at double speed) completes it
    page.goto(f"{base}{lesson.url}")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.evaluate(
        "(() => { const v = document.getElementById('player'); v.muted = true; v.currentTime = 0; v.playbackRate = 2; return v.play(); })()"
    )
    page.wait_for_function("() => document.getElementById('player').ended", timeout=20_000)
    deadline = time.monotonic() + 10
    while not LessonProgress.objects.filter(user=learner, page=lesson, completed_at__isnull=False).exists():
        assert time.monotonic() < deadline, VideoProgress.objects.get(user=learner).intervals
        time.sleep(0.2)
    assert VideoProgress.objects.get(user=learner).watched_seconds >= 7.2


def test_lesson_and_matrix_fit_a_360px_phone(live_server, people, browser_page):
    page, base = browser_page, live_server.url
    mod = factories.module(lessons=1)
    exam = factories.exam_of(mod)
    from exams.services import attempt_start

    attempt_start(user=people["learner"].user, exam=exam)  # the paper, not the intro
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, base, people["learner"].user.username)
    for url in (
        "/",
        mod.url,
        factories.lessons_of(mod)[0].url,
        exam.url,
        "/exams/drills/",
        "/search/?q=失业保险金",
        "/me/certificates/",
    ):
        page.goto(f"{base}{url}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (url, width)
