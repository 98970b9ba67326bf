"""Content Security Policy: every HTML page carries it, and no template of ours needs a looser one
(no inline script, no inline event handler, no javascript: URL, no inline style)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings

import pytest

from courses.models import VideoLessonPage
from courses.services import video_process
from tests import factories
from tests.courses.test_video_lessons import _upload

ROOT = Path(settings.BASE_DIR)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _our_templates() -> list[Path]:
    folders = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(app.path) / "templates"
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(ROOT) and ".venv" not in Path(app.path).parts
    ]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*.html"))


def _strict(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def test_templates_hold_no_inline_script_handler_or_style():
    templates = _our_templates()
    assert len(templates) > 40  # the scan really found the product's templates
    problems = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        for match in SCRIPT_TAG.finditer(text):
            attrs = match.group(1)
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                problems.append(f"{where}: inline <script{attrs}>")
        problems += [
            f"{where}: inline event handler {m.group(0)[-40:]!r}" for m in EVENT_HANDLER.finditer(text)
        ]
        problems += [f"{where}: inline style {m.group(0)[-40:]!r}" for m in STYLE_ATTR.finditer(text)]
        problems += [f"{where}: javascript: URL" for _ in JS_URL.finditer(text)]
    assert problems == []


def test_the_scan_catches_what_it_looks_for():
    samples = [
        ("<script>alert(1)</script>", SCRIPT_TAG),
        ('<button type="button" onclick="go()">', EVENT_HANDLER),
        ('<img src="x.png"\n     onerror="steal()">', EVENT_HANDLER),
        ('<span style="width: 50%">', STYLE_ATTR),
        ('<a href="javascript:void(0)">', JS_URL),
    ]
    for sample, pattern in samples:
        assert pattern.search(sample), sample
    assert not EVENT_HANDLER.search('<p class="one">Notification</p>')
    assert "src=" in SCRIPT_TAG.search('<script src="/static/js/exam.js" defer></script>').group(1)


@pytest.mark.django_db
def test_every_key_page_carries_the_strict_policy(client, people, tmp_path):
    mod = factories.module(lessons=1, questions=3, question_count=3)
    video = video_process(video_id=_upload(tmp_path, seconds=1, height=90).pk)
    video_lesson = factories.publish(
        mod, VideoLessonPage(title="视频课：窗口受理", slug="video", video=video)
    )
    exam = factories.exam_of(mod)
    urls = {
        "/accounts/login/": None,
        "/": "learner",
        mod.url: "learner",
        factories.lessons_of(mod)[0].url: "learner",
        video_lesson.url: "learner",
        exam.url: "learner",
        "/me/certificates/": "learner",
        "/notifications/": "learner",
        "/search/?q=失业保险金": "learner",
        "/manage/dashboard/": "manager",
        "/manage/matrix/": "manager",
    }
    for url, who in urls.items():
        client.logout()
        if who:
            client.force_login(people[who].user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
        policy = _strict(response["Content-Security-Policy"])
        assert policy["script-src"] == "'self'", url
        assert policy["style-src"] == "'self'", url
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'self'"
        assert policy["frame-ancestors"] == "'self'"
        assert policy["form-action"] == "'self'"
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_wagtail_admin_gets_inline_script_but_never_eval(client, people):
    client.force_login(people["trainer"].user)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = _strict(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self' 'unsafe-inline'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'self'"
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def _settings_under(module: str, **env) -> dict:
    """Settings as a fresh process sees them with ``env`` (settings read the environment once)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k, None) for k in {NAMES!r}}}, default=str))"
    )
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": module, **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


NAMES = [
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
]


def test_production_cookies_and_headers_and_the_switches():
    prod = _settings_under(
        "training.settings.production", DJANGO_SECRET_KEY="k" * 50, SECURE_PROXY_SSL_HEADER=""
    )
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SESSION_COOKIE_HTTPONLY"] and prod["CSRF_COOKIE_HTTPONLY"]
    assert prod["SESSION_COOKIE_SAMESITE"] == prod["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert prod["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert prod["SECURE_CONTENT_TYPE_NOSNIFF"] and prod["SECURE_REFERRER_POLICY"] == "same-origin"
    assert prod["X_FRAME_OPTIONS"] == "SAMEORIGIN"
    assert prod["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"] == ["'self'"]

    # gunicorn facing clients itself: no proxy header is trusted; report-only mode on request
    direct = _settings_under(
        "training.settings.production",
        DJANGO_SECRET_KEY="k" * 50,
        SECURE_PROXY_SSL_HEADER="none",
        CSP_REPORT_ONLY="true",
        CSP_REPORT_URI="https://csp.example.cn/report",
    )
    assert direct["SECURE_PROXY_SSL_HEADER"] is None
    assert direct["CONTENT_SECURITY_POLICY"] is None
    report_only = direct["CONTENT_SECURITY_POLICY_REPORT_ONLY"]["DIRECTIVES"]
    assert (
        report_only["script-src"] == ["'self'"]
        and report_only["report-uri"] == "https://csp.example.cn/report"
    )


@pytest.mark.django_db
def test_report_only_policy_is_sent_as_report_only(client, settings):
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = policy
    response = client.get("/accounts/login/")
    assert "Content-Security-Policy" not in response
    assert _strict(response["Content-Security-Policy-Report-Only"])["script-src"] == "'self'"
