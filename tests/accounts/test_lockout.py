"""Failed logins are throttled per account and, separately, per address, through the real login
views (site and Wagtail admin), with Chinese login names; lockouts and logins are audited."""

import datetime

from django.core.management import call_command

from axes.models import AccessAttempt

from tests import factories
from training.org.models import AuditEvent

from .conftest import PASSWORD, post_login


def test_account_locks_after_five_failures_with_a_chinese_page_saying_when_and_the_audit(client, wang):
    for i in range(4):
        response = post_login(client, "王小二", f"wrong-{i}")
        assert response.status_code == 200 and "用户名或密码不正确" in response.text
    locked = post_login(client, "王小二", "wrong-5")
    assert locked.status_code == 429
    assert "登录已锁定" in locked.text and "请在" in locked.text and "之后再试" in locked.text
    until = AccessAttempt.objects.get(username="王小二").attempt_time + datetime.timedelta(minutes=15)
    assert until.astimezone(datetime.timezone(datetime.timedelta(hours=8))).strftime("%H:%M") in locked.text

    # the right password is refused too while locked, and the lock does not move
    assert post_login(client, "王小二", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session

    failed = AuditEvent.objects.filter(action="login.failed", target="王小二")
    assert failed.count() == 6
    assert failed.filter(details__refused_while_locked=True).count() == 1
    assert failed.first().details["ip"] == "127.0.0.1"
    lockout = AuditEvent.objects.get(action="login.lockout")
    assert lockout.target == "王小二" and lockout.details["account_locked"] is True
    assert lockout.details["ip"] == "127.0.0.1" and lockout.details["until"]


def test_a_locked_account_does_not_lock_its_address_for_colleagues(client, wang, tree):
    colleague = factories.staff(org_unit=tree["east_comm"], name="李同事")
    for i in range(5):
        post_login(client, "王小二", f"wrong-{i}")
    assert post_login(client, colleague.user.username, PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="login.success", target=colleague.user.username).exists()


def test_an_address_locks_after_its_own_limit_across_accounts_and_others_still_log_in(client, wang, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    for i in range(6):  # six names, one failure each: no account reaches 5
        response = post_login(client, f"猜测{i}", "123456", ip="203.0.113.9")
    assert response.status_code == 429 and "网络地址" in response.text
    assert post_login(client, "王小二", PASSWORD, ip="203.0.113.9").status_code == 429
    assert post_login(client, "王小二", PASSWORD, ip="198.51.100.7").status_code == 302
    lockout = AuditEvent.objects.get(action="login.lockout")
    assert lockout.details["address_locked"] is True and lockout.details["ip"] == "203.0.113.9"


def test_success_resets_only_that_accounts_count(client, wang, tree):
    colleague = factories.staff(org_unit=tree["east_comm"], name="李同事")
    for i in range(4):
        post_login(client, "王小二", f"wrong-{i}")
        post_login(client, colleague.user.username, f"wrong-{i}")
    assert post_login(client, "王小二", PASSWORD).status_code == 302
    client.logout()
    assert not AccessAttempt.objects.filter(username="王小二").exists()
    # the colleague's four failures from the same address still count
    assert post_login(client, colleague.user.username, "wrong-again").status_code == 429
    for i in range(4):
        assert post_login(client, "王小二", f"wrong-{i}").status_code == 200


def test_lock_ends_after_the_cool_off(client, wang):
    for i in range(5):
        post_login(client, "王小二", f"wrong-{i}")
    assert post_login(client, "王小二", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    assert post_login(client, "王小二", PASSWORD).status_code == 302


def test_wagtail_admin_login_is_throttled_too(client, admin):
    username = admin.user.username
    for i in range(5):
        response = post_login(client, username, f"wrong-{i}", path="/admin/login/")
    assert response.status_code == 429 and "登录已锁定" in response.text
    assert post_login(client, username, PASSWORD, path="/admin/login/").status_code == 429
    assert AuditEvent.objects.filter(action="login.failed", details__path="/admin/login/").count() == 6
    # force_login (the rest of the suite) is untouched by the lock
    client.force_login(admin.user)
    assert client.get("/admin/").status_code == 200


def test_admin_login_succeeds_and_is_audited(client, admin):
    response = post_login(client, admin.user.username, PASSWORD, path="/admin/login/", ip="192.0.2.10")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login.success")
    assert event.actor == admin.user and event.details["ip"] == "192.0.2.10"
    assert event.details["path"] == "/admin/login/"


def test_proxy_header_counts_only_when_configured(client, wang, settings):
    forwarded = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.50"}
    post_login(client, "王小二", "wrong", ip="10.0.0.2", **forwarded)
    assert AccessAttempt.objects.get().ip_address == "10.0.0.2"  # header ignored without the setting

    AccessAttempt.objects.all().delete()
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    post_login(client, "王小二", "wrong", ip="10.0.0.2", **forwarded)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.50"  # the address our proxy appended
    assert AuditEvent.objects.filter(action="login.failed").first().details["ip"] == "203.0.113.50"


def test_logout_is_audited(client, wang):
    post_login(client, "王小二", PASSWORD)
    client.post("/accounts/logout/")
    event = AuditEvent.objects.get(action="logout")
    assert event.actor == wang.user and event.details["ip"] == "127.0.0.1"


def test_axes_reset_command_unlocks(client, wang):
    for i in range(5):
        post_login(client, "王小二", f"wrong-{i}")
    call_command("axes_reset_username", "王小二", verbosity=0)
    assert post_login(client, "王小二", PASSWORD).status_code == 302
