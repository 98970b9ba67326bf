"""The site header is rendered once per variant and kept; each page still gets its own CSRF token,
its own path for the language switch, the person's role links and their unread count."""

import re

from django.test import Client

import pytest

from training.notify.services import notify
from training.org.services import role_grant

pytestmark = pytest.mark.django_db


def _header(response) -> str:
    html = response.content.decode()
    return html[html.index('<header class="top">') : html.index("</header>")]


def _client(person) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(person.user)
    return client


def test_each_person_gets_their_own_links_count_and_token_from_the_kept_header(people):
    learner, manager = _client(people["learner"]), _client(people["manager"])
    notify(people["learner"].user, kind="plan", title="培训任务：失业保险经办", dedupe_key="h1")
    for _ in range(2):  # the second view is served from the kept header
        mine, theirs = _header(learner.get("/")), _header(manager.get("/"))
        assert "1 条未读" in mine and "条未读" not in theirs
        assert "统计看板" in theirs and "统计看板" not in mine
        assert "我的学习" in mine and "退出" in mine
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', mine).group(1)
    assert "csrf-slot" not in mine and "next-slot" not in mine
    # the token in the kept header is this session's: logging out with it works
    response = learner.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_language_switch_returns_to_this_page_escaped(people):
    client = _client(people["learner"])
    client.get("/search/?q=%E5%A4%B1%E4%B8%9A")  # 失业
    header = _header(client.get("/search/?q=%E5%A4%B1%E4%B8%9A%22%3Cb%3E"))  # 失业"<b>
    assert 'name="next" type="hidden" value="/search/?q=%E5%A4%B1%E4%B8%9A%22%3Cb%3E"' in header
    assert "<b>" not in header


def test_a_new_role_shows_its_links_and_english_has_its_own_header(people):
    client = _client(people["learner"])
    assert "阅卷" not in _header(client.get("/"))
    role_grant(user=people["learner"].user, role="trainer", org_unit=people["learner"].org_unit)
    assert "阅卷" in _header(client.get("/"))
    client.cookies["django_language"] = "en"
    english = _header(client.get("/"))
    assert "My learning" in english and "Marking" in english
