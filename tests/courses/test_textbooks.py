"""Unified textbooks: chapters of sections with structured business items, versions, print view."""

import datetime

from django.utils import timezone

from wagtail.test.utils import WagtailPageTestCase

import pytest

from courses.models import LessonPage, TextbookChapterPage, TextbookIndexPage, TextbookPage
from courses.services import textbook_new_version
from tests import factories
from tests.courses.test_search import ITEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db):
    index = factories.publish(factories.home(), TextbookIndexPage(title="业务经办教材", slug="textbooks"))
    area = factories.areas()["unemployment"]
    textbook = factories.publish(
        index,
        TextbookPage(
            title="失业保险业务经办教材",
            slug="tb-unemployment",
            area=area,
            version="2025版",
            effective_date=datetime.date(2025, 1, 1),
            intro="统一经办口径",
        ),
    )
    body = [
        {
            "type": "section",
            "value": {
                "title": "第一节 失业保险金申领",
                "content": [
                    {"type": "paragraph", "value": "<p>本节说明申领条件。</p>"},
                    {"type": "business_item", "value": ITEM},
                ],
            },
        }
    ]
    chapter = factories.publish(textbook, TextbookChapterPage(title="第一章 待遇享受", slug="ch1", body=body))
    factories.publish(textbook, TextbookChapterPage(title="第二章 关系转移", slug="ch2", body=[]))
    return index, textbook, chapter


def test_chapter_shows_every_part_of_the_business_item(client, people, book):
    _, _, chapter = book
    client.force_login(people["learner"].user)
    text = client.get(chapter.url).text
    for part in (
        "政策依据",
        "国务院令第258号",
        "办理条件",
        "申请材料",
        "办理流程",
        "办结时限",
        "收费标准",
        "常见问题",
        "非因本人意愿中断就业",
        "符合条件的当场办结",
    ):
        assert part in text, part


def test_textbook_lists_chapters_and_print_view_has_them_all(client, people, book):
    _, textbook, chapter = book
    client.force_login(people["learner"].user)
    text = client.get(textbook.url).text
    assert "第一章 待遇享受" in text and "第二章 关系转移" in text
    printed = client.get(textbook.url + "print/").text
    assert "第一章 待遇享受" in printed and "第二章 关系转移" in printed and "国务院令第258号" in printed


def test_new_version_keeps_old_readable_and_shows_what_changed(client, people, book):
    index, old, chapter = book
    new = textbook_new_version(
        textbook=old, version="2026版", effective_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert not new.live and new.previous_version_id == old.pk
    assert TextbookChapterPage.objects.child_of(new).count() == 2
    changed = TextbookChapterPage.objects.child_of(new).get(slug="ch1")
    body = changed.body.raw_data
    body[0]["value"]["content"][1]["value"]["time_limit"] = "即时办结"
    body.append(
        {
            "type": "section",
            "value": {
                "title": "第二节 失业补助金",
                "content": [{"type": "paragraph", "value": "<p>新增章节。</p>"}],
            },
        }
    )
    changed.body = body
    changed.save_revision().publish()
    new.save_revision().publish()

    client.force_login(people["learner"].user)
    shelf = client.get(index.url).text
    assert "2026版" in shelf and "2025版" not in shelf
    old_page = client.get(old.url)
    assert old_page.status_code == 200
    assert "2026版" in old_page.text  # "replaced by version 2026版"
    changes = client.get(new.url + "changes/").text
    assert "第二节 失业补助金" in changes
    assert "<ins>即时办结</ins>" in changes
    assert "<del>符合条件的当场办结</del>" in changes


def test_lesson_quotes_textbook_sections(client, people, book):
    _, _, chapter = book
    mod = factories.module(lessons=0)
    lesson = factories.publish(
        mod,
        LessonPage(
            title="阅读课：申领",
            slug="quote",
            body=[
                {
                    "type": "textbook_sections",
                    "value": {"chapter": chapter.pk, "section_filter": "失业保险金"},
                }
            ],
        ),
    )
    client.force_login(people["learner"].user)
    text = client.get(lesson.url).text
    assert "第一节 失业保险金申领" in text and "国务院令第258号" in text


class TextbookPageRulesTest(WagtailPageTestCase):
    def test_tree_rules(self):
        self.assertAllowedParentPageTypes(TextbookChapterPage, {TextbookPage})
        self.assertAllowedSubpageTypes(TextbookPage, {TextbookChapterPage})
        self.assertAllowedParentPageTypes(TextbookPage, {TextbookIndexPage})
