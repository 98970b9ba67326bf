"""Pages cost the same number of queries however much data there is."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from courses.services import lesson_complete
from exams.services import attempt_start
from tests import factories
from training.competency.services import certification_issue

pytestmark = pytest.mark.django_db


def _count(client, url, *, warm=True):
    if warm:
        client.get(url)  # steady state: what pages share (site, routes, outlines) is kept by then
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow_people(tree, n):
    areas = list(factories.areas().values())
    for i in range(n):
        person = factories.staff(org_unit=tree["east_comm"] if i % 2 else tree["east_street"], password=None)
        for area in areas[: i % 4]:
            certification_issue(staff=person, area=area, level="basic")


def test_home_lesson_and_exam_pages_keep_their_query_count_as_content_and_progress_grow(client, people, tree):
    learner = people["learner"].user
    client.force_login(learner)
    mod = factories.module(lessons=2)
    lesson = factories.lessons_of(mod)[0]
    exam = factories.exam_of(mod)
    lesson_complete(user=learner, page=lesson)
    client.get("/")  # warm the site root cache, as any running server has it
    small = {url: _count(client, url) for url in ["/", lesson.url, mod.url, exam.url]}

    # more modules, more lessons, more people with progress
    for _ in range(3):
        more = factories.module(lessons=6)
        for other in factories.lessons_of(more):
            lesson_complete(user=learner, page=other)
    for _ in range(5):
        lesson_complete(user=factories.staff(org_unit=tree["east_comm"], password=None).user, page=lesson)
    large = {url: _count(client, url) for url in ["/", lesson.url, mod.url, exam.url]}
    assert large == small
    assert max(small.values()) <= 25
    # a lesson: the session, the person and their progress in the module; the site, the page, its
    # module and outline are kept for everyone, the unread count and menu roles per person
    assert small[lesson.url] <= 3, small


def test_exam_paper_query_count_does_not_grow_with_paper_length(client, people):
    learner = people["learner"].user
    client.force_login(learner)
    short = factories.exam_of(factories.module(questions=3, question_count=3))
    long = factories.exam_of(factories.module(questions=30, question_count=30))
    attempt_start(user=learner, exam=short)
    attempt_start(user=learner, exam=long)
    client.get("/")
    assert _count(client, short.url) == _count(client, long.url)


def test_matrix_query_count_does_not_grow_with_staff(client, people, tree):
    client.force_login(people["manager"].user)
    url = f"/manage/matrix/?unit={tree['east'].pk}"
    _grow_people(tree, 5)
    cache.clear()
    small = _count(client, url, warm=False)
    small_warm = _count(client, url, warm=False)
    _grow_people(tree, 80)
    cache.clear()
    large = _count(client, url, warm=False)
    large_warm = _count(client, url, warm=False)
    assert (large, large_warm) == (small, small_warm)
    # scope, unit and its tree, settings, 一专多能, coverage, the matrix page and the post filter;
    # the subtree's totals and posts come from the cache on the second view
    assert small <= 24
    assert small_warm <= small - 4
