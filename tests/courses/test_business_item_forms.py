"""A business item's forms to download (表格下载): a link for each form with a document, and
nothing at all for an item without forms, in textbook chapters and in lessons alike."""

import datetime
from io import BytesIO

from django.core.files.base import ContentFile

from wagtail.documents.models import Document
from wagtail.models import Collection

import pytest
from openpyxl import load_workbook

from courses.models import LessonPage, TextbookChapterPage, TextbookIndexPage, TextbookPage
from tests import factories
from tests.courses.test_search import ITEM
from training.demo.generators import ITEM_FORMS, _business_item_value, _demo_form

pytestmark = pytest.mark.django_db


def _chapter(body) -> TextbookChapterPage:
    index = factories.publish(factories.home(), TextbookIndexPage(title="业务经办教材", slug="textbooks"))
    textbook = factories.publish(
        index,
        TextbookPage(
            title="失业保险业务经办教材",
            slug="tb-unemployment",
            area=factories.areas()["unemployment"],
            version="2025版",
            effective_date=datetime.date(2025, 1, 1),
        ),
    )
    section = {"title": "第一节 失业保险金申领", "content": body}
    return factories.publish(
        textbook,
        TextbookChapterPage(
            title="第一章 待遇享受", slug="ch1", body=[{"type": "section", "value": section}]
        ),
    )


def _form_document() -> Document:
    return Document.objects.create(
        title="失业保险金申领登记表",
        file=ContentFile(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", name="申领表.pdf"),
        collection=Collection.get_first_root_node(),
    )


def test_an_item_stored_without_forms_shows_no_forms_to_download(client, people):
    # As the demo stored its items: no "attachments" at all.
    chapter = _chapter([{"type": "business_item", "value": ITEM}])
    client.force_login(people["learner"].user)
    text = client.get(chapter.url).text
    assert "失业保险金申领" in text
    assert "表格下载" not in text and ">None<" not in text


def test_only_forms_with_a_document_are_links(client, people):
    document = _form_document()
    item = {
        **ITEM,
        "attachments": [
            {"title": "失业保险金申领登记表", "document": document.pk},
            {"title": "已删除的表格", "document": None},
        ],
    }
    chapter = _chapter([{"type": "business_item", "value": item}])
    lesson_module = factories.module(area_code="unemployment", lessons=0)
    lesson = factories.publish(
        lesson_module,
        LessonPage(title="阅读课：失业保险金申领", slug="r", body=[{"type": "business_item", "value": item}]),
    )
    client.force_login(people["learner"].user)
    for page in (chapter, lesson):
        text = client.get(page.url).text
        assert "表格下载" in text
        assert f'<a href="{document.url}">失业保险金申领登记表</a>' in text
        assert "已删除的表格" not in text and ">None<" not in text
    assert client.get(document.url).status_code == 200


def test_the_demo_gives_some_items_real_forms_and_the_others_none(client, people):
    with_form = _business_item_value({**_raw(ITEM), "name": "失业登记"})
    [form] = with_form["attachments"]
    document = Document.objects.get(pk=form["document"])
    assert form["title"] == ITEM_FORMS["失业登记"] == document.title
    sheet = load_workbook(BytesIO(document.file.read())).active
    assert sheet["A1"].value == "失业登记表" and sheet["A3"].value == "姓名"
    assert _demo_form("失业登记表") == document  # a second seeding finds it

    assert _business_item_value({**_raw(ITEM), "name": "失业保险关系转移"})["attachments"] == []

    client.force_login(people["learner"].user)
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:2] == b"PK"


def _raw(item: dict) -> dict:
    """A demo content item (training/demo/content*.py) built from a block value."""
    return {
        **item,
        "faq": [{"q": f["question"], "a": f["answer"]} for f in item["faq"]],
    }
