"""Reviewers look at a submission before approving it (内容审核): Wagtail's "view draft" and
preview of pages that are not live, or whose latest revision is not, answer the draft."""

import datetime

from django.utils import timezone

import pytest

from courses.models import (
    LessonPage,
    LiveSessionPage,
    ModulePage,
    TextbookChapterPage,
    TextbookIndexPage,
    TextbookPage,
    VideoLessonPage,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def senior(tree):
    return factories.staff(org_unit=tree["city"], name="高审核", role="senior_trainer").user


def _draft(parent, page):
    """A page created and submitted but never published (a trainer's new lesson)."""
    page.live = False
    parent.add_child(instance=page)
    page.save_revision()
    return page


@pytest.fixture
def drafts(senior):
    areas = factories.areas()
    live_module = factories.module(area_code="employment", lessons=1)
    module = _draft(
        factories.module_index(),
        ModulePage(title="失业保险经办（草稿）", slug="draft-module", area=areas["employment"]),
    )
    video = factories.lesson_video(title="窗口受理演示", area=areas["employment"])
    starts = timezone.now() + datetime.timedelta(days=1)
    index = TextbookIndexPage.objects.first() or factories.publish(
        factories.home(), TextbookIndexPage(title="业务经办教材", slug="textbooks")
    )
    textbook = _draft(
        index,
        TextbookPage(
            title="失业保险教材（草稿）",
            slug="draft-textbook",
            area=areas["unemployment"],
            version="2026版",
            effective_date=datetime.date(2026, 1, 1),
        ),
    )
    return {
        "module": module,
        "lesson_in_draft_module": _draft(module, LessonPage(title="阅读课：失业登记（草稿）", slug="r1")),
        "lesson": _draft(live_module, LessonPage(title="阅读课：待遇申领（草稿）", slug="r2")),
        "video_lesson": _draft(
            live_module, VideoLessonPage(title="视频课：窗口受理（草稿）", slug="v", video=video)
        ),
        "live_session": _draft(
            live_module,
            LiveSessionPage(
                title="直播：政策解读（草稿）",
                slug="live",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=1),
                join_url="https://meeting.example.cn/j/1",
            ),
        ),
        "textbook": textbook,
        "chapter": _draft(
            textbook, TextbookChapterPage(title="第一章 参保登记（草稿）", slug="ch1", body=[])
        ),
        "live_module": live_module,
    }


@pytest.mark.parametrize(
    "name",
    ["module", "lesson_in_draft_module", "lesson", "video_lesson", "live_session", "textbook", "chapter"],
)
def test_a_senior_trainer_views_the_draft_of_a_page_never_published(client, senior, drafts, name):
    page = drafts[name]
    client.force_login(senior)
    response = client.get(f"/admin/pages/{page.pk}/view_draft/")
    assert response.status_code == 200
    assert page.title in response.text


def test_the_draft_of_a_live_exam_page_is_shown_to_its_reviewer(client, senior, drafts):
    exam = factories.exam_of(drafts["live_module"])
    exam.title = "结业考试（修订稿）"
    exam.save_revision()
    client.force_login(senior)
    response = client.get(f"/admin/pages/{exam.pk}/view_draft/")
    assert response.status_code == 200
    assert "结业考试（修订稿）" in response.text


def test_a_preview_of_partly_filled_forms_answers_the_page(client, senior, drafts):
    client.force_login(senior)
    lesson = drafts["lesson"]
    url = f"/admin/pages/{lesson.pk}/edit/preview/"
    # The editor's live preview posts what is in the form so far: no slug, no summary, no body.
    posted = client.post(url, {"title": "阅读课：待遇申领（修改中）", "minutes": 10, "body-count": 0})
    assert posted.json() == {"is_valid": True, "is_available": True}
    response = client.get(url)
    assert response.status_code == 200
    assert "阅读课：待遇申领（修改中）" in response.text

    parent = drafts["live_module"]
    url = f"/admin/pages/add/courses/lessonpage/{parent.pk}/preview/"
    posted = client.post(url, {"title": "阅读课：新建（未保存）", "minutes": 10, "body-count": 0})
    assert posted.json() == {"is_valid": True, "is_available": True}
    response = client.get(url)
    assert response.status_code == 200
    assert "阅读课：新建（未保存）" in response.text


def test_a_preview_post_of_an_exam_with_a_title_only_answers(client, senior, drafts):
    exam = factories.exam_of(drafts["live_module"])
    client.force_login(senior)
    url = f"/admin/pages/{exam.pk}/edit/preview/"
    posted = client.post(url, {"title": "结业考试（修改中）"})
    assert posted.status_code == 200
    assert client.get(url).status_code == 200


def test_the_live_lesson_still_serves_its_learners(client, people, drafts):
    client.force_login(people["learner"].user)
    module = drafts["live_module"]
    assert client.get(module.url).status_code == 200
    assert "（草稿）" not in client.get(module.url).text  # drafts are not in the outline
