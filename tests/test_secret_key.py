"""The secret key: never one written in the source; made at random on the first start without
``DJANGO_SECRET_KEY`` and kept in var/ (0600, the same for every process); production refuses to
start without the environment variable."""

import os
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

import pytest

from training.secret_key import SecretKeyFileError, embedded_secret_key

ROOT = Path(__file__).resolve().parent.parent
# The key that base.py used to carry: anyone who has read the source could sign with it.
OLD_SOURCE_KEY = "insecure-embedded-demo-key-change-me-in-production-0123456789"


def test_first_call_makes_a_private_random_key_that_later_calls_read(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = embedded_secret_key(path)
    assert len(key) >= 80 and len(set(key)) > 20
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert embedded_secret_key(path) == key
    assert embedded_secret_key(tmp_path / "other") != key
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]  # no temporary file left


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "secret_key"
    with ProcessPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(embedded_secret_key, [path] * 32))
    assert len(set(keys)) == 1 and keys[0] == path.read_text().strip()
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_an_emptied_key_file_is_refused_not_used(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(SecretKeyFileError, match="is empty"):
        embedded_secret_key(path)


def _run(module: str, code: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    environ.update({"DJANGO_SETTINGS_MODULE": module, **env})
    return subprocess.run([sys.executable, *code], env=environ, cwd=ROOT, capture_output=True, text=True)


def test_embedded_settings_sign_with_the_key_file_not_a_key_in_the_source():
    assert OLD_SOURCE_KEY not in (ROOT / "training/settings/base.py").read_text()
    shown = _run(
        "training.settings.base",
        ["-c", "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"],
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == (ROOT / "var" / "secret_key").read_text().strip()
    assert shown.stdout.strip() == settings.SECRET_KEY  # the test run too
    given = _run(
        "training.settings.base",
        ["-c", "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"],
        DJANGO_SECRET_KEY="密钥-from-the-environment-" + "k" * 40,
    )
    assert given.stdout.strip() == "密钥-from-the-environment-" + "k" * 40


def test_production_check_deploy_refuses_a_missing_key():
    refused = _run(
        "training.settings.production",
        ["manage.py", "check", "--deploy"],
        DJANGO_ALLOWED_HOSTS="academy.example.cn",
        DJANGO_SECRET_KEY="",
    )
    assert refused.returncode == 1
    assert (
        "ImproperlyConfigured: Set DJANGO_SECRET_KEY to a long random value for production." in refused.stderr
    )


def _messages_cookie(text: str) -> str:
    """A messages cookie as the site writes it, signed with the key in force."""
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.ERROR, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


@pytest.mark.django_db
def test_a_messages_cookie_signed_with_the_old_source_key_is_not_accepted(client):
    with override_settings(SECRET_KEY=OLD_SOURCE_KEY):
        forged = _messages_cookie("伪造的通知：请把密码发给管理员")
    client.cookies["messages"] = forged
    assert "伪造的通知" not in client.get("/accounts/login/").text
    # the same cookie signed with the site's key is shown: the page does show cookie messages
    client.cookies["messages"] = _messages_cookie("真实的通知")
    assert "真实的通知" in client.get("/accounts/login/").text
