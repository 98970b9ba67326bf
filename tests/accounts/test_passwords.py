"""Password rules, with Chinese messages, through the password change page."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

import pytest

from training.org.models import AuditEvent, Staff

from .conftest import PASSWORD


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("abc", "太短"),
        ("73950184627", "只包含数字"),
        ("alllowercaseletters", "至少包含以下 3 类字符"),
        ("Woaini-1314-Xyz", "woaini"),
        ("Renshe-Station-8", "renshe"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(wang, password, fragment):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        validate_password(password, user=wang.user)
    assert any(fragment in m for m in error.value.messages), error.value.messages


def test_own_id_and_phone_digits_are_refused(wang):
    Staff.objects.filter(pk=wang.pk).update(id_number="36010219850612301X", phone="13912345678")
    with translation.override("zh-hans"):
        for password in ("Jx-19850612-ok", "Phone*345678!a"):
            with pytest.raises(ValidationError) as error:
                validate_password(password, user=wang.user)
            assert any("身份证号或手机号" in m for m in error.value.messages)
    validate_password("Jx-长城-2719-ok", user=wang.user)


def test_password_change_page_applies_the_rules_and_audits(client, wang):
    client.force_login(wang.user)
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "修改密码" in page.text
    weak = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and "太短" in weak.text
    new = "Qing-长城-2719x"
    done = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/password/done/"
    assert "密码已修改" in client.get(done["Location"]).text
    wang.user.refresh_from_db()
    assert wang.user.check_password(new)
    assert AuditEvent.objects.filter(action="password.change", actor=wang.user).exists()
    assert client.get("/notifications/").status_code == 200  # still logged in after the change
