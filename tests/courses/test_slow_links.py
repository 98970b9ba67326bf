"""Small pages for slow rural links, and the same query count whatever the data size."""

import gzip
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail.models import Page

import pytest

from courses.models import LessonPage, LessonProgress
from tests import factories

pytestmark = pytest.mark.django_db


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def test_lesson_page_without_video_transfers_under_100_kb(client, people):
    from courses.models import TextbookChapterPage, TextbookIndexPage, TextbookPage
    from tests.courses.test_search import ITEM

    index = factories.publish(factories.home(), TextbookIndexPage(title="教材", slug="textbooks"))
    book = factories.publish(
        index,
        TextbookPage(
            title="教材",
            slug="tb",
            area=factories.areas()["employment"],
            version="1",
            effective_date="2026-01-01",
        ),
    )
    chapter = factories.publish(
        book,
        TextbookChapterPage(
            title="第一章",
            slug="c",
            body=[
                {
                    "type": "section",
                    "value": {"title": f"第{i}节", "content": [{"type": "business_item", "value": ITEM}]},
                }
                for i in range(6)
            ],
        ),
    )
    mod = factories.module(lessons=0)
    lesson = factories.publish(
        mod,
        LessonPage(
            title="阅读课",
            slug="l",
            body=[
                {"type": "paragraph", "value": "<p>" + "失业保险金申领条件与流程。" * 200 + "</p>"},
                {"type": "textbook_sections", "value": {"chapter": chapter.pk, "section_filter": ""}},
            ],
        ),
    )
    client.force_login(people["learner"].user)
    html = client.get(lesson.url).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    total = _gz(html) + sum(_gz(Path(finders.find(a.decode())).read_bytes()) for a in assets)
    assert assets, "the page links its stylesheet"
    assert total < 100 * 1024, total
    assert b"<img" not in html or b"srcset" in html  # images come as sized renditions


def _count(client, url):
    client.get(url)  # steady state: what pages share (site, routes, outlines) is kept by then
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lesson_and_module_pages_cost_the_same_with_5_or_500_lessons(client, people):
    client.force_login(people["learner"].user)
    small = factories.module(lessons=5)
    big = factories.module(lessons=5)
    first_small, first_big = factories.lessons_of(small)[0], factories.lessons_of(big)[0]
    # 495 more lessons under the big module, inserted the way Wagtail's tree expects
    for i in range(495):
        big.add_child(instance=LessonPage(title=f"课{i}", slug=f"x{i}", live=True))
    client.get("/")
    assert _count(client, small.url) == _count(client, big.url)
    assert _count(client, first_small.url) == _count(client, first_big.url)


def test_pages_cost_the_same_with_100_or_100000_progress_rows(client, people, tree):
    learner = people["learner"].user
    client.force_login(learner)
    mod = factories.module(lessons=3)
    lesson = factories.lessons_of(mod)[0]
    others = [factories.staff(org_unit=tree["east_comm"], password=None).user for _ in range(20)]
    pages = list(Page.objects.filter(depth__gte=2).values_list("pk", flat=True))

    def fill(n):
        rows = [
            LessonProgress(user=others[i % 20], page_id=pages[(i // 20) % len(pages)], module=mod)
            for i in range(n)
        ]
        LessonProgress.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)

    fill(100)
    for url in ("/", mod.url, lesson.url):  # first visits write the "opened" row; measure steady state
        client.get(url)
    before = {url: _count(client, url) for url in ("/", mod.url, lesson.url)}
    # 100 000 rows in all: more pages so the unique (user, page) pairs exist
    for i in range(250):
        mod.add_child(instance=LessonPage(title=f"课{i}", slug=f"p{i}", live=False))
    pages[:] = list(Page.objects.filter(depth__gte=2).values_list("pk", flat=True))
    more = [LessonProgress(user=u, page_id=p, module=mod) for u in others for p in pages]
    LessonProgress.objects.bulk_create(more, ignore_conflicts=True, batch_size=5000)
    extra_users = [factories.staff(org_unit=tree["east_comm"], password=None).user for _ in range(380)]
    LessonProgress.objects.bulk_create(
        [LessonProgress(user=u, page_id=p, module=mod) for u in extra_users for p in pages],
        ignore_conflicts=True,
        batch_size=5000,
    )
    assert LessonProgress.objects.count() >= 100_000
    after = {url: _count(client, url) for url in ("/", mod.url, lesson.url)}
    assert after == before
