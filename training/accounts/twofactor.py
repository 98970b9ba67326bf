"""Two-factor login (双因素登录): a TOTP authenticator app, with ten one-use backup codes.

Session states, set at login and read by ``AccountSecurityMiddleware`` (no query per request):
``verify`` — the person has a confirmed device and has not yet entered a code; ``setup`` — the
person must set one up first; ``done`` — nothing is owed. A session without a state (one from
before these rules) is judged once, at its next request.

Who must use it: administrators (who see full ID numbers and phones) whenever
``REQUIRE_ADMIN_TWO_FACTOR`` is on — the default under production settings, off in the embedded
mode so the demo administrator logs in with the password alone — and administrators and managers
when the 账户安全 setting says so.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

import django_otp
import segno
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from training.org.audit import audit_record
from training.org.selectors import scope_for_user

from .models import AccountSecuritySettings
from .net import client_ip

SESSION_STATE = "accounts_2fa"
VERIFY = "verify"
SETUP = "setup"
DONE = "done"
BACKUP_CODES = 10
DEVICE_NAME = "authenticator"
BACKUP_NAME = "backup"


def two_factor_enabled(user) -> bool:
    """Whether the person has a confirmed authenticator (已启用双因素)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(user) -> bool:
    """Whether the person must use a second factor (必须启用双因素): an administrator (role admin or
    superuser) when ``REQUIRE_ADMIN_TWO_FACTOR`` is on; an administrator or a manager when the
    账户安全 switch is on."""
    scope = scope_for_user(user)
    if scope.is_admin and settings.REQUIRE_ADMIN_TWO_FACTOR:
        return True
    if not scope.is_manager:
        return False
    return AccountSecuritySettings.load().two_factor_required


def two_factor_state_at_login(user) -> str | None:
    """What a fresh login still owes: a code (``verify``), a device (``setup``) or nothing."""
    if two_factor_enabled(user):
        return VERIFY
    if two_factor_required(user):
        return SETUP
    return None


def totp_device_pending(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (a new secret each time setup starts afresh)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address of the device as an inline SVG QR code (no script, no image file)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, omitsize=True, title="otpauth"
    )


@transaction.atomic
def two_factor_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a new authenticator with its first code (启用双因素): on success the device is
    confirmed, any older one removed, ten fresh backup codes made (returned, shown once), the
    session marked verified, and ``2fa.enable`` audited. A wrong code returns None and is audited
    as ``2fa.failed``."""
    user = request.user
    if device.user_id != user.pk or device.confirmed:
        return None
    if not device.verify_token(token.strip()):
        _audit(request, "2fa.failed", {"step": "setup"})
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_renew(user)
    django_otp.login(request, device)
    request.session[SESSION_STATE] = DONE
    request.session.cycle_key()
    _audit(request, "2fa.enable", {"backup_codes": len(codes)})
    return codes


def backup_codes_renew(user) -> list[str]:
    """Replace the person's backup codes (备用验证码) with ten new ones."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@transaction.atomic
def two_factor_verify(*, request, token: str) -> bool:
    """Check the code given after the password (登录验证): the authenticator's current code or
    an unused backup code (then used up). Success marks the session verified, gives it a new key
    and is audited as ``2fa.verified``; failure as ``2fa.failed``. Each device throttles repeated
    failures (django-otp doubles the wait after each)."""
    user = request.user
    token = token.strip().replace(" ", "")
    for device in django_otp.devices_for_user(user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            django_otp.login(request, device)
            request.session[SESSION_STATE] = DONE
            request.session.cycle_key()
            _audit(
                request, "2fa.verified", {"device": "backup" if isinstance(device, StaticDevice) else "totp"}
            )
            return True
    _audit(request, "2fa.failed", {"step": "login"})
    return False


@transaction.atomic
def two_factor_disable(*, request, token: str) -> bool:
    """Turn two-factor login off (停用双因素) after one more valid code; refused (False) when the
    code is wrong or when it is required for the person. Audited as ``2fa.disable``."""
    user = request.user
    if two_factor_required(user):
        return False
    token = token.strip().replace(" ", "")
    if not any(d.verify_is_allowed()[0] and d.verify_token(token) for d in django_otp.devices_for_user(user)):
        _audit(request, "2fa.failed", {"step": "disable"})
        return False
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _audit(request, "2fa.disable", {})
    return True


@transaction.atomic
def two_factor_reset(*, user, actor=None, reason: str = "") -> int:
    """An administrator's reset (重置双因素) for someone who lost their phone and backup codes:
    every device removed, audited as ``2fa.reset``. Returns how many devices went."""
    count = TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="2fa.reset",
        target=user.get_username(),
        details={"reason": reason, "devices": count},
    )
    return count


def _audit(request, action: str, details: dict) -> None:
    audit_record(
        actor=request.user,
        action=action,
        target=request.user.get_username(),
        details={**details, "ip": client_ip(request)},
    )
