"""The machinery of the permission matrix: find every URL pattern (Django's resolver, Wagtail's
page types and their sub-routes, the OpenAPI document), find its policy, build the requests and
compare the answers. The table itself is ``tests/security/policy.py``."""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

from .answers import Case, Rule

POLICY_FILE = "tests/security/policy.py"
TEXT_TYPES = ("text/", "application/json", "application/ld+json", "application/xml", "application/did+json")


@dataclass
class Target:
    """Something that answers requests: a URL pattern, a page type (or its sub-route), an API
    operation."""

    kind: str  # "url" | "page" | "api"
    key: str  # what the policy is keyed by
    route: str  # the full pattern, for messages
    view: str = ""
    name: str | None = None  # the qualified URL name, for reverse()
    params: list[str] = field(default_factory=list)  # named parameters
    positional: int = 0  # unnamed regex groups
    converters: dict = field(default_factory=dict)
    page_model: type | None = None
    subroute: str | None = None
    method: str | None = None  # for API operations

    def describe(self) -> str:
        if self.kind == "api":
            return f"API operation {self.key}"
        if self.kind == "page":
            return f"page type {self.key[5:]}"
        if self.name:
            return f"URL name {self.name} (pattern {self.route})"
        return f"URL pattern {self.route} (unnamed, view {self.view})"


# --- discovery -------------------------------------------------------------------------------------


def _pattern_params(pattern) -> tuple[list[str], int, dict]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters), 0, dict(pattern.converters)
    if isinstance(pattern, RegexPattern):
        named = list(pattern.regex.groupindex)
        return named, 0 if named else pattern.regex.groups, {}
    return [], 0, {}


NINJA_OPERATION = "ninja.operation."


def url_targets(*, include_api: bool = False) -> list[Target]:
    """Every URL pattern of the project, walking included resolvers and namespaces (the API's
    operations only with ``include_api``: they are checked from the OpenAPI document)."""
    found: list[Target] = []

    def walk(resolver, prefix: str, namespaces: tuple[str, ...], params, positional, converters):
        for entry in resolver.url_patterns:
            names, count, convs = _pattern_params(entry.pattern)
            all_params = params + names
            all_positional = positional + count
            all_converters = {**converters, **convs}
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = namespaces + ((entry.namespace,) if entry.namespace else ())
                walk(entry, route, ns, all_params, all_positional, all_converters)
            elif isinstance(entry, URLPattern):
                callback = entry.callback
                view = f"{getattr(callback, '__module__', '?')}.{getattr(callback, '__qualname__', '?')}"
                name = ":".join((*namespaces, entry.name)) if entry.name else None
                if view.startswith(NINJA_OPERATION) and not include_api:
                    continue  # an API operation: found, with its method, in the OpenAPI document
                found.append(
                    Target(
                        kind="url",
                        key=name or route,
                        route=route,
                        view=view,
                        name=name,
                        params=all_params,
                        positional=all_positional,
                        converters=all_converters,
                    )
                )

    walk(get_resolver(), "", (), [], 0, {})
    return found


def page_targets() -> list[Target]:
    """Every page type, and every sub-route of routable page types (``…/print/``)."""
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import get_page_models

    found = []
    for model in get_page_models():
        label = model._meta.label
        found.append(Target(kind="page", key=f"page:{label}", route=f"<{label} page>/", page_model=model))
        if issubclass(model, RoutablePageMixin):
            for sub in model.get_subpage_urls():
                if sub.name in ("index_route",) or str(sub.pattern) in ("", "^$"):
                    continue
                found.append(
                    Target(
                        kind="page",
                        key=f"page:{label}:{sub.name}",
                        route=f"<{label} page>/{sub.pattern}",
                        page_model=model,
                        subroute=sub.name,
                    )
                )
    return found


def api_targets() -> list[Target]:
    """Every operation of the JSON API, from its OpenAPI document."""
    from exams.api import api

    schema = api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        for method in operations:
            if method.lower() not in ("get", "post", "put", "patch", "delete"):
                continue
            key = f"{method.upper()} {path}"
            found.append(Target(kind="api", key=key, route=path, method=method.lower()))
    return found


def all_targets() -> list[Target]:
    return url_targets() + page_targets() + api_targets()


# --- the policy of a target -----------------------------------------------------------------------


def policy_for(target: Target, policy: dict, rules: list[Rule]) -> list[Case] | Rule | None:
    entry = policy.get(target.key)
    if entry is None and target.name:
        entry = policy.get(target.route)
    if entry is not None:
        return list(entry) if isinstance(entry, list | tuple) else [entry]
    if target.kind == "url":
        for rule in rules:
            if fnmatch.fnmatchcase(target.key, rule.glob):
                return rule
    return None


def missing_message(target: Target) -> str:
    where = {"api": "API operation", "page": "page type"}.get(target.kind)
    if where:
        return f"{target.describe()} has no policy entry {target.key!r} in {POLICY_FILE}"
    return f"{target.describe()} has no policy entry in {POLICY_FILE}"


# --- building URLs ------------------------------------------------------------------------------------

_CANDIDATES = ("1", "x", "video", "earliest", "latest", "live")


def _any_kwargs(target: Target) -> dict:
    """Values that fit the converters: 1 for numbers, "x" for the rest."""
    return {
        p: 1 if getattr(target.converters.get(p), "regex", "") == "[0-9]+" else "x" for p in target.params
    }


def url_for(target: Target, case: Case | None, world) -> str:
    """The path to request: the case's args (world refs resolved), or values that fit the pattern
    when any object will do (refusals before the view)."""
    if target.kind == "page":
        chosen = dict(case.args).get("page") if case is not None else None
        page = world.objects[chosen[1:]] if chosen else world.page_of(target.page_model)
        if page is None:
            raise LookupError(
                f"{target.describe()} has no page of its type in the fixture world (tests/security/world.py)"
            )
        path = page.url
        if target.subroute:
            path += page.reverse_subpage(target.subroute)
        return path
    if target.kind == "api":
        path = target.route
        for key, value in dict(case.args).items():
            path = path.replace("{" + key + "}", str(world.ref(value)))
        return path
    if case is not None and case.url:
        return case.url
    if not target.name:
        if target.params or target.positional:
            raise LookupError(f"{target.describe()} needs a literal url in its policy entry")
        return "/" + target.route
    if case is not None and (case.args or not (target.params or target.positional)):
        args = case.args
        if isinstance(args, dict):
            return reverse(target.name, kwargs={k: world.ref(v) for k, v in args.items()})
        return reverse(target.name, args=[world.ref(v) for v in args])
    if case is not None and not case.args and (target.params or target.positional):
        raise LookupError(f"{target.describe()} takes parameters: give args in its policy entry")
    # Any values that fit.
    if target.positional:
        for combo in itertools.product(_CANDIDATES, repeat=target.positional):
            try:
                return reverse(target.name, args=list(combo))
            except NoReverseMatch:
                continue
    try:
        return reverse(target.name, kwargs=_any_kwargs(target))
    except NoReverseMatch:
        for combo in itertools.product(_CANDIDATES, repeat=len(target.params)):
            try:
                return reverse(target.name, kwargs=dict(zip(target.params, combo, strict=True)))
            except NoReverseMatch:
                continue
    raise LookupError(f"{target.describe()}: no parameter values fit; give args in its policy entry")


def reaches(target: Target, path: str) -> bool:
    """Whether a built path resolves to this very pattern (two patterns may share a name)."""
    if target.kind != "url":
        return True
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return False
    # The resolver drops the "^" of regexes nested in a prefix; compare without any.
    return match.route.replace("^", "") == target.route.replace("^", "")


# --- side effects -------------------------------------------------------------------------------------

# Tables that a refused request may touch without changing anything that matters: sessions, and
# Wagtail's record of who has an edit form open (an edit form shown again with its errors).
_UNWATCHED = {"django_session", "wagtailadmin_editingsession"}


def _tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if t not in _UNWATCHED)


def _table_digest(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        rows = sorted(repr(row) for row in cursor.fetchall())
    return hashlib.blake2b("\n".join(rows).encode(), digest_size=16).hexdigest()


def table_digests(tables: list[str]) -> dict[str, str]:
    """A digest of every row of every table (the fixture world is small)."""
    return {t: _table_digest(t) for t in tables}


def rows_written() -> int | None:
    """How many rows this connection has inserted, updated or deleted so far (in this transaction
    on PostgreSQL): a cheap test of whether a request wrote anything, before the digests say
    what it changed."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
                " WHERE relname <> 'django_session'"
            )
        else:
            return None
        return int(cursor.fetchone()[0])


# --- requests -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    location: str
    text: str | None  # the body, when it is text
    error: str = ""
    changed: list[str] = field(default_factory=list)


def perform(client, method: str, path: str, *, query=None, data=None, body=None, baseline=None) -> Outcome:
    """One request, rolled back afterwards so that every request meets the same world. With a
    ``baseline`` (table → digest), the tables the request changed are listed before the rollback."""
    changed = []
    if query and method != "get":
        path = f"{path}?{urlencode(query, doseq=True)}"
    written = rows_written() if baseline is not None else None
    with transaction.atomic():
        if method == "get":
            response = client.get(path, data=query or None)
        elif body is not None:
            response = getattr(client, method)(path, data=json.dumps(body), content_type="application/json")
        else:
            response = getattr(client, method)(path, data=data or {})
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if baseline is not None and (written is None or rows_written() != written):
            changed = [t for t, digest in table_digests(list(baseline)).items() if digest != baseline[t]]
        transaction.set_rollback(True)
    location = response.get("Location", "") if response.status_code in (301, 302, 303, 307, 308) else ""
    ctype = response.get("Content-Type", "")
    text = content.decode("utf-8", "replace") if ctype.startswith(TEXT_TYPES) else None
    error = ""
    if response.status_code >= 500 and getattr(response, "exc_info", None):
        exc = response.exc_info[1]
        error = f"{type(exc).__name__}: {exc}"
    return Outcome(response.status_code, location, text, error, changed)


def roles_requested(entry, target: Target, role: str) -> bool:
    """Whether to request this rule-matched pattern for this role (see ``Rule``)."""
    if not isinstance(entry, Rule):
        return True
    answer = entry.answers.for_role(role)
    object_independent = answer.refusal and answer.location in ("/admin/login/", "/accounts/login/")
    return object_independent or not (target.params or target.positional)


# --- one role through the whole matrix ----------------------------------------------------------------


@dataclass
class RoleReport:
    requests: int = 0
    posts_refused: int = 0
    sampled_out: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def check_role(*, role: str, client, world, targets: list[Target], policy: dict, rules: list[Rule], relogin):
    """Send every request of the matrix as ``role``; collect every answer that differs from the
    policy, every secret shown out of reach, every refused write that changed the database.

    ``relogin()`` logs the role's client in again if a request ended its session (log out) and
    says whether it did; logging in writes (last_login), so the baseline is taken again."""
    report = RoleReport()
    baseline = table_digests(_tables())
    for target in targets:
        entry = policy_for(target, policy, rules)
        if entry is None:
            report.problems.append(missing_message(target))
            continue
        if isinstance(entry, Rule):
            requests = [(None, "get", entry.answers.for_role(role), None)]
            if not roles_requested(entry, target, role):
                report.sampled_out.append(target.key)
                continue
        else:
            requests = []
            for case in entry:
                try:
                    path = url_for(target, case, world) if case.methods() else None
                except (LookupError, KeyError, NoReverseMatch) as error:
                    report.problems.append(f"{target.describe()}: {error}")
                    continue
                # Two patterns may share a name: each takes the cases whose URL leads to it.
                if path is None or reaches(target, path):
                    requests += [
                        (case, method, roles.for_role(role), path) for method, roles in case.methods()
                    ]
            if not requests and any(case.methods() for case in entry):
                report.problems.append(
                    f"{target.describe()}: no case of its policy entry leads to this pattern"
                )
            if not any(case.methods() for case in entry) and not all(case.why for case in entry):
                report.problems.append(f"{target.describe()}: an entry that requests nothing must say why")
        for case, method, expected, path in requests:
            if path is None:
                try:
                    path = url_for(target, case, world)
                except (LookupError, KeyError, NoReverseMatch) as error:
                    report.problems.append(f"{target.describe()}: {error}")
                    continue
                if not reaches(target, path):
                    report.problems.append(f"{target.describe()}: {path} leads to another pattern")
                    continue
            query = {k: world.ref(v) for k, v in case.query.items()} if case else None
            data = {k: world.ref(v) for k, v in case.data.items()} if case else None
            body = {k: world.ref(v) for k, v in case.body.items()} if case and case.body is not None else None
            if target.kind == "api" and method != "get" and body is None:
                body = {}
            watch = method != "get" and (expected.refusal or (case is not None and role in case.unchanged))
            tick = time.perf_counter()
            outcome = perform(
                client, method, path, query=query, data=data, body=body, baseline=baseline if watch else None
            )
            report.timings[target.key] = report.timings.get(target.key, 0) + time.perf_counter() - tick
            report.requests += 1
            if relogin():
                baseline = table_digests(_tables())
            shown = f"{method.upper()} {path}{'?' + '&'.join(f'{k}={v}' for k, v in query.items()) if query else ''}"
            got = f"{outcome.status}{' → ' + outcome.location if outcome.location else ''}"
            report.seen.append(f"{target.key}\t{shown}\t{got}\texpected {expected}")
            if not expected.matches(outcome.status, outcome.location):
                report.problems.append(
                    f"{target.describe()}: {shown} as {role}: expected {expected}, got {got}"
                    + (f" ({outcome.error})" if outcome.error else "")
                )
            if watch:
                report.posts_refused += 1
                if outcome.changed:
                    report.problems.append(
                        f"{target.describe()}: {shown} as {role} must change nothing but changed "
                        + ", ".join(outcome.changed)
                    )
            if outcome.text and outcome.status < 300:
                allowed = set(case.leaks.get(role, ())) if case else set()
                for secret in world.secrets[role]:
                    if secret in outcome.text and secret not in allowed:
                        report.problems.append(
                            f"{target.describe()}: {shown} shows {role} data out of its reach: {secret}"
                        )
            if outcome.text is not None and case is not None:
                for hidden in case.hides.get(role, ()):
                    if str(world.ref(hidden)) in outcome.text:
                        report.problems.append(
                            f"{target.describe()}: {shown} shows {role} what its policy hides: {hidden}"
                        )
    return report
