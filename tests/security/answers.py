"""The vocabulary of the policy table: what a role may expect as the answer to a request, and the
entries that say it per URL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

ROLES = ("anonymous", "learner", "trainer", "other_manager", "manager", "admin")


@dataclass(frozen=True)
class Answer:
    """One expected answer. ``refusal`` answers must leave the database as it was."""

    label: str
    statuses: tuple[int, ...]
    location: str | None = None  # the redirect must go here (a prefix), or elsewhere if "!"-prefixed
    refusal: bool = False

    def matches(self, status: int, location: str) -> bool:
        if status not in self.statuses:
            return False
        if self.location is None:
            return True
        if self.location.startswith("!"):
            return not any(location.startswith(p) for p in self.location[1:].split("|"))
        if self.location.endswith("$"):
            return location == self.location[:-1]
        return location.startswith(self.location)

    def __str__(self) -> str:
        return self.label


OK = Answer("200 ok", (200,))
NO_CONTENT = Answer("204 no content", (204,))
PARTIAL = Answer("206 range", (206,))
LOGIN = Answer("→ login", (302,), "/accounts/login/", refusal=True)
ADMIN_LOGIN = Answer("→ admin login", (302,), "/admin/login/", refusal=True)
LOGGED_OUT = Answer("→ admin login (logged out)", (302,), "/admin/login/")
# Wagtail's "Sorry, you do not have permission": back to the admin dashboard.
ADMIN_DENIED = Answer("→ admin home (denied)", (302,), "/admin/$", refusal=True)
REDIRECT = Answer("302 redirect", (301, 302, 303), "!/accounts/login/|/admin/login/")
DENIED = Answer("403", (403,), refusal=True)
HIDDEN = Answer("404", (404,), refusal=True)
NOT_ALLOWED = Answer("405", (405,), refusal=True)
UNAUTHORIZED = Answer("401", (401,), refusal=True)
BAD_REQUEST = Answer("400", (400,), refusal=True)
CONFLICT = Answer("409", (409,))


@dataclass(frozen=True)
class Roles:
    """The expected answer for each role, in the order of ``ROLES``."""

    anonymous: Answer
    learner: Answer
    trainer: Answer
    other_manager: Answer
    manager: Answer
    admin: Answer

    @classmethod
    def all(cls, answer: Answer) -> Roles:
        return cls(*(answer,) * len(ROLES))

    def but(self, **changes: Answer) -> Roles:
        return replace(self, **changes)

    def for_role(self, role: str) -> Answer:
        return getattr(self, role)


# Profiles most views follow.
PUBLIC = Roles.all(OK)
SIGNED_IN = Roles(LOGIN, OK, OK, OK, OK, OK)
# Managers' pages of their own subtree: learners and trainers refused, each manager sees their own.
MANAGERS = Roles(LOGIN, DENIED, DENIED, OK, OK, OK)
# An object of "this" subtree (东湖区): its manager and admins; the other subtree's manager: 404.
MANAGERS_HERE = MANAGERS.but(other_manager=HIDDEN)
MANAGERS_THERE = MANAGERS.but(manager=HIDDEN)
TRAINERS = Roles(LOGIN, DENIED, OK, DENIED, DENIED, OK)
# The learner's own record: everyone else is told it does not exist.
OWN = Roles(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
# A POST-only view fetched with GET.
POST_ONLY = Roles(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)
# The Wagtail admin: only logins with admin access (trainers, administrators) get in.
WAGTAIL = Roles(ADMIN_LOGIN, ADMIN_LOGIN, OK, ADMIN_LOGIN, ADMIN_LOGIN, OK)
WAGTAIL_ADMINS = WAGTAIL.but(trainer=ADMIN_DENIED)
# The API: session authentication, 401 without it.
API_SIGNED_IN = Roles(UNAUTHORIZED, OK, OK, OK, OK, OK)
API_OWN = Roles(UNAUTHORIZED, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN)


@dataclass(frozen=True)
class Case:
    """One request to make per role and the answers expected.

    ``get`` / ``post`` / ``put``: expected answers to that method (None: not sent). ``args`` fill
    the URL's parameters, ``query`` the query string, ``data`` the POST form (``body``: a JSON
    body); values ``"@key"`` name objects of the fixture world. ``leaks``: for a role, the
    personal data this view rightly shows it (by default nothing out of the role's reach may
    appear). ``hides``: for a role, what this very answer must not show it though others may (an
    answer key the reveal rule withholds: an explanation, a right/wrong mark, a feedback field;
    ``"@key"`` values allowed). ``why`` explains anything unusual — required when nothing is
    requested.
    """

    get: Roles | None = None
    post: Roles | None = None
    put: Roles | None = None
    args: dict[str, Any] | tuple = ()
    query: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    url: str | None = None  # a literal path, for patterns that cannot be reversed (catch-alls)
    leaks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unchanged: tuple[str, ...] = ()  # roles whose write must change nothing though not refused
    why: str = ""

    def methods(self):
        return [(m, getattr(self, m)) for m in ("get", "post", "put") if getattr(self, m) is not None]


def view(get: Roles | None = None, post: Roles | None = None, **kwargs) -> Case:
    return Case(get=get, post=post, **kwargs)


@dataclass(frozen=True)
class Rule:
    """Answers for every pattern whose name matches ``glob`` (Wagtail's own admin, by namespace).

    Every pattern matched is requested for every role whose answer does not depend on the object
    (the refusals before the view runs); the roles let in (``sampled``) are requested for the
    patterns without parameters, and for parametrised ones only where an exact entry samples
    them."""

    glob: str
    answers: Roles
    why: str = ""
