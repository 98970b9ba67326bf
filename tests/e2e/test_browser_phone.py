"""The learner's and the manager's pages on a 360 px phone in a real browser (Debian's Chromium via
Playwright): no page scrolls sideways, the menu is one button, tables of records become cards and
scrolling tables are reachable by keyboard; the paper names its unanswered questions at hand-in;
the export page follows its job to the download link."""

import os
import tempfile
from pathlib import Path

import pytest

from exams.models import ExamFixedQuestion
from exams.services import attempt_start, attempt_submit
from tests import factories
from tests.e2e.conftest import CHROMIUM, log_in, open_menu
from training.competency.services import certification_issue
from training.org.models import Job

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"browser test skipped: no Chromium at {CHROMIUM}"
    ),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Elements that scroll sideways but cannot be reached by keyboard (axe-core's
# scrollable-region-focusable): neither focusable themselves nor holding anything focusable.
UNREACHABLE_SCROLLERS = """() => [...document.querySelectorAll("body *")].filter(e => {
  const style = getComputedStyle(e);
  if (!["auto", "scroll"].includes(style.overflowX) || e.scrollWidth <= e.clientWidth) return false;
  if (e.tabIndex >= 0) return false;
  return !e.querySelector("a[href], button, input, select, textarea, [tabindex]");
}).map(e => e.outerHTML.slice(0, 80))"""


def _shot(name: str) -> str:
    """Where a screenshot goes, to be looked at: the temporary folder, h7-<page>-<width>.png."""
    return str(Path(tempfile.gettempdir()) / f"h7-{name}.png")


def _fits(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {widths[1]} px: {widths[0]} px wide"


def _bank_with_statistics(trainer, tree):
    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    bank.owner = trainer
    bank.save()
    questions = [
        factories.typed_question(
            bank, "single", stem=f"第{n}题：办理失业登记时，经办人员应当首先核验申请人的哪一项材料？"
        )
        for n in range(1, 4)
    ]
    exam = factories.exam_of(factories.module())
    for order, q in enumerate(questions):
        ExamFixedQuestion.objects.create(page=exam, question=q, sort_order=order)
    for _ in range(4):
        person = factories.staff(org_unit=tree["east_comm"], password=None).user
        attempt = attempt_start(user=person, exam=exam)
        attempt_submit(attempt_id=attempt.pk, user=person, answers=factories.correct_answers(attempt))
    return bank


def test_no_page_scrolls_sideways_on_a_phone_and_the_menu_is_one_button(
    live_server, people, tree, browser_page
):
    page, base = browser_page, live_server.url
    areas = factories.areas()
    for code, level in (("unemployment", "basic"), ("pension", "intermediate"), ("employment", "advanced")):
        certification_issue(staff=people["learner"], area=areas[code], level=level)
    bank = _bank_with_statistics(people["trainer"].user, tree)
    page.set_viewport_size(PHONE)

    log_in(page, base, people["learner"].user.username)
    header = page.locator("header.top")
    assert header.bounding_box()["height"] < 80, "the header is one row: the name and the menu button"
    assert not page.is_visible("nav >> text=我的证书")
    open_menu(page)
    assert page.is_visible("nav >> text=我的证书")
    page.click("nav >> text=我的证书")
    page.wait_for_selector("#certificates")
    _fits(page)
    # every certificate's links are on the screen, not off to the side
    for link in page.locator("#certificates a").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link.inner_text()
    page.screenshot(path=_shot("certificates-360"), full_page=True)
    for path, name in (("/", "home"), ("/me/tasks/", "tasks"), ("/exams/drills/", "drills")):
        page.goto(f"{base}{path}")
        _fits(page)
        page.screenshot(path=_shot(f"{name}-360"), full_page=True)
    open_menu(page)
    page.screenshot(path=_shot("menu-open-360"))

    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet: between the two layouts
    for path in ("/me/certificates/", "/"):
        page.goto(f"{base}{path}")
        _fits(page)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/me/certificates/")
    assert page.is_visible("nav >> text=我的证书"), "on a wide screen the links stand in the header"
    page.screenshot(path=_shot("certificates-1280"), full_page=True)
    open_menu(page)  # no button to press here
    page.click("nav >> text=退出")

    log_in(page, base, people["trainer"].user.username)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/exams/banks/{bank.pk}/analysis/")
    _fits(page)
    stem = page.locator(".item-analysis td.stem").first.bounding_box()
    assert stem["width"] > 200, "the question is readable, not squeezed to two characters"
    page.screenshot(path=_shot("item-analysis-360"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.reload()
    assert page.locator(".item-analysis td.stem").first.bounding_box()["width"] > 200
    page.screenshot(path=_shot("item-analysis-1280"), full_page=True)


def test_manager_tables_scroll_inside_regions_the_keyboard_reaches(live_server, people, tree, browser_page):
    page, base = browser_page, live_server.url
    areas = factories.areas()
    certification_issue(staff=people["learner"], area=areas["unemployment"], level="basic")
    page.set_viewport_size(PHONE)
    log_in(page, base, people["manager"].user.username)
    assert page.locator("header.top").bounding_box()["height"] < 80
    for path, name in (("/manage/matrix/", "matrix"), ("/manage/dashboard/", "dashboard")):
        page.goto(f"{base}{path}")
        _fits(page)
        assert page.evaluate(UNREACHABLE_SCROLLERS) == []
        regions = page.locator("div.scroll")
        assert regions.count() >= 3
        for region in regions.all():
            assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
            assert region.get_attribute("aria-label")
        page.screenshot(path=_shot(f"{name}-360"), full_page=True)
    # the matrix scrolls inside its region with the arrow keys
    page.goto(f"{base}/manage/matrix/")
    matrix = page.locator("#matrix div.scroll")
    matrix.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert matrix.evaluate("e => e.scrollLeft") > 0
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/manage/dashboard/")
    assert page.evaluate(UNREACHABLE_SCROLLERS) == []
    page.screenshot(path=_shot("dashboard-1280"), full_page=True)


def test_hand_in_names_the_unanswered_questions(live_server, people, browser_page):
    page, base = browser_page, live_server.url
    mod = factories.module(lessons=0, questions=4, question_count=4)
    exam = factories.exam_of(mod)
    page.set_viewport_size(PHONE)
    log_in(page, base, people["learner"].user.username)
    page.goto(f"{base}{exam.url}")
    page.click("text=开始考试")
    attempt = exam.attempts.get()
    assert page.inner_text("#unanswered .label") == "4 题未作答："
    first = attempt.paper[0]["q"]
    page.check(f"input[name=q{first}][value='{factories.correct_answers(attempt)[first]}']")
    page.wait_for_function("() => document.querySelector('.saved').textContent === '✓'")
    assert page.inner_text("#unanswered .label") == "3 题未作答："
    assert page.locator("#unanswered a:visible").all_inner_texts() == ["第 2 题", "第 3 题", "第 4 题"]
    _fits(page)
    page.screenshot(path=_shot("paper-360"), full_page=True)
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("text=交卷")
    assert messages == ["还有 3 题未作答（第 2、3、4 题）。仍要交卷吗？交卷后不能再修改答案。"]
    page.click("#unanswered >> text=第 3 题")
    assert page.url.endswith(f"#question-{attempt.paper[2]['q']}")


def test_export_page_follows_its_job_to_the_download_link(live_server, people, tree, browser_page):
    from training.reports.services import JOB_KIND, export_row_estimate, export_run

    page, base = browser_page, live_server.url
    manager = people["manager"].user
    # an export the worker has not picked up yet (the row export_start writes before queuing it)
    job = Job.objects.create(
        kind=JOB_KIND,
        user=manager,
        params={"unit_id": tree["east"].pk, "table": "roster", "format": "csv", "language": ""},
        total=export_row_estimate(unit=tree["east"], table="roster"),
        task_name="training.reports.tasks.report_export_task",
    )
    log_in(page, base, manager.username)
    page.goto(f"{base}/jobs/{job.pk}/")
    assert page.inner_text("#job-status") == "排队中"
    assert not page.is_visible("#job-download")
    export_run(job_id=job.pk)  # the task's body, as the worker runs it
    assert Job.objects.get(pk=job.pk).status == "done"
    page.wait_for_selector("#job-download a", state="visible", timeout=10_000)
    assert page.inner_text("#job-status") == "已完成"
    assert page.get_attribute("#job-download a", "href") == f"/jobs/{job.pk}/download/"
    page.screenshot(path=_shot("job-360"), full_page=True)
