"""The account-security app's part of a person's data download and erasure (账户安全); see
training/org/personal_data.py. It holds login names and client addresses: django-axes' records of
failed logins, the two-factor devices, and the address in each login's audit entry."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from training.org.models import AuditEvent
from training.org.personal_data import Erasure, PersonalDataExport, Section


def collect_account_security(export: PersonalDataExport) -> None:
    """Their two-factor devices (never the secret or the codes) and the failed logins counted
    against their login name since their last successful one (django-axes). Three queries."""
    user = export.user
    devices = [
        {"kind": _("Authenticator app (TOTP)"), "name": d.name, "confirmed": d.confirmed}
        for d in TOTPDevice.objects.filter(user=user).order_by("pk")
    ] + [
        {"kind": _("Backup codes"), "name": d.name, "confirmed": d.confirmed}
        for d in StaticDevice.objects.filter(user=user).order_by("pk")
    ]
    export.add(
        Section(
            "two_factor",
            _("Two-factor login"),
            [("kind", _("Kind")), ("name", _("Device name")), ("confirmed", _("Confirmed"))],
            devices,
        )
    )
    failures = list(
        AccessAttempt.objects.filter(username=user.get_username())
        .order_by("attempt_time")
        .values("attempt_time", "ip_address", "user_agent", "failures_since_start")
    )
    export.add(
        Section(
            "failed_logins",
            _("Failed logins"),
            [
                ("attempt_time", _("When")),
                ("ip_address", _("Client address")),
                ("user_agent", _("Browser (user agent)")),
                ("failures_since_start", _("Failures in a row")),
            ],
            failures,
        )
    )


def erase_account_security(erasure: Erasure) -> None:
    """Their two-factor devices, the failed-login records under their login name, and the client
    address kept in the audit entries of their own logins and security actions go; the entries
    themselves stay (what happened and when), tied to the anonymised account."""
    user = erasure.user
    n, _kinds = TOTPDevice.objects.filter(user=user).delete()
    erasure.count("two_factor_devices", n)
    n, _kinds = StaticDevice.objects.filter(user=user).delete()
    erasure.count("two_factor_devices", n)
    names = [user.get_username(), *erasure.terms]
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        n, _kinds = model.objects.filter(username__in=names).delete()
        erasure.count("failed_login_records", n)
    changed = []
    mine = Q(actor=user) | Q(actor__isnull=True, target__in=names)  # their logins, failed ones too
    for event in AuditEvent.objects.filter(mine, details__has_key="ip"):
        event.details = {k: v for k, v in event.details.items() if k not in ("ip", "user_agent")}
        changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["details"])
    erasure.count("audit_addresses", len(changed))
