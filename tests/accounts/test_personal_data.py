"""The account-security part of a person's data: two-factor devices and failed logins are in
their download, and erasing a person who left removes them with the client addresses of their
logins (the audit entries stay, anonymised)."""

import io
import json
import zipfile

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django_otp.plugins.otp_totp.models import TOTPDevice

from training.org.models import AuditEvent
from training.org.services import staff_erase

from .conftest import PASSWORD, post_login
from .test_two_factor import code, enable

pytestmark = pytest.mark.django_db


def test_two_factor_and_failed_logins_are_in_the_download_and_go_with_the_erasure(client, wang, admin):
    assert post_login(client, "王小二", PASSWORD, ip="10.2.3.5").status_code == 302
    client.logout()
    device, _codes = enable(client, wang.user)

    client.force_login(wang.user)
    response = client.post("/me/data/download/")
    if response.status_code == 302:  # the two-factor gate asks for a code first
        device.refresh_from_db()
        client.post("/accounts/two-factor/verify/", {"code": code(device, steps_ahead=1)})
        response = client.post("/me/data/download/")
    assert response.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.getvalue())).read("personal-data.json"))
    sections = {s["key"]: s for s in data["sections"]}
    assert len(sections["two_factor"]["rows"]) == 2 and "failed_logins" in sections
    assert device.bin_key.hex() not in json.dumps(data)

    client.logout()
    post_login(client, "王小二", "错误的密码123", ip="10.2.3.4")
    assert AccessAttempt.objects.filter(username="王小二", ip_address="10.2.3.4").exists()

    wang.is_active = False
    wang.save()
    staff_erase(staff=wang, actor=admin.user)
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AccessFailureLog.objects.filter(username="王小二").exists()
    assert not AccessAttempt.objects.filter(username="王小二").exists()
    logins = AuditEvent.objects.filter(action__in=["login.success", "login.failed"])
    assert logins.count() >= 2
    for event in logins:
        assert "10.2.3" not in json.dumps(event.details) and "王小二" not in event.target
