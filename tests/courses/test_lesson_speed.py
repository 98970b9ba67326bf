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


def test_the_page_is_routed_in_one_lookup_whatever_its_depth_and_then_kept_until_pages_change(client, people):
    mod = factories.module(lessons=2)
    lesson, other = factories.lessons_of(mod)
    client.force_login(people["learner"].user)
    client.get(other.url)  # the site, the restrictions and the module's outline are now kept

    def routing(sqls):
        return [sql for sql in sqls if '"wagtailcore_page"."url_path" IN' in sql]

    first = _queries(client, lesson.url)
    assert len(routing(first)) == 1
    again = _queries(client, lesson.url)
    assert routing(again) == []
    # nothing about pages is read again: the site, its root, restrictions, the page, its module
    assert not [sql for sql in again if '"wagtailcore_' in sql.split("WHERE")[0]]

    # an editor's change is seen on the next view
    lesson.title = "新标题：失业登记办理要点"
    lesson.save_revision().publish()
    response = client.get(lesson.url)
    assert "新标题：失业登记办理要点" in response.content.decode()


def test_a_view_restriction_still_holds_while_pages_are_kept(client, people):
    from django.contrib.auth.models import Group

    from wagtail.models import PageViewRestriction

    mod = factories.module(lessons=1)
    lesson = factories.lessons_of(mod)[0]
    client.force_login(people["learner"].user)
    assert client.get(lesson.url).status_code == 200
    assert client.get(lesson.url).status_code == 200  # now served from what is kept
    restriction = PageViewRestriction.objects.create(page=mod, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="仅限考评员"))
    response = client.get(lesson.url)
    assert response.status_code == 302
    restriction.delete()
    assert client.get(lesson.url).status_code == 200


def test_an_unpublished_module_hides_its_lessons(client, people):
    mod = factories.module(lessons=1)
    lesson = factories.lessons_of(mod)[0]
    client.force_login(people["learner"].user)
    assert client.get(lesson.url).status_code == 200
    mod.live = False  # unpublished, the lesson itself still marked live
    mod.save(update_fields=["live"])
    assert client.get(lesson.url).status_code == 404


def _csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_main_part_is_kept_per_progress_and_each_reader_posts_with_their_own_token(people):
    from django.test import Client

    from courses.services import lesson_complete

    mod = factories.module(lessons=2)
    first, second = factories.lessons_of(mod)
    done, fresh, twin = (Client(enforce_csrf_checks=True) for _ in range(3))
    done.force_login(people["learner"].user)
    fresh.force_login(people["west_learner"].user)
    twin.force_login(people["manager"].user)
    lesson_complete(user=people["learner"].user, page=first)

    seen_done = done.get(first.url).content.decode()
    seen_fresh = fresh.get(first.url).content.decode()
    seen_twin = twin.get(first.url).content.decode()  # same progress as `fresh`: the kept HTML
    assert '<p class="ok">' in seen_done and 'type="submit" class="primary"' not in seen_done
    assert 'type="submit" class="primary"' in seen_fresh and '<p class="ok">' not in seen_fresh
    assert "阅读课1：失业保险金申领" in seen_twin and "失业保险金申领条件与流程" in seen_twin
    tokens = {_csrf_of(seen_done), _csrf_of(seen_fresh), _csrf_of(seen_twin)}
    assert len(tokens) == 3 and "csrf-slot" not in seen_twin

    # each reader's own token is accepted (the CSRF check is on), and their progress shows at once
    for client, seen, person in ((fresh, seen_fresh, "west_learner"), (twin, seen_twin, "manager")):
        response = client.post(first.url, {"csrfmiddlewaretoken": _csrf_of(seen)})
        assert response.status_code == 302, person
        assert LessonProgress.objects.get(user=people[person].user, page=first).completed_at
        assert '<p class="ok">' in client.get(first.url).content.decode()
    # someone else's page token is refused
    response = fresh.post(second.url, {"csrfmiddlewaretoken": _csrf_of(seen_done) + "x"})
    assert response.status_code == 403


def test_the_english_page_and_a_preview_of_a_draft_are_not_mixed_with_the_kept_one(client, people):
    mod = factories.module(lessons=1)
    lesson = factories.lessons_of(mod)[0]
    client.force_login(people["learner"].user)
    chinese = client.get(lesson.url).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(lesson.url).content.decode()
    assert "Module outline" in english and "Module outline" not in chinese

    draft = lesson.get_latest_revision_as_object()
    draft.title = "草稿标题：尚未发布"
    draft.save_revision()  # not published
    from django.test import RequestFactory

    request = RequestFactory().get(lesson.url)
    request.user = people["learner"].user
    preview = draft.make_preview_request(request)
    assert "草稿标题：尚未发布" in preview.render().content.decode()
    assert "草稿标题：尚未发布" not in client.get(lesson.url).content.decode()
