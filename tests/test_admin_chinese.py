"""The Wagtail admin speaks Chinese to a Chinese admin: the screens an author and an administrator
use every day show none of the English that Wagtail's own zh_Hans catalogue lacks (issue 17)."""

import json
import re

from django.apps import apps
from django.utils import translation

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")


def _js(text: str) -> str:
    """How a string appears inside the JSON Wagtail embeds in its pages."""
    return json.dumps(text)[1:-1]


@pytest.fixture
def admin_client(client, people):
    client.force_login(people["admin"].user)
    return client


def test_dashboard_speaks_chinese(admin_client, people):
    mod = factories.module(lessons=2)
    mod.save_revision(user=people["admin"].user, log_action=True)  # listed in "your recent edits"
    body = admin_client.get("/admin/").text
    assert "Privacy and access" not in body and "隐私与访问权限" in body
    assert "Pages <span" not in body and "个页面<span" in body  # "95 Pages"
    assert "Search all pages…" not in body and "搜索全部页面…" in body
    # The sidebar's Pages menu is 页面, not 分页 (pagination).
    assert _js("分页") not in body and _js("页面") in body


def test_page_explorer_speaks_chinese(admin_client):
    mod = factories.module(lessons=2)
    body = admin_client.get(f"/admin/pages/{mod.pk}/").text
    assert not re.search(r"\d+-\d+ of \d+", body)  # "1-4 of 4"
    assert re.search(r"共 3 个页面，当前第 1-3 个", body)
    root = admin_client.get("/admin/pages/").text
    assert "Exploring" not in root and "Root" not in root
    assert "浏览: 根目录" in root


def test_page_edit_form_speaks_chinese(admin_client):
    mod = factories.module(lessons=1)
    body = admin_client.get(f"/admin/pages/{mod.pk}/edit/").text
    assert "Choose who can view the live version of this page" not in body
    assert "选择谁可以查看此页面的已发布版本" in body


def test_a_failed_save_says_so_in_chinese(admin_client):
    index = factories.module_index()
    response = admin_client.post(
        f"/admin/pages/{index.pk}/edit/", {"title": "", "slug": "modules"}, follow=True
    )
    assert response.status_code == 200
    assert "The page could not be saved due to validation errors" not in response.text
    assert "有校验错误，页面未能保存。" in response.text


def test_rich_text_prompt_is_chinese_in_the_admin_javascript_catalogue(admin_client):
    body = admin_client.get("/admin/jsi18n/").text
    assert _js("输入内容，或键入“/”插入内容块") in body


def test_snippet_screens_speak_chinese(admin_client, tree):
    factories.bank(area=factories.areas()["employment"])
    listing = admin_client.get("/admin/snippets/exams/questionbank/").text
    assert "题库" in listing
    add = admin_client.get("/admin/snippets/exams/questionbank/add/").text
    assert "New: 题库" not in add and "新建：题库" in add
    # A snippet chooser's buttons (the question's bank), built once at start-up by Wagtail, follow
    # the reader. (The bank's own area is a plain list of the trainer's areas, not a chooser.)
    question_add = admin_client.get("/admin/snippets/exams/question/add/").text
    assert "Choose question bank" not in question_add and "Edit this question bank" not in question_add
    assert "选择 题库" in question_add
    users = admin_client.get("/admin/users/").text
    assert not re.search(r">\s*True\s*<", users)


def test_page_types_report_names_types_and_apps_in_chinese(admin_client):
    factories.module(lessons=1)
    body = admin_client.get("/admin/reports/page-types-usage/").text
    assert "courses.textbookchapterpage" not in body and "exams.exampage" not in body
    assert "Page types usage" not in body and "页面类型使用情况" in body
    assert "学习内容" in body and "章" in body


def test_every_model_and_page_type_of_ours_has_a_chinese_name():
    ours = {"org", "notify", "accounts", "courses", "exams", "competency", "plans", "reports"}
    with translation.override("zh-hans"):
        unnamed = [
            model._meta.label
            for model in apps.get_models()
            if model._meta.app_label in ours
            and not (
                HAN.search(str(model._meta.verbose_name)) and HAN.search(str(model._meta.verbose_name_plural))
            )
        ]
    assert unnamed == []
