"""The named entries of a run: HTTP endpoints measured as ratios to R0, batch jobs timed
in-process. An entry whose view or function does not exist yet is reported as "not built yet"."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .fixtures import Fixtures
from .load import Request

API = "/api/v1"


@dataclass
class Endpoint:
    key: str
    title: str
    target: float | None  # median ratio to R0 it must reach; None: reported only
    build: Callable[[Fixtures], Callable[[int], Request]] | None
    missing: Callable[[], str] | None = None  # a reason when not built yet

    def not_built(self) -> str:
        return self.missing() if self.missing else ""


def _get(path_of: Callable[[Fixtures], str], who: str = "learner"):
    def build(fx: Fixtures):
        path = path_of(fx)
        if who == "manager":
            headers = fx.manager.headers()
            return lambda i: Request("GET", path, headers)
        logins = fx.learners
        return lambda i: Request("GET", path, logins[i % len(logins)].headers())

    return build


def _exam_start(fx: Fixtures):
    """Rotating people × basic exams: each request is a first start (the pool is reset per cell)."""
    people, exams = fx.starters, fx.basic_exam_ids
    bodies = [json.dumps({"exam_id": e}).encode() for e in exams]

    def make(i: int) -> Request:
        who = people[i % len(people)]
        return Request(
            "POST", f"{API}/attempts", who.headers(json=True), bodies[(i // len(people)) % len(exams)]
        )

    return make


def _answer_save(fx: Fixtures):
    """Rotating open attempts × their questions × the options: a real change of answer each time."""
    sittings = fx.answerers

    def make(i: int) -> Request:
        s = sittings[i % len(sittings)]
        turn = i // len(sittings)
        question, options = s.questions[turn % len(s.questions)]
        option = options[(turn // len(s.questions)) % len(options)] if options else None
        return Request(
            "PUT",
            f"{API}/attempts/{s.attempt_id}/answers/{question}",
            s.login.headers(json=True),
            json.dumps({"response": option}).encode(),
        )

    return make


def _url_missing(*names: str) -> Callable[[], str]:
    def check() -> str:
        from django.urls import NoReverseMatch, reverse

        for name in names:
            try:
                reverse(name)
                return ""
            except NoReverseMatch:
                continue
        return f"not built yet (no URL named {' / '.join(names)})"

    return check


def dashboard_path() -> str:
    from django.urls import NoReverseMatch, reverse

    for name in DASHBOARD_URL_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            pass
    raise LookupError("dashboard")


DASHBOARD_URL_NAMES = ("reports:dashboard", "reports:manager_dashboard")

ENDPOINTS = [
    Endpoint(
        "raw", "R_raw: gunicorn floor, no Django", None, lambda fx: lambda i: Request("GET", "/bench/raw/")
    ),
    Endpoint("r0", "R0: trivial view, full middleware", None, _get(lambda fx: "/bench/r0/")),
    Endpoint("home", "home page (learner)", None, _get(lambda fx: fx.home_url)),
    Endpoint("lesson", "lesson page (learner)", 0.20, _get(lambda fx: fx.lesson_url)),
    Endpoint("module", "module page (learner)", None, _get(lambda fx: fx.module_url)),
    Endpoint("exam_start", "start an exam attempt (API)", 0.15, _exam_start),
    Endpoint("answer_save", "save an answer (API, durable commit)", 0.30, _answer_save),
    Endpoint(
        "dashboard",
        "manager dashboard",
        0.10,
        _get(lambda fx: dashboard_path(), who="manager"),
        missing=_url_missing(*DASHBOARD_URL_NAMES),
    ),
    Endpoint(
        "matrix", "competency matrix (city manager)", None, _get(lambda fx: "/manage/matrix/", who="manager")
    ),
]
