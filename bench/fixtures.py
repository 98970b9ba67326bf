"""What a run needs in the database before load starts, made in-process with the product's own
services: logins with sessions (as ``django.contrib.auth.login`` leaves them, so no password is
hashed per simulated person), open attempts to answer, a city manager, the page URLs.

Each pool of people is disjoint, so one scenario never changes what another measures.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connection

from courses.models import LessonPage, ModulePage
from exams.choices import AttemptStatus
from exams.models import Attempt, ExamPage
from exams.services import attempt_start
from training.accounts import twofactor
from training.accounts.middleware import session_mark_login
from training.org.choices import Level, Role
from training.org.models import OrgUnit, Staff
from training.org.services import role_grant, staff_create

BACKEND = "training.accounts.backends.ModelBackend"


@dataclass
class Login:
    user_id: int
    username: str
    cookie: str  # the Cookie header: session and CSRF secret
    csrf: str  # the X-CSRFToken header

    def headers(self, *, json: bool = False) -> dict[str, str]:
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf, "Accept-Encoding": "gzip"}
        if json:
            headers["Content-Type"] = "application/json"
        return headers


@dataclass
class OpenAttempt:
    login: Login
    attempt_id: int
    questions: list[tuple[int, list[int]]]  # (question id, option ids)


@dataclass
class Fixtures:
    home_url: str = "/"
    lesson_url: str = ""
    module_url: str = ""
    exam_url: str = ""
    exam_id: int = 0
    basic_exam_ids: list[int] = field(default_factory=list)
    learners: list[Login] = field(default_factory=list)
    starters: list[Login] = field(default_factory=list)
    answerers: list[OpenAttempt] = field(default_factory=list)
    manager: Login | None = None
    window: list[Login] = field(default_factory=list)
    window_password_users: list[str] = field(default_factory=list)
    staff_total: int = 0
    units_total: int = 0


def login_for(user) -> Login:
    """A signed-in session for ``user``, stored by the configured session engine."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session_mark_login(session)  # the login and last-seen clocks a real login starts
    session[twofactor.SESSION_STATE] = twofactor.DONE  # a login that owes no second factor
    session.save(must_create=True)
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret as the token
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    return Login(user_id=user.pk, username=user.username, cookie=cookie, csrf=csrf)


def _learner_users(exclude: set[int], n: int):
    users = (
        get_user_model()
        .objects.filter(staff__isnull=False, is_active=True, role_assignments__role=Role.LEARNER)
        .exclude(pk__in=exclude)
        .exclude(username__startswith="demo_")
        .order_by("pk")[:n]
    )
    return list(users)


def fixtures_make(
    *, learners: int = 40, starters: int = 300, answerers: int = 100, window: int = 0
) -> Fixtures:
    """Sessions and open attempts for a run; pools are cut from the staff in a fixed order."""
    fx = Fixtures()
    employment_basic = ModulePage.objects.live().get(slug="module-employment-basic")
    fx.module_url = employment_basic.url
    lesson = LessonPage.objects.live().child_of(employment_basic).order_by("path").first()
    fx.lesson_url = lesson.url
    exam = ExamPage.objects.live().child_of(employment_basic).first()
    fx.exam_url, fx.exam_id = exam.url, exam.pk
    fx.basic_exam_ids = [
        e.pk
        for e in ExamPage.objects.live().order_by("path")
        if ModulePage.objects.filter(pk=e.get_parent().pk, level=Level.BASIC).exists()
    ]
    fx.staff_total = Staff.objects.count()
    fx.units_total = OrgUnit.objects.count()

    used: set[int] = set()

    def take(n: int):
        users = _learner_users(used, n)
        used.update(u.pk for u in users)
        return users

    fx.learners = [login_for(u) for u in take(learners)]
    fx.starters = [login_for(u) for u in take(starters)]
    for user in take(answerers):
        Attempt.objects.filter(user=user, status=AttemptStatus.IN_PROGRESS).update(
            status=AttemptStatus.SUBMITTED
        )
        attempt = attempt_start(user=user, exam=exam, seed=user.pk)
        fx.answerers.append(
            OpenAttempt(
                login=login_for(user),
                attempt_id=attempt.pk,
                questions=[(e["q"], list(e["c"])) for e in attempt.paper],
            )
        )
    window_users = take(window)
    fx.window = [login_for(u) for u in window_users]
    # A sample signs in through the login form; scale logins share DEMO_PASSWORD, the demo city's
    # staff have none, so on XS the demo learner stands in.
    fx.window_password_users = [u.username for u in window_users if u.username.startswith("scale")][:20]
    if window and not fx.window_password_users:
        fx.window_password_users = ["demo_learner"] * 5

    manager_user = get_user_model().objects.filter(username="bench_manager").first()
    if manager_user is None:
        city = OrgUnit.objects.get(depth=1)
        manager_user = staff_create(username="bench_manager", name="市级主管", org_unit=city).user
        role_grant(user=manager_user, role=Role.MANAGER, org_unit=city)
    fx.manager = login_for(manager_user)
    connection.close()
    return fx


def starters_reset(fx: Fixtures) -> int:
    """Hand in the sittings the start scenario opened, so every start in the next cell is a real
    first start (draw, versions, insert) and not a resume."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE exams_attempt SET status = %s, submitted_at = now() WHERE status = %s AND user_id = ANY(%s)",
            [AttemptStatus.SUBMITTED, AttemptStatus.IN_PROGRESS, [s.user_id for s in fx.starters]],
        )
        count = cursor.rowcount
    connection.close()
    return count
