"""In-site notifications (站内通知): idempotent recording, the notification centre, read marks,
scope and the unread count in the header."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from tests.notify.clock import at
from training.notify.models import Notification
from training.notify.services import notification_mark_read, notifications_mark_all_read, notify

pytestmark = pytest.mark.django_db


def _notify(person, n: int = 1, **kwargs):
    return notify(
        person.user,
        kind=kwargs.pop("kind", "assignment_due"),
        title=kwargs.pop("title", f"请在3月10日前完成《失业保险金申领》培训（{n}）"),
        body=kwargs.pop("body", "您所在的湖滨社区尚有1项培训未完成。"),
        dedupe_key=kwargs.pop("dedupe_key", f"plan-1:due:{n}"),
        **kwargs,
    )


def test_notify_is_idempotent_on_the_dedupe_key(people):
    learner = people["learner"]
    first = _notify(learner, url="/modules/m1/", org_unit=learner.org_unit)
    assert first is not None and first.title.startswith("请在3月10日前") and first.is_unread
    assert first.org_unit == learner.org_unit
    assert _notify(learner, title="另一个标题") is None
    assert Notification.objects.filter(recipient=learner.user).count() == 1
    # the same key for someone else is their own notification
    assert _notify(people["west_learner"]) is not None


def test_notify_inside_an_outer_transaction_keeps_it_usable(people):
    from django.db import transaction

    with transaction.atomic():
        assert _notify(people["learner"]) is not None
        assert _notify(people["learner"]) is None
        assert _notify(people["learner"], 2) is not None
    assert Notification.objects.count() == 2


def test_centre_lists_own_notifications_newest_first_with_unread_marked_in_words(login, people):
    learner = people["learner"]
    notify(learner.user, kind="k", title="旧通知：社保卡培训", dedupe_key="a", now=at(9))
    notify(learner.user, kind="k", title="新通知：养老保险考试", dedupe_key="b", now=at(10))
    notify(people["west_learner"].user, kind="k", title="别人的通知：石桥村", dedupe_key="c")
    notification_mark_read(user=learner.user, notification_id=Notification.objects.get(dedupe_key="a").pk)
    text = login(learner).get("/notifications/").text
    assert text.index("新通知：养老保险考试") < text.index("旧通知：社保卡培训")
    assert "别人的通知" not in text
    assert text.count(">未读<") == 1  # the unread one says so in words, not only by colour
    assert "1 条未读" in text  # the bell in the header


def test_centre_is_paginated(login, people):
    for n in range(25):
        _notify(people["learner"], n)
    client = login(people["learner"])
    assert client.get("/notifications/").text.count('class="card notification') == 20
    assert client.get("/notifications/?page=2").text.count('class="card notification') == 5


def test_centre_needs_login(client, db):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_mark_one_read_follows_its_link(login, people):
    n = _notify(people["learner"], url="/modules/m1/")
    response = login(people["learner"]).post(f"/notifications/{n.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/modules/m1/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_read_never_redirects_off_site(login, people):
    n = _notify(people["learner"], url="https://evil.example.com/钓鱼")
    response = login(people["learner"]).post(f"/notifications/{n.pk}/read/")
    assert response["Location"] == "/notifications/"


def test_someone_elses_notification_answers_404_and_stays_unread(login, people):
    other = _notify(people["west_learner"])
    client = login(people["learner"])
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=people["learner"].user, notification_id=other.pk)


def test_mark_read_is_post_only(login, people):
    n = _notify(people["learner"])
    assert login(people["learner"]).get(f"/notifications/{n.pk}/read/").status_code == 405


def test_mark_all_read_touches_only_own_notifications(login, people):
    for n in range(3):
        _notify(people["learner"], n)
    theirs = _notify(people["west_learner"])
    response = login(people["learner"]).post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=people["learner"].user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert notifications_mark_all_read(user=people["learner"].user) == 0
    assert "条未读" not in login(people["learner"]).get("/notifications/").text


def _unread_count_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "notify_notification" in q["sql"] and "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("url", ["/notifications/", "/search/?q=失业"])
def test_unread_count_is_one_query_whatever_the_number_of_notifications_and_kept_until_one_arrives(
    login, people, url
):
    client = login(people["learner"])
    _notify(people["learner"], 0)
    client.get(url)  # warm caches (settings, site, the count)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert "1 条未读" in response.text
    assert [sql for sql in _unread_count_queries(few.captured_queries) if "read_at" in sql] == []  # kept
    for n in range(1, 40):
        _notify(people["learner"], n)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "40 条未读" in response.text  # a new notification is counted on the next page
    unread_counts = [sql for sql in _unread_count_queries(many.captured_queries) if "read_at" in sql]
    assert len(unread_counts) == 1
    assert len(many.captured_queries) == len(few.captured_queries) + 1
    # reading them all shows at once
    notifications_mark_all_read(user=people["learner"].user)
    assert "条未读" not in client.get(url).text


def test_anonymous_pages_do_not_count_notifications(client, db):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert not _unread_count_queries(ctx.captured_queries)
    assert 'id="bell"' not in response.text


def test_notification_text_with_markup_is_escaped(login, people):
    _notify(people["learner"], title="<script>alert('社保')</script>")
    text = login(people["learner"]).get("/notifications/").text
    assert "<script>alert" not in text and "&lt;script&gt;" in text
