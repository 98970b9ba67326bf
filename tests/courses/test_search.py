"""Chinese search: phrases inside long runs of characters are found, ranked and highlighted."""

import pytest

from courses.models import LessonPage, TextbookChapterPage, TextbookIndexPage, TextbookPage
from courses.search import cjk_bigrams, highlight, query_bigrams
from tests import factories

ITEM = {
    "name": "失业保险金申领",
    "policy_basis": [{"title": "《失业保险条例》", "doc_number": "国务院令第258号", "clause": "第十四条"}],
    "conditions": ["非因本人意愿中断就业", "已办理失业登记并有求职要求"],
    "materials": ["本人社会保障卡或身份证件"],
    "steps": ["受理", "审核", "发放"],
    "time_limit": "符合条件的当场办结",
    "fees": "不收费",
    "faq": [{"question": "社保卡补换期间能否申领？", "answer": "可以凭身份证件申领失业保险金"}],
}


def test_bigrams_split_cjk_runs_and_keep_latin_words():
    assert cjk_bigrams("失业保险金") == "失业 业保 保险 险金"
    assert cjk_bigrams("社保卡 PIN 重置，2026年") == "社保 保卡 pin 重置 2026 年"
    assert query_bigrams("  失业保险金！ ") == "失业 业保 保险 险金"


def test_highlight_marks_the_phrase_and_escapes_html():
    text = "窗口人员应告知<b>失业保险金</b>的申领条件。"
    out = highlight(text, "失业保险金")
    assert "<mark>失业保险金</mark>" in out
    assert "&lt;b&gt;" in out


@pytest.fixture
def chapters(db):
    home = factories.home()
    index = factories.publish(home, TextbookIndexPage(title="业务经办教材", slug="textbooks"))
    area = factories.areas()["unemployment"]
    book = factories.publish(
        index,
        TextbookPage(
            title="失业保险业务经办教材", slug="tb", area=area, version="2026版", effective_date="2026-01-01"
        ),
    )
    body = [
        {
            "type": "section",
            "value": {"title": "第一节 待遇申领", "content": [{"type": "business_item", "value": ITEM}]},
        }
    ]
    target = factories.publish(book, TextbookChapterPage(title="第二章 待遇享受", slug="c1", body=body))
    other = factories.publish(
        book,
        TextbookChapterPage(
            title="第一章 参保登记",
            slug="c2",
            body=[
                {
                    "type": "section",
                    "value": {
                        "title": "第一节 单位参保",
                        "content": [
                            {
                                "type": "paragraph",
                                "value": "<p>用人单位应当为职工办理参保登记，缴纳失业保险费。</p>",
                            }
                        ],
                    },
                }
            ],
        ),
    )
    return target, other


@pytest.mark.django_db
def test_search_finds_a_phrase_inside_a_business_item(client, people, chapters):
    target, other = chapters
    client.force_login(people["learner"].user)
    response = client.get("/search/", {"q": "失业保险金"})
    assert response.status_code == 200
    assert target.title in response.text and other.title not in response.text
    assert "<mark>失业保险金</mark>" in response.text
    response = client.get("/search/", {"q": "社保卡补换"})
    assert target.title in response.text
    assert "<mark>社保卡补换</mark>" in response.text


@pytest.mark.django_db
def test_plain_full_text_search_alone_misses_the_phrase(chapters):
    target, _ = chapters
    # The engine (FTS5 / tsvector) sees "失业保险金申领" as one word: the phrase inside is not found.
    assert target not in list(TextbookChapterPage.objects.live().search("失业保险金"))
    assert target not in list(TextbookChapterPage.objects.live().search("社保卡补换"))
    # The same engine over the bigram tokens finds both.
    assert target in list(
        TextbookChapterPage.objects.live().search(query_bigrams("失业保险金"), operator="and")
    )
    assert target in list(
        TextbookChapterPage.objects.live().search(query_bigrams("社保卡补换"), operator="and")
    )


@pytest.mark.django_db
def test_search_ranks_the_page_about_the_phrase_first(client, people, chapters):
    target, other = chapters
    client.force_login(people["learner"].user)
    response = client.get("/search/", {"q": "失业保险"})
    assert response.text.index(target.title) < response.text.index(other.title)


@pytest.mark.django_db
def test_search_covers_lessons_and_empty_queries_are_harmless(client, people):
    mod = factories.module(lessons=1)
    client.force_login(people["learner"].user)
    response = client.get("/search/", {"q": "申领条件与流程"})
    assert factories.lessons_of(mod)[0].title in response.text
    for q in ["", "   ", "！！", "<script>"]:
        assert client.get("/search/", {"q": q}).status_code == 200


@pytest.mark.django_db
def test_search_needs_login(client, db):
    assert client.get("/search/", {"q": "失业"}).status_code == 302


def test_lesson_is_indexed(db):
    assert any(f.field_name == "search_bigrams" for f in LessonPage.search_fields)
