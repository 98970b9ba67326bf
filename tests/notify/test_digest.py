"""The daily email digest (每日邮件汇总): at most one a day per person, from the digest time,
never in quiet hours, only what is unread and not yet emailed, retried when the send fails."""

import datetime
import socket

from django.core import mail

import pytest

from tests.notify.clock import at
from training.notify.models import EmailDigest, Notification
from training.notify.services import email_digests_send, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(people):
    person = people["learner"]
    person.user.email = "zhangxiaoming@example.cn"
    person.user.save(update_fields=["email"])
    return person


def _remind(person, key, title="请完成《失业保险金申领》培训", url="/modules/m1/", now=None):
    return notify(
        person.user, kind="plan_due", title=title, body="截止日期：3月10日", url=url, dedupe_key=key, now=now
    )


def test_digest_is_one_chinese_email_with_titles_and_absolute_links(learner, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://academy.example.cn"
    _remind(learner, "a", title="请完成《失业保险金申领》培训", now=at(7))
    _remind(learner, "b", title="社保卡补换考试将于明日开放", url="", now=at(7, 5))
    assert email_digests_send(now=at(9)) == 1
    [message] = mail.outbox
    assert message.to == ["zhangxiaoming@example.cn"]
    assert message.subject == "基层人社学堂 每日提醒（2 条）"
    assert "张小明，您好：" in message.body and "您有 2 条未读通知：" in message.body
    assert "1. 请完成《失业保险金申领》培训" in message.body and "截止日期：3月10日" in message.body
    assert "https://academy.example.cn/modules/m1/" in message.body
    assert "2. 社保卡补换考试将于明日开放" in message.body
    assert "查看全部通知：https://academy.example.cn/notifications/" in message.body
    assert "&lt;" not in message.body and "&quot;" not in message.body  # plain text, not HTML-escaped
    assert not Notification.objects.filter(digested_at__isnull=True).exists()
    digest = EmailDigest.objects.get()
    assert digest.day == datetime.date(2026, 3, 2) and digest.notification_count == 2


def test_at_most_one_digest_a_day_and_the_next_day_brings_the_rest(learner):
    _remind(learner, "a", now=at(7))
    assert email_digests_send(now=at(9)) == 1
    assert email_digests_send(now=at(9)) == 0  # the same run twice
    _remind(learner, "b", title="新的提醒：养老保险模块", now=at(10))
    assert email_digests_send(now=at(15)) == 0  # same day: waits for tomorrow
    assert len(mail.outbox) == 1
    assert email_digests_send(now=at(8, 30, day=3)) == 1
    assert len(mail.outbox) == 2
    assert "新的提醒：养老保险模块" in mail.outbox[1].body and "失业保险金" not in mail.outbox[1].body
    assert EmailDigest.objects.filter(recipient=learner.user).count() == 2


def test_the_day_is_the_beijing_date(learner):
    _remind(learner, "a", now=at(7))
    # 01:00 UTC on 2 March is 09:00 in Beijing: the digest belongs to 2 March
    assert email_digests_send(now=datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)) == 1
    assert EmailDigest.objects.get().day == datetime.date(2026, 3, 2)


def test_no_digest_before_the_digest_time_or_in_quiet_hours(learner):
    _remind(learner, "a", now=at(7))
    assert email_digests_send(now=at(8, 29)) == 0  # after quiet hours, before 08:30
    assert email_digests_send(now=at(21, 30)) == 0  # evening quiet hours
    assert email_digests_send(now=at(2, 0, day=3)) == 0  # after midnight, still quiet
    assert mail.outbox == [] and not EmailDigest.objects.exists()
    assert email_digests_send(now=at(8, 30, day=3)) == 1


def test_quiet_hours_win_over_an_early_digest_time(learner, notify_config):
    notify_config.digest_time = datetime.time(6, 0)
    notify_config.quiet_start, notify_config.quiet_end = datetime.time(22, 0), datetime.time(7, 0)
    notify_config.save()
    _remind(learner, "a", now=at(5))
    assert email_digests_send(now=at(6, 30)) == 0
    assert email_digests_send(now=at(7, 0)) == 1


def test_read_notifications_and_people_without_email_get_no_digest(learner, people, login):
    n = _remind(learner, "a", now=at(7))
    login(learner).post(f"/notifications/{n.pk}/read/")
    _remind(people["west_learner"], "a", now=at(7))  # no email address
    assert email_digests_send(now=at(9)) == 0
    assert mail.outbox == []


def test_each_person_gets_their_own_digest(learner, people):
    other = people["west_learner"]
    other.user.email = "lisi@example.cn"
    other.user.save(update_fields=["email"])
    _remind(learner, "a", title="张小明的提醒", now=at(7))
    _remind(other, "a", title="李四的提醒", now=at(7))
    assert email_digests_send(now=at(9)) == 2
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "张小明的提醒" in bodies["zhangxiaoming@example.cn"]
        and "李四的提醒" not in bodies["zhangxiaoming@example.cn"]
    )
    assert "李四的提醒" in bodies["lisi@example.cn"]


def test_a_failed_send_rolls_back_and_is_retried_on_the_next_run(learner, settings):
    _remind(learner, "a", now=at(7))
    with socket.socket() as s:  # a port nobody listens on: a real SMTP connection that is refused
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    assert email_digests_send(now=at(9)) == 0
    assert not EmailDigest.objects.exists()
    assert Notification.objects.get().digested_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_digests_send(now=at(9, 5)) == 1
    assert len(mail.outbox) == 1 and EmailDigest.objects.count() == 1


def test_admin_tunes_quiet_hours_and_digest_time_in_wagtail_settings(client, people):
    client.force_login(people["admin"].user)
    url = "/admin/settings/notify/notifysettings/"
    page = client.get(url, follow=True)
    url = page.redirect_chain[-1][0] if page.redirect_chain else url
    assert page.status_code == 200 and "免打扰开始时间" in page.text
    response = client.post(url, {"quiet_start": "22:00", "quiet_end": "07:30", "digest_time": "09:00"})
    assert response.status_code == 302
    from training.notify.selectors import notify_settings

    config = notify_settings()
    assert (config.quiet_start, config.quiet_end, config.digest_time) == (
        datetime.time(22, 0),
        datetime.time(7, 30),
        datetime.time(9, 0),
    )
