"""The lesson page is found in one lookup, reads progress once and writes nothing on a revisit."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from courses.models import LessonProgress
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_revisit_within_ten_minutes_writes_nothing_and_later_moves_continue_learning(client, people):
    mod = factories.module(lessons=2)
    lesson = factories.lessons_of(mod)[0]
    client.force_login(people["learner"].user)
    first = _queries(client, lesson.url)
    assert any(sql.startswith("INSERT") for sql in first)
    row = LessonProgress.objects.get(user=people["learner"].user, page=lesson)
    again = _queries(client, lesson.url)
    assert not [sql for sql in again if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
    # eleven minutes later the visit counts again for "continue where you left off"
    LessonProgress.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    later = _queries(client, lesson.url)
    assert any(sql.startswith("UPDATE") for sql in later)
    row.refresh_from_db()
    assert timezone.now() - row.started_at < datetime.timedelta(minutes=1)


def test_the_page_is_routed_in_one_lookup_whatever_its_depth(client, people):
    mod = factories.module(lessons=1)
    lesson = factories.lessons_of(mod)[0]
    client.force_login(people["learner"].user)
    client.get(lesson.url)
    routing = [sql for sql in _queries(client, lesson.url) if '"wagtailcore_page"."url_path" IN' in sql]
    assert len(routing) == 1


def test_an_unpublished_module_hides_its_lessons(client, people):
    mod = factories.module(lessons=1)
    lesson = factories.lessons_of(mod)[0]
    client.force_login(people["learner"].user)
    assert client.get(lesson.url).status_code == 200
    mod.live = False  # unpublished, the lesson itself still marked live
    mod.save(update_fields=["live"])
    assert client.get(lesson.url).status_code == 404
