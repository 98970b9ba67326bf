"""Two-factor login with real TOTP codes computed by django-otp, through the site login and the
Wagtail admin login; backup codes; the mandatory switch; disable and reset; audit records."""

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from training.accounts.models import AccountSecuritySettings
from training.accounts.twofactor import DONE, SESSION_STATE, SETUP
from training.org.models import AuditEvent

from .conftest import PASSWORD, post_login

ROOT = Path(__file__).resolve().parent.parent.parent


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enable(client, user) -> tuple[TOTPDevice, list[str]]:
    client.force_login(user)
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200 and "<svg" in page.text and "扫描" in page.text
    card = page.text.split('<section class="card narrow">', 1)[1].split("</section>", 1)[0]
    assert (
        "<svg" in card and "<script" not in card and " on" not in card.split("<svg", 1)[1].split("</svg>")[0]
    )
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/accounts/two-factor/setup/", {"code": code(device)})
    assert done.status_code == 200 and "备用验证码" in done.text
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.text)
    client.logout()
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def manager_with_2fa(client, manager):
    device, codes = enable(client, manager.user)
    return manager, device, codes


def test_setup_confirms_with_a_real_code_and_makes_ten_backup_codes(client, manager_with_2fa):
    manager, device, codes = manager_with_2fa
    assert device.confirmed and len(codes) == 10
    assert StaticDevice.objects.get(user=manager.user).token_set.count() == 10
    event = AuditEvent.objects.get(action="2fa.enable")
    assert event.actor == manager.user and event.details["backup_codes"] == 10


def test_setup_refuses_a_wrong_first_code(client, manager):
    client.force_login(manager.user)
    client.get("/accounts/two-factor/setup/")
    response = client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert "验证码不正确" in response.text
    assert not TOTPDevice.objects.filter(user=manager.user, confirmed=True).exists()
    assert AuditEvent.objects.filter(action="2fa.failed", details__step="setup").exists()


def test_site_login_then_code_lets_in(client, manager_with_2fa):
    manager, device, _ = manager_with_2fa
    assert post_login(client, manager.user.username, PASSWORD).status_code == 302
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/verify/")
    # the schema is public, but a login that owes a code is held on every /api/ path
    assert client.get("/api/v1/openapi.json").status_code == 403
    verify = client.post(
        "/accounts/two-factor/verify/?next=/notifications/",
        {"code": code(device, 1), "next": "/notifications/"},
    )
    assert verify.status_code == 302 and verify["Location"] == "/notifications/"
    assert client.get("/notifications/").status_code == 200
    assert AuditEvent.objects.filter(
        action="2fa.verified", actor=manager.user, details__device="totp"
    ).exists()
    assert AuditEvent.objects.filter(action="login.success", details__two_factor="verify").exists()


def test_wagtail_admin_login_is_held_at_the_code_too(client, admin):
    device, _ = enable(client, admin.user)
    response = post_login(client, admin.user.username, PASSWORD, path="/admin/login/")
    assert response.status_code == 302
    held = client.get("/admin/")
    assert held.status_code == 302 and "/accounts/two-factor/verify/" in held["Location"]
    assert "next=%2Fadmin%2F" in held["Location"]
    assert client.get("/admin/org/audit/").status_code == 302
    client.post("/accounts/two-factor/verify/", {"code": code(device, 1), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_wrong_code_is_audited_and_throttled_and_a_backup_code_works_once(client, manager_with_2fa):
    manager, device, codes = manager_with_2fa
    post_login(client, manager.user.username, PASSWORD)
    wrong = client.post("/accounts/two-factor/verify/", {"code": "123456"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.text
    assert AuditEvent.objects.filter(action="2fa.failed", details__step="login").exists()
    # straight after a wrong code even the right one waits (django-otp's throttle)
    client.post("/accounts/two-factor/verify/", {"code": code(device, 1)})
    assert client.get("/notifications/").status_code == 302
    for d in (TOTPDevice.objects.get(user=manager.user), StaticDevice.objects.get(user=manager.user)):
        d.throttle_reset()
    client.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert client.get("/notifications/").status_code == 200
    assert AuditEvent.objects.filter(action="2fa.verified", details__device="backup").exists()

    client.logout()
    post_login(client, manager.user.username, PASSWORD)
    client.post("/accounts/two-factor/verify/", {"code": codes[0]})  # used up
    assert client.get("/notifications/").status_code == 302


def test_api_answers_403_until_verified(client, manager_with_2fa):
    manager, _, _ = manager_with_2fa
    post_login(client, manager.user.username, PASSWORD)
    response = client.get("/api/v1/attempts/1")
    assert response.status_code == 403 and "双因素" in response.json()["detail"]


def test_mandatory_switch_sends_managers_to_setup_but_not_learners(client, manager, wang):
    settings_row = AccountSecuritySettings.load()
    settings_row.two_factor_required = True
    settings_row.save()
    post_login(client, wang.user.username, PASSWORD)
    assert client.get("/notifications/").status_code == 200
    client.logout()

    post_login(client, manager.user.username, PASSWORD)
    held = client.get("/notifications/")
    assert held.status_code == 302 and held["Location"].startswith("/accounts/two-factor/setup/")
    page = client.get(held["Location"])
    assert "设置完成后才能继续" in page.text
    device = TOTPDevice.objects.get(user=manager.user, confirmed=False)
    client.post("/accounts/two-factor/setup/", {"code": code(device)})
    assert client.get("/notifications/").status_code == 200
    # required: cannot be turned off
    client.post("/accounts/two-factor/disable/", {"code": code(device, 1)})
    assert TOTPDevice.objects.filter(user=manager.user, confirmed=True).exists()


def test_disable_needs_a_code_and_is_audited(client, manager_with_2fa):
    manager, device, codes = manager_with_2fa
    client.force_login(manager.user)  # a login like any other: the code is asked for
    assert client.get("/accounts/security/").status_code == 302
    client.post("/accounts/two-factor/verify/", {"code": codes[0]})
    client.post("/accounts/two-factor/disable/", {"code": "000000"})
    assert TOTPDevice.objects.filter(user=manager.user).exists()
    for d in (TOTPDevice.objects.get(user=manager.user), StaticDevice.objects.get(user=manager.user)):
        d.throttle_reset()
    client.post("/accounts/two-factor/disable/", {"code": code(device, 1)})
    assert not TOTPDevice.objects.filter(user=manager.user).exists()
    assert not StaticDevice.objects.filter(user=manager.user).exists()
    assert AuditEvent.objects.filter(action="2fa.disable", actor=manager.user).exists()
    assert "未开启" in client.get("/accounts/security/").text


def test_admin_reset_command_removes_devices_and_is_audited(client, manager_with_2fa):
    manager, _, _ = manager_with_2fa
    call_command("two_factor_reset", manager.user.username, reason="手机丢失", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=manager.user).exists()
    event = AuditEvent.objects.get(action="2fa.reset")
    assert event.target == manager.user.username and event.details["reason"] == "手机丢失"
    assert post_login(client, manager.user.username, PASSWORD).status_code == 302
    assert client.get("/notifications/").status_code == 200


def test_a_reset_during_a_pending_login_lets_an_optional_user_on(client, manager_with_2fa):
    manager, _, _ = manager_with_2fa
    post_login(client, manager.user.username, PASSWORD)
    assert client.get("/notifications/").status_code == 302
    call_command("two_factor_reset", manager.user.username, stdout=io.StringIO())
    response = client.get("/accounts/two-factor/verify/?next=/notifications/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert client.get("/notifications/").status_code == 200


# --- required for administrators (REQUIRE_ADMIN_TWO_FACTOR; on under production settings) --------


def _two_factor_setting(module: str, **env) -> bool:
    """REQUIRE_ADMIN_TWO_FACTOR as a fresh process sees it under ``module`` with ``env``."""
    code = "import django; django.setup(); from django.conf import settings; print(settings.REQUIRE_ADMIN_TWO_FACTOR)"
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": module, "DJANGO_SECRET_KEY": "k" * 50, **env}
    if "REQUIRE_ADMIN_TWO_FACTOR" not in env:
        environ.pop("REQUIRE_ADMIN_TWO_FACTOR", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {"True": True, "False": False}[out.stdout.strip().splitlines()[-1]]


def test_production_requires_it_for_administrators_unless_turned_off():
    assert _two_factor_setting("training.settings.production") is True
    assert _two_factor_setting("training.settings.production", REQUIRE_ADMIN_TWO_FACTOR="") is True
    assert _two_factor_setting("training.settings.production", REQUIRE_ADMIN_TWO_FACTOR="false") is False
    # the embedded mode (make run): the demo administrator logs in with the password alone
    assert _two_factor_setting("training.settings.base") is False
    assert _two_factor_setting("training.settings.base", REQUIRE_ADMIN_TWO_FACTOR="true") is True


@pytest.fixture
def required(settings):
    settings.REQUIRE_ADMIN_TWO_FACTOR = True


@pytest.mark.parametrize("login_path", ["/accounts/login/", "/admin/login/"])
def test_required_admin_sets_it_up_before_any_admin_page(client, required, admin, login_path):
    assert post_login(client, admin.user.username, PASSWORD, path=login_path).status_code == 302
    for path in ("/admin/", "/admin/org/audit/", "/admin/users/", "/me/data/"):
        held = client.get(path)
        assert held.status_code == 302, path
        assert held["Location"].startswith("/accounts/two-factor/setup/?next="), path
    assert client.get("/api/v1/attempts/1").status_code == 403
    page = client.get("/accounts/two-factor/setup/?next=/admin/")
    assert page.status_code == 200 and "设置完成后才能继续" in page.text
    device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    assert client.post("/accounts/two-factor/setup/", {"code": code(device)}).status_code == 200
    assert client.get("/admin/").status_code == 200
    # required: it cannot be turned off, and the next login asks for the code
    client.post("/accounts/two-factor/disable/", {"code": code(device, 1)})
    assert TOTPDevice.objects.filter(user=admin.user, confirmed=True).count() == 1
    client.logout()
    post_login(client, admin.user.username, PASSWORD, path=login_path)
    held = client.get("/admin/")
    assert held.status_code == 302 and held["Location"].startswith("/accounts/two-factor/verify/")


def test_a_superuser_without_a_role_is_an_administrator_too(client, required, tree):
    boss = get_user_model().objects.create_user(
        username="超级管理员", password=PASSWORD, is_superuser=True, is_staff=True
    )
    post_login(client, boss.username, PASSWORD, path="/admin/login/")
    held = client.get("/admin/")
    assert held.status_code == 302 and held["Location"].startswith("/accounts/two-factor/setup/")


def test_only_administrators_are_held_by_it(client, required, manager, wang):
    for person in (manager.user, wang.user):
        post_login(client, person.username, PASSWORD)
        assert client.get("/notifications/").status_code == 200
        client.logout()


def test_turned_off_the_administrator_logs_in_with_the_password(client, settings, admin):
    settings.REQUIRE_ADMIN_TWO_FACTOR = False
    post_login(client, admin.user.username, PASSWORD, path="/admin/login/")
    assert client.get("/admin/").status_code == 200


def test_a_session_from_before_the_rule_is_judged_at_its_next_request(client, required, admin, manager):
    for person in (admin, manager):
        client.force_login(person.user)
        session = client.session
        del session[SESSION_STATE]  # as a session started before the upgrade carries no state
        session.save()
    # the client holds the manager's session now: judged once, owes nothing
    assert client.get("/notifications/").status_code == 200
    assert client.session[SESSION_STATE] == DONE
    client.logout()
    client.force_login(admin.user)
    session = client.session
    del session[SESSION_STATE]
    session.save()
    held = client.get("/admin/")
    assert held.status_code == 302 and held["Location"].startswith("/accounts/two-factor/setup/")
    assert client.session[SESSION_STATE] == SETUP
