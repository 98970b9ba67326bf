"""The permission matrix (权限矩阵): every URL pattern, page type and API operation of the site,
found from Django's URL resolver, Wagtail's page models and the OpenAPI document, requested as
each role and checked against the one declared policy table, ``tests/security/policy.py``.

A view without a policy entry fails here, naming itself. Every request is rolled back, so each
meets the same fixture world; a refused write must leave every table as it was; no answer may
show a role personal data out of its reach.

``MATRIX_RECORD=/tmp/matrix`` writes every request, its answer and its time per role to
``/tmp/matrix.<role>``, for writing a new entry from what a view does (then judge it: never copy
a wrong answer into the policy)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

import pytest

from . import matrix
from .answers import DENIED, MANAGERS, PUBLIC, REDIRECT, ROLES, SIGNED_IN, Roles, view
from .policy import POLICY, RULES
from .world import LEARNER_NAME, build

pytestmark = pytest.mark.django_db

SUMMARY = Path(settings.BASE_DIR) / "var" / "security" / "permission-matrix.json"
_figures: dict = {}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole module, built once inside a transaction rolled back at the end."""
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)), transaction.atomic():
        started, cpu = time.perf_counter(), time.process_time()
        built = build()
        built.media_root = str(media)
        _figures["world_seconds"] = round(time.perf_counter() - started, 1)
        _figures["world_cpu_seconds"] = round(time.process_time() - cpu, 1)
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_root(world, settings):
    """The world's files (videos, job results) stay where they were written."""
    settings.MEDIA_ROOT = world.media_root


@pytest.fixture(scope="module")
def targets():
    return matrix.all_targets()


def test_every_url_page_type_and_api_operation_has_a_policy(targets):
    missing = [matrix.missing_message(t) for t in targets if matrix.policy_for(t, POLICY, RULES) is None]
    assert not missing, "\n".join(missing)


def test_every_api_url_is_an_operation_of_the_openapi_document():
    """The resolver's API patterns are checked through the OpenAPI document, so none may hide
    from it (an operation left out of the schema would escape the matrix)."""
    documented = {t.route.removeprefix("/") for t in matrix.api_targets()}
    for target in matrix.url_targets(include_api=True):
        if target.view.startswith(matrix.NINJA_OPERATION):
            route = target.route
            for param in target.params:
                route = route.replace(f"<{param}>", "{" + param + "}")
            assert route in documented, f"{target.describe()} is not in the OpenAPI document"


def test_policy_names_nothing_that_does_not_exist(targets):
    keys = {t.key for t in targets} | {t.route for t in targets}
    stale = [key for key in POLICY if key not in keys]
    assert not stale, f"policy entries for URLs that no longer exist: {stale}"
    unused = [r.glob for r in RULES if not any(matrix.policy_for(t, POLICY, [r]) is r for t in targets)]
    assert not unused, f"rules that match no URL: {unused}"


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, world, targets, caplog):
    client = Client(raise_request_exception=False)
    user = world.users[role]

    def login():
        if user is not None:
            client.force_login(user)
        return client.cookies.get(settings.SESSION_COOKIE_NAME)

    session = {"cookie": login()}

    def relogin() -> bool:
        """Start each request with only the role's session cookie (a language or a message
        cookie from the last answer must not change the next); log in again after a log out."""
        for name in list(client.cookies):
            if name != settings.SESSION_COOKIE_NAME:
                del client.cookies[name]
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if user is not None and (cookie is None or cookie.value != session["cookie"].value):
            session["cookie"] = login()
            return True
        return False

    started, cpu = time.perf_counter(), time.process_time()
    with caplog.at_level(logging.CRITICAL, logger="django.request"):
        report = matrix.check_role(
            role=role,
            client=client,
            world=world,
            targets=targets,
            policy=POLICY,
            rules=RULES,
            relogin=relogin,
        )
    _figures[role] = {
        "requests": report.requests,
        "refused_writes_checked": report.posts_refused,
        "sampled_out": len(report.sampled_out),
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }
    if record := os.environ.get("MATRIX_RECORD"):
        Path(record).parent.mkdir(parents=True, exist_ok=True)
        with open(f"{record}.{role}", "w") as out:
            out.write("\n".join(report.seen + ["", "PROBLEMS"] + report.problems))
            slow = sorted(report.timings.items(), key=lambda kv: -kv[1])
            out.write("\n\nTIMINGS\n" + "\n".join(f"{v:.3f}\t{k}" for k, v in slow))
    assert not report.problems, f"{len(report.problems)} problems as {role}:\n" + "\n".join(report.problems)


def _client_as(world, role):
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def test_the_matrix_catches_a_missing_entry_a_wrong_answer_a_write_and_a_leak(world, targets):
    """The checker itself, with faults put into a small policy and world: each must be reported."""
    subset = [t for t in targets if t.key in ("healthz", "notify:read_all", "reports:person")]
    policy = {
        "healthz": view(Roles.all(DENIED)),  # wrong: it is public
        "notify:read_all": view(post=SIGNED_IN.but(learner=REDIRECT), unchanged=("learner",)),
        # reports:person has no entry
    }
    report = matrix.check_role(
        role="learner",
        client=_client_as(world, "learner"),
        world=world,
        targets=subset,
        policy=policy,
        rules=[],
        relogin=lambda: False,
    )
    assert sorted(report.problems) == [
        "URL name healthz (pattern healthz/): GET /healthz/ as learner: expected 403, got 200",
        "URL name notify:read_all (pattern notifications/read-all/): POST /notifications/read-all/ as "
        "learner must change nothing but changed notify_notification",
        "URL name reports:person (pattern manage/dashboard/people/<int:staff_id>/) has no policy entry in "
        "tests/security/policy.py",
    ]

    # The manager may see 甄在此's card; with that name declared out of reach, the card leaks it.
    strict = dataclasses.replace(world, secrets={**world.secrets, "manager": (LEARNER_NAME,)})
    report = matrix.check_role(
        role="manager",
        client=_client_as(world, "manager"),
        world=strict,
        targets=[t for t in subset if t.key == "reports:person"],
        policy={"reports:person": view(MANAGERS, args={"staff_id": "@learner"})},
        rules=[],
        relogin=lambda: False,
    )
    assert len(report.problems) == 1
    assert f"shows manager data out of its reach: {LEARNER_NAME}" in report.problems[0]


def test_the_matrix_catches_what_a_policy_hides(world, targets):
    """``hides=``: a string the answer must not show that role (an answer key), though others may."""
    report = matrix.check_role(
        role="learner",
        client=_client_as(world, "learner"),
        world=world,
        targets=[t for t in targets if t.key == "healthz"],
        policy={"healthz": view(PUBLIC, hides={"learner": ('"ok"',)})},
        rules=[],
        relogin=lambda: False,
    )
    assert report.problems == [
        'URL name healthz (pattern healthz/): GET /healthz/ shows learner what its policy hides: "ok"'
    ]


def test_site_history_is_offered_to_administrators_only(world):
    """The menu follows the answer (training/org/wagtail_hooks.py): no link a trainer cannot use."""
    assert "/admin/reports/site-history/" not in _client_as(world, "trainer").get("/admin/").text
    assert "/admin/reports/site-history/" in _client_as(world, "admin").get("/admin/").text


SECURITY_MD = Path(settings.BASE_DIR) / "SECURITY.md"
DOCUMENTED = {  # SECURITY.md's figures table: its label → the figure's name here
    "URL patterns found by the resolver (API excluded)": "url_patterns",
    "page types and routable sub-pages": "page_types_and_routes",
    "API operations from the OpenAPI document": "api_operations",
    "roles": "roles",
}


def _documented_figures() -> dict[str, int]:
    """The figures SECURITY.md states for the matrix, read from its table."""
    found = {}
    for line in SECURITY_MD.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] in DOCUMENTED:
            found[DOCUMENTED[cells[0]]] = int(cells[1].replace(" ", ""))
    return found


def test_figures(targets):
    """The figures of the run, for SECURITY.md (var/security/permission-matrix.json), checked: the
    matrix finds every kind of target, and never fewer than SECURITY.md says it covers (fewer
    means patterns escaped the resolver walk, page models or OpenAPI document); six roles."""
    kinds = {k: sum(1 for t in targets if t.kind == k) for k in ("url", "page", "api")}
    assert sum(kinds.values()) == len(targets), "a target of an unknown kind is never counted"
    figures = {
        "url_patterns": kinds["url"],
        "page_types_and_routes": kinds["page"],
        "api_operations": kinds["api"],
        "roles": len(ROLES),
        "requests": sum(_figures.get(r, {}).get("requests", 0) for r in ROLES),
        **_figures,
    }
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(json.dumps(figures, ensure_ascii=False))  # noqa: T201
    documented = _documented_figures()
    assert set(documented) == set(DOCUMENTED.values()), "SECURITY.md's figures table lost a line"
    assert figures["roles"] == documented["roles"] == 6
    for name in ("url_patterns", "page_types_and_routes", "api_operations"):
        assert figures[name] >= documented[name] > 0, (name, figures[name], documented[name])
