"""Group robots (群机器人): messages reach a real HTTP server byte for byte, DingTalk signatures
are right, failures retry with backoff without holding up other robots, nothing is sent twice,
and quiet hours defer rather than drop."""

import base64
import datetime
import hashlib
import hmac
import json
from urllib.parse import quote_plus

import pytest

from tests.notify.clock import at
from training.notify.models import RobotWebhook, WebhookDelivery
from training.notify.selectors import webhook_deliveries_due
from training.notify.services import notify_unit, webhook_delivery_send
from training.notify.tasks import webhook_deliver_task

pytestmark = pytest.mark.django_db

TEXT = "【基层人社学堂】湖滨社区：3 人的《失业保险金申领》培训将于 3 月 10 日到期，请督促完成。✅"
SECRET = "SEC0123456789abcdef测试"[:20]


def robot(unit, server, path="/wecom", *, kind=RobotWebhook.Kind.WECOM, secret="", name="人社所工作群", **kw):
    return RobotWebhook.objects.create(
        org_unit=unit,
        name=name,
        kind=kind,
        url=f"{server.url}{path}{kw.pop('query', '')}",
        secret=secret,
        **kw,
    )


def no_quiet_hours(config):
    config.quiet_start = config.quiet_end = datetime.time(0, 0)
    config.save()


def test_wecom_robot_receives_the_chinese_text_byte_for_byte(tree, robot_server):
    robot(tree["east_comm"], robot_server, query="?key=abc-123")
    [delivery] = notify_unit(
        tree["east_comm"], kind="plan_due", text=TEXT, dedupe_key="plan-7:due", now=at(9)
    )
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(9)) == "sent"
    [request] = robot_server.received
    assert request.path == "/wecom" and request.query == {"key": ["abc-123"]}
    assert request.content_type == "application/json; charset=utf-8"
    expected = ('{"msgtype": "text", "text": {"content": "' + TEXT + '"}}').encode("utf-8")
    assert request.body == expected  # UTF-8, not \\u escapes
    assert json.loads(request.body)["text"]["content"] == TEXT
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.sent_at == at(9) and delivery.attempts == 1


def test_dingtalk_signature_params_are_present_and_correct(tree, robot_server):
    robot(
        tree["east"], robot_server, "/robot/send", kind="dingtalk", secret=SECRET, query="?access_token=tok"
    )
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="d1", now=at(10))
    webhook_delivery_send(delivery_id=delivery.pk, now=at(10))
    [request] = robot_server.received
    timestamp = request.query["timestamp"][0]
    assert timestamp == str(int(at(10).timestamp() * 1000))
    assert request.query["access_token"] == ["tok"]
    # DingTalk's own recipe: HMAC-SHA256 over "timestamp\nsecret", base64, URL-encoded.
    digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    expected_b64 = base64.b64encode(digest).decode()
    assert request.query["sign"] == [expected_b64]  # after URL decoding by the server
    assert f"sign={quote_plus(expected_b64)}" in request.raw_query
    assert json.loads(request.body)["text"]["content"] == TEXT


def test_wecom_robot_gets_no_signature_even_with_a_secret(tree, robot_server):
    robot(tree["east"], robot_server, secret="ignored")
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="w1", now=at(10))
    webhook_delivery_send(delivery_id=delivery.pk, now=at(10))
    assert "sign" not in robot_server.received[0].query


def test_notify_unit_is_idempotent_and_only_for_enabled_robots_of_that_unit(tree, robot_server):
    robot(tree["east"], robot_server, "/a", name="东湖区人社群")
    robot(tree["east"], robot_server, "/b", name="东湖区主管群")
    robot(tree["east"], robot_server, "/off", name="停用的群", enabled=False)
    robot(tree["city"], robot_server, "/city", name="市局群")
    first = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(9))
    assert sorted(d.endpoint.name for d in first) == ["东湖区主管群", "东湖区人社群"]
    assert notify_unit(tree["east"], kind="k", text="另一段文字", dedupe_key="k1", now=at(9)) == []
    # a robot added later still gets a message already sent to the others
    robot(tree["east"], robot_server, "/c", name="新建的群")
    [late] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(9))
    assert late.endpoint.name == "新建的群"
    assert WebhookDelivery.objects.count() == 3
    assert notify_unit(tree["west"], kind="k", text=TEXT, dedupe_key="k1") == []


def test_delivery_is_queued_after_commit_and_the_task_sends_it(
    tree, robot_server, notify_config, django_capture_on_commit_callbacks
):
    no_quiet_hours(notify_config)  # the task reads the real clock
    robot(tree["east"], robot_server, "/a")
    robot(tree["east"], robot_server, "/b")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1")
    assert robot_server.received == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert sorted(r.path for r in robot_server.received) == ["/a", "/b"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_delivery_is_never_sent_twice(tree, robot_server, notify_config):
    no_quiet_hours(notify_config)
    robot(tree["east"], robot_server)
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1")
    assert webhook_deliver_task.delay(delivery_id=delivery.pk).get() == "sent"
    assert webhook_deliver_task.delay(delivery_id=delivery.pk).get() == "skipped"
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=later) == "skipped"
    assert len(robot_server.received) == 1


def test_a_second_task_while_the_first_is_retrying_does_not_send_early(tree, robot_server):
    robot(tree["east"], robot_server, "/broken")
    robot_server.answers["/broken"] = (500, {"error": "服务器错误"})
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(9))
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(9)) == "retry"
    # a duplicate task (a sweep, a redelivered message) in the backoff window does nothing
    assert (
        webhook_delivery_send(delivery_id=delivery.pk, now=at(9) + datetime.timedelta(seconds=30))
        == "skipped"
    )
    assert len(robot_server.received) == 1


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((500, {"errmsg": "内部错误"}), "HTTP 500"),
        ((200, {"errcode": 310000, "errmsg": "sign not match"}), "310000"),
    ],
)
def test_a_failing_robot_retries_with_backoff_and_does_not_hold_up_another(tree, robot_server, answer, error):
    robot(tree["east"], robot_server, "/broken", name="坏的群")
    robot(tree["east"], robot_server, "/ok", name="好的群")
    robot_server.answers["/broken"] = answer
    deliveries = {
        d.endpoint.name: d for d in notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(9))
    }
    broken, ok = deliveries["坏的群"], deliveries["好的群"]

    assert webhook_delivery_send(delivery_id=broken.pk, now=at(9)) == "retry"
    assert webhook_delivery_send(delivery_id=ok.pk, now=at(9)) == "sent"
    assert (
        len(robot_server.to("/ok")) == 1
        and json.loads(robot_server.to("/ok")[0].body)["text"]["content"] == TEXT
    )

    broken.refresh_from_db()
    assert broken.status == "pending" and broken.attempts == 1 and error in broken.last_error
    assert "127.0.0.1" not in broken.last_error  # the URL (it holds the key) never lands in the log
    # backoff: 1, 2, 4, 8, 16 minutes between the six attempts, then failed for good
    now, waits = at(9), []
    while broken.status == "pending":
        assert webhook_deliveries_due(now=broken.next_attempt_at - datetime.timedelta(seconds=1)) == []
        waits.append((broken.next_attempt_at - now).total_seconds() / 60)
        now = broken.next_attempt_at
        assert webhook_deliveries_due(now=now) == [broken.pk]
        webhook_delivery_send(delivery_id=broken.pk, now=now)
        broken.refresh_from_db()
    assert waits == [1, 2, 4, 8, 16]
    assert broken.status == "failed" and broken.attempts == 6
    assert len(robot_server.to("/broken")) == 6 and len(robot_server.to("/ok")) == 1
    assert webhook_deliveries_due(now=now + datetime.timedelta(days=1)) == []


def test_a_robot_that_recovers_gets_the_message_on_retry(tree, robot_server):
    robot(tree["east"], robot_server, "/flaky")
    robot_server.answers["/flaky"] = (200, {"errcode": 45009, "errmsg": "接口调用超过限制"})
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(9))
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(9)) == "retry"
    del robot_server.answers["/flaky"]
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(9, 1)) == "sent"
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error == ""


def test_an_unreachable_robot_is_a_retry_not_a_crash(tree, robot_server):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    RobotWebhook.objects.create(org_unit=tree["east"], name="离线", url=f"http://127.0.0.1:{closed_port}/x")
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(9))
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(9)) == "retry"
    delivery.refresh_from_db()
    assert "connection failed" in delivery.last_error


def test_quiet_hours_defer_the_message_to_their_end(tree, robot_server):
    robot(tree["east"], robot_server)
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(22, 30))
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(22, 30)) == "deferred"
    assert robot_server.received == []
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0
    assert delivery.next_attempt_at == at(8, 0, day=3)
    assert webhook_deliveries_due(now=at(7, 59, day=3)) == []
    assert webhook_deliveries_due(now=at(8, 0, day=3)) == [delivery.pk]
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(8, 0, day=3)) == "sent"
    assert json.loads(robot_server.received[0].body)["text"]["content"] == TEXT


def test_a_disabled_robot_gets_nothing(tree, robot_server):
    endpoint = robot(tree["east"], robot_server)
    [delivery] = notify_unit(tree["east"], kind="k", text=TEXT, dedupe_key="k1", now=at(9))
    endpoint.enabled = False
    endpoint.save()
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(9)) == "failed"
    assert robot_server.received == []


def test_long_text_is_cut_to_wecom_limit_on_a_character_boundary(tree, robot_server):
    robot(tree["east"], robot_server)
    [delivery] = notify_unit(tree["east"], kind="k", text="社保" * 2000, dedupe_key="k1", now=at(9))
    webhook_delivery_send(delivery_id=delivery.pk, now=at(9))
    content = json.loads(robot_server.received[0].body)["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048 and content.endswith("…") and content.startswith("社保社保")


def test_admin_manages_robots_in_the_wagtail_admin(client, people, tree):
    client.force_login(people["admin"].user)
    listing = client.get("/admin/snippets/notify/robotwebhook/")
    assert listing.status_code == 200
    response = client.post(
        "/admin/snippets/notify/robotwebhook/add/",
        {
            "org_unit": tree["east_comm"].pk,
            "name": "湖滨社区服务群",
            "kind": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "secret": "SECabc",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    assert RobotWebhook.objects.get(name="湖滨社区服务群").org_unit == tree["east_comm"]
    client.force_login(people["learner"].user)
    assert client.get("/admin/snippets/notify/robotwebhook/").status_code == 302


def test_robot_list_is_scoped_to_the_managers_subtree(people, tree):
    from training.notify.selectors import robot_webhook_list_for_scope
    from training.org.selectors import scope_for_user

    east = RobotWebhook.objects.create(org_unit=tree["east_comm"], name="湖滨群", url="https://example.cn/a")
    RobotWebhook.objects.create(org_unit=tree["west_comm"], name="石桥群", url="https://example.cn/b")
    assert list(robot_webhook_list_for_scope(scope=scope_for_user(people["manager"].user))) == [east]
    assert robot_webhook_list_for_scope(scope=scope_for_user(people["learner"].user)).count() == 0
    assert robot_webhook_list_for_scope(scope=scope_for_user(people["admin"].user)).count() == 2
