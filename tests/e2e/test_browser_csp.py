"""The key pages under the real Content-Security-Policy header, in a real browser (Debian's
Chromium via Playwright): nothing is blocked, nothing errs, and the JavaScript still does its
work — the player reports what was watched, the exam autosaves, the dashboard draws its charts,
Wagtail's admin loads its dashboard and a page editor."""

import os
import time

import pytest

from courses.models import VideoLessonPage, VideoProgress
from courses.services import video_process
from exams.models import Answer
from tests import factories
from tests.courses.test_video_lessons import _upload
from tests.e2e.conftest import CHROMIUM, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"browser test skipped: no Chromium at {CHROMIUM}"
    ),
]

# Under the policy a page may not eval, and Playwright's wait_for_function evals a bare expression
# string on every poll: each predicate below is written as a function ("() => …"), which it calls
# without eval.
# Injected before any script of the page runs (Playwright's init scripts are not subject to the
# page's policy): every violation the browser reports is kept for the test to read.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
}, true);
"""


class Watch:
    """Console errors, uncaught exceptions and CSP headers of every HTML document loaded."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.policies: dict[str, str | None] = {}
        page.context.add_init_script(WATCH_VIOLATIONS)
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on("response", self._response)

    def _response(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.policies[response.url] = response.headers.get("content-security-policy")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response.ok, (url, response.status)
        self.page.wait_for_load_state("load")
        self.check()

    def check(self) -> None:
        self.page.wait_for_timeout(150)  # violations are reported asynchronously
        violations = self.page.evaluate("window.__violations || []")
        assert violations == [], (self.page.url, violations)
        assert self.errors == [], self.errors


def _strict(policy: str | None) -> bool:
    directives = dict(part.strip().split(" ", 1) for part in (policy or "").split(";") if part.strip())
    return (
        directives.get("script-src") == "'self'"
        and directives.get("style-src") == "'self'"
        and directives.get("object-src") == "'none'"
    )


def test_key_pages_run_under_the_content_security_policy(live_server, people, browser_page, tmp_path):
    page, base = browser_page, live_server.url
    watch = Watch(page)
    video = video_process(video_id=_upload(tmp_path, seconds=2, height=144).pk)
    mod = factories.module(lessons=1, questions=3, question_count=3)
    lesson = factories.lessons_of(mod)[0]
    video_lesson = factories.publish(
        mod, VideoLessonPage(title="视频课：窗口受理", slug="video", video=video)
    )
    exam = factories.exam_of(mod)
    learner = people["learner"].user

    # --- a learner: home, lesson, video lesson with its player, exam with autosave -------------
    log_in(page, base, learner.username)
    watch.check()
    for url in ("/", mod.url, lesson.url):
        watch.visit(f"{base}{url}")

    watch.visit(f"{base}{video_lesson.url}")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.evaluate(
        "(() => { const v = document.getElementById('player'); v.muted = true; return v.play(); })()"
    )
    page.wait_for_function("() => document.getElementById('player').ended", timeout=15_000)
    deadline = time.monotonic() + 10
    while not VideoProgress.objects.filter(user=learner).exists():
        assert time.monotonic() < deadline, "the player's watch report never arrived"
        time.sleep(0.1)
    watch.check()

    watch.visit(f"{base}{exam.url}")
    page.click("text=开始考试")
    page.wait_for_load_state("load")
    attempt = exam.attempts.get(user=learner)
    question_id, choice_id = next(iter(factories.correct_answers(attempt).items()))
    page.check(f"input[name=q{question_id}][value='{choice_id}']")
    page.wait_for_function(
        f"() => document.querySelector('fieldset[data-question=\"{question_id}\"] .saved').textContent === '✓'"
    )
    assert Answer.objects.get(attempt=attempt, question_id=question_id).response == choice_id
    watch.check()

    # --- a manager: the dashboard draws its charts (Chart.js from our static files) ------------
    page.context.clear_cookies()
    log_in(page, base, people["manager"].user.username)
    watch.visit(f"{base}/manage/dashboard/")
    canvases = page.locator("figure.chart:not([hidden]) canvas[data-chart]")
    assert canvases.count() >= 2
    for i in range(canvases.count()):
        canvases.nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        """() => [...document.querySelectorAll('figure.chart:not([hidden]) canvas[data-chart]')].every(c => {
             if (!window.Chart || !Chart.getChart(c) || c.width === 0 || c.height === 0) return false;
             const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;  // something drawn
             return false;
           })""",
        timeout=15_000,
    )
    watch.check()

    # --- a trainer: Wagtail's userbar on the site, the admin dashboard and a page editor -------
    page.context.clear_cookies()
    log_in(page, base, people["trainer"].user.username)
    watch.visit(f"{base}{lesson.url}")
    page.wait_for_selector("wagtail-userbar", state="attached")
    watch.visit(f"{base}/admin/")
    page.wait_for_selector("body#wagtail.ready")
    for edited in (video_lesson, exam):
        watch.visit(f"{base}/admin/pages/{edited.pk}/edit/")
        page.wait_for_selector("body#wagtail.ready form#page-edit-form")  # Wagtail's JS has run
        watch.check()

    site = {url: p for url, p in watch.policies.items() if "/admin/" not in url}
    admin = {url: p for url, p in watch.policies.items() if "/admin/" in url}
    assert site and all(_strict(p) for p in site.values()), site
    assert admin and all(p and "'unsafe-eval'" not in p and "object-src 'none'" in p for p in admin.values())
