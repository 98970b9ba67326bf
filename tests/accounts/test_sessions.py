"""Sessions end after an idle time and after an absolute lifetime; an ordinary request writes no
session. The clock is controlled by moving the session's own timestamps back."""

import time

from django.conf import settings

from training.accounts.middleware import LOGIN_AT, SEEN_AT
from training.org.models import AuditEvent

from .conftest import PASSWORD, post_login


def _shift(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"login": LOGIN_AT, "seen": SEEN_AT}[key]] = now - ago
    session.save()


def test_a_request_inside_the_refresh_interval_writes_no_session(client, wang):
    post_login(client, "王小二", PASSWORD)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing saved, no cookie re-sent

    _shift(client, seen=settings.SESSION_REFRESH_INTERVAL + 5, login=settings.SESSION_REFRESH_INTERVAL + 5)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME in response.cookies  # the last-seen time moved on
    assert int(time.time()) - client.session[SEEN_AT] < 5


def test_idle_session_ends_with_a_message_and_an_audit_record(client, wang):
    post_login(client, "王小二", PASSWORD, ip="192.0.2.44")
    _shift(client, seen=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/notifications/", REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    page = client.get(response["Location"])
    assert "长时间未操作" in page.text
    event = AuditEvent.objects.get(action="session.idle")
    assert event.actor == wang.user and event.details["ip"] == "192.0.2.44"


def test_absolute_lifetime_ends_a_busy_session(client, wang):
    post_login(client, "王小二", PASSWORD)
    _shift(client, login=settings.SESSION_ABSOLUTE_TIMEOUT + 1, seen=10)
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "最长有效时间" in client.get(response["Location"]).text
    assert AuditEvent.objects.filter(action="session.absolute", actor=wang.user).exists()


def test_short_settings_expire_in_real_time(client, wang, settings):
    # Two seconds: the clocks count whole seconds, so a request within a second of the login may
    # already read "1 s idle" when it lands just after a second begins.
    settings.SESSION_IDLE_TIMEOUT = 2
    settings.SESSION_REFRESH_INTERVAL = 2
    client.force_login(wang.user)
    assert client.get("/notifications/").status_code == 200
    time.sleep(3.1)
    assert client.get("/notifications/").status_code == 302
