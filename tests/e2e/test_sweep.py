"""The sweep (issue 17, "What each user sees"): every screen a role reaches, looked at in Chromium
at 360 px and 1280 px, in Chinese.

For each role (logged out, learner, trainer, senior trainer, manager, admin) the screens are
found, not listed: the links of the site menu as that role sees it, one live page of every Wagtail
page type, and, for those who may author, Wagtail's dashboard, page explorer and a page editor
plus every entry of the admin menu that is one of ours (our apps' snippets and admin views). A new
menu entry, page type or admin view is therefore swept without touching this file. A menu entry
or a link from it that answers 4xx to the role it is shown to is a finding too. What is looked
at on each screen is in tests/e2e/sweep.py. Every finding of every role is collected, then
reported at once: role, URL, width, what.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from wagtail.models import Page, get_page_models

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import CHROMIUM, log_in
from tests.e2e.sweep import NARROW, WIDE, Screen, Watcher, look
from tests.e2e.sweep_world import ROLES, build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"sweep skipped: no Chromium at {CHROMIUM}"),
]

# The apps whose admin screens are ours to answer for (Wagtail's own are swept only as far as
# the dashboard, the explorer and the editor, which every author lives in).
OUR_APPS = {"org", "notify", "accounts", "courses", "exams", "competency", "plans", "reports", "demo"}
OUR_MODULES = ("training.", "courses.", "exams.")
# Links followed from the menu screens, per role: enough for one of each shape on today's site,
# a bound on the time if a screen one day links many shapes.
MAX_FOLLOWED = 20
# After a resize, two frames: the layout, and what scripts redraw for the new width (Wagtail's
# sidebar opens at 1280 px), are then in place.
SETTLED_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _local(base: str, href: str) -> str | None:
    """The path (and query) of a link to this site; None for other sites and non-page links."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != base:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _menu_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("header nav a[href]", "links => links.map(a => a.href)")
    return [url for url in (_local(base, h) for h in hrefs) if url]


def _admin_menu_urls(page) -> list[str]:
    """Every URL of Wagtail's sidebar menu, submenus included, from the props the sidebar is
    drawn from (they hold the whole tree; the drawn sidebar only holds what is open)."""
    props = json.loads(page.text_content("#wagtail-sidebar-props"))
    urls: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str) and node.get("name"):
                urls.append(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    return list(dict.fromkeys(urls))


def _is_ours(url: str) -> bool:
    """An admin URL whose view comes from one of our apps, or that lists a model of ours (our
    snippets: Wagtail's view class, our model)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", match.func)
    if view.__module__.startswith(OUR_MODULES):
        return True
    model = (getattr(match.func, "view_initkwargs", None) or {}).get("model")
    if model is not None:
        return model._meta.app_label in OUR_APPS
    return match.kwargs.get("app_name") in OUR_APPS


def _page_type_screens() -> list[Screen]:
    """One live page of every page type; a page type with no live page in the world is itself a
    finding (the world must grow with the site)."""
    screens = []
    for model in get_page_models():
        if model is Page:
            continue
        one = model.objects.live().exact_type(model).order_by("path").first()
        label = f"page type {model.__name__}"
        screens.append(Screen(one.url if one else "", label))
    return screens


def _admin_screens(page, base: str, user) -> list[Screen]:
    if not user.has_perm("wagtailadmin.access_admin"):
        return []
    from courses.models import HomePage, ModulePage

    home = HomePage.objects.get()
    editable = next(
        (p for p in ModulePage.objects.live().order_by("path") if p.permissions_for_user(user).can_edit()),
        None,
    )
    screens = [
        Screen("/admin/", "admin dashboard", admin=True),
        Screen("/admin/pages/", "admin page explorer", admin=True),
        Screen(f"/admin/pages/{home.pk}/", "admin page explorer", admin=True),
    ]
    if editable is not None:
        screens.append(Screen(f"/admin/pages/{editable.pk}/edit/", "admin page editor", admin=True))
    page.goto(f"{base}/admin/")
    for url in _admin_menu_urls(page):
        if _is_ours(url):
            screens.append(Screen(url, "admin menu", admin=True))
    return screens


def _screens(page, base: str, user) -> list[Screen]:
    page.goto(f"{base}/")
    screens = [Screen(url, "menu", admin=url.startswith("/admin/")) for url in _menu_links(page, base)]
    screens += _page_type_screens()
    if user is not None:
        screens += _admin_screens(page, base, user)
    return screens


def _shape(url: str) -> str:
    """What a link is "of the same type" by: its path with the numbers and tokens taken out, so
    one person's page stands for every person's page."""
    path = urlsplit(url).path
    return re.sub(r"[A-Za-z0-9_-]{16,}", "*", re.sub(r"\d+", "#", path))


def _followable(url: str, page_urls: set[str]) -> bool:
    """A link worth a look of its own: a screen of ours that is neither a Wagtail page (those are
    swept by type) nor a file."""
    path = urlsplit(url).path
    return not (
        path in page_urls
        or path.startswith(("/admin/", "/media/", "/documents/", "/static/"))
        or "download" in path
        or "/pdf/" in path
        or re.search(r"\.[a-z0-9]{2,4}$", path)
    )


def _sweep(page, watcher, axe, base, screens, latin_data) -> dict[str, dict[str, list[str]]]:
    """Findings per URL, each with the widths it was seen at. Each screen is loaded at 360 px
    (where learners read, on their phones), looked at, then widened to 1280 px and looked at
    again. The links in the content of a menu screen are followed one step, one link of each
    shape (a plan's page, a person's page, a certificate's verification page). A screen that
    redirects to one already looked at (the login page, for a logged-out visitor) is looked at
    once."""
    findings: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    page_urls = {p.url for p in Page.objects.live().specific() if p.url}
    shapes = {_shape(screen.url) for screen in screens}
    looked_at: set[str] = set()
    followed = 0
    i = 0
    while i < len(screens):
        screen = screens[i]
        i += 1
        if not screen.url:
            findings[f"({screen.source})"]["no live page of this type in the world"] = []
            continue
        if screen.url in looked_at:
            continue
        page.set_viewport_size(NARROW)
        watcher.take()
        try:
            response = page.goto(f"{base}{screen.url}")
            page.wait_for_load_state("load")
        except PlaywrightError as error:
            if "Download is starting" not in str(error):  # a file, not a screen
                findings[screen.url][f"did not load: {str(error).splitlines()[0]}"] = []
            continue
        landed = _local(base, page.url) or page.url
        if landed in looked_at:
            continue
        looked_at.add(landed)
        where = screen.url if landed == screen.url else f"{screen.url} → {landed}"
        if response is None:
            findings[where]["no response"] = []
            continue
        if 400 <= response.status < 500 and not screen.source.startswith("page type"):
            # A link the role is shown but may not follow.
            findings[where][f"HTTP {response.status} for a screen the menu leads to ({screen.source})"] = []
        for size in (NARROW, WIDE):
            page.set_viewport_size(size)
            page.evaluate(SETTLED_JS)
            for finding in look(page, watcher, axe, screen, latin_data, narrow=size is NARROW):
                findings[where][finding].append(f"{size['width']}px")
        if screen.source == "menu" and not screen.admin:
            hrefs = page.eval_on_selector_all("main a[href]:not([download])", "as => as.map(a => a.href)")
            for url in (_local(base, h) for h in hrefs):
                if (
                    url
                    and _followable(url, page_urls)
                    and _shape(url) not in shapes
                    and followed < MAX_FOLLOWED
                ):
                    shapes.add(_shape(url))
                    screens.append(Screen(url, f"linked from {screen.url}"))
                    followed += 1
    return findings


def _report(found: dict[str, dict[str, dict[str, list[str]]]]) -> str:
    lines = []
    for role, screens in found.items():
        for url, findings in sorted(screens.items()):
            lines.append(f"[{role}] {url}")
            lines += [f"    - ({'+'.join(widths) or '-'}) {finding}" for finding, widths in findings.items()]
    return "\n".join(lines)


def test_every_screen_of_every_role_passes_the_sweep(live_server, chromium, axe, tmp_path):
    world = build_world(tmp_path)
    base = live_server.url
    found: dict[str, dict] = {}
    swept: dict[str, Counter] = {}
    for role in ROLES:
        user = world.users.get(role)
        context = chromium.new_context(viewport=WIDE, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            if user is not None:
                log_in(page, base, user.username)
            screens = _screens(page, base, user)
            watcher = Watcher(page)
            findings = _sweep(page, watcher, axe, base, screens, world.latin_data)
            page.goto("about:blank")
        finally:
            context.close()
        swept[role] = Counter(screen.source.split(" ")[0] for screen in screens)
        if findings:
            found[role] = findings
    # The sweep looks at something: every role has its menu and every page type, authors the admin.
    page_types = len(get_page_models()) - 1  # not Wagtail's own Page: the tree's root is no screen
    assert all(seen["menu"] >= 1 and seen["page"] == page_types for seen in swept.values()), swept
    assert all(swept[role]["admin"] >= 5 for role in ("trainer", "senior_trainer", "admin")), swept
    assert not found, f"the sweep found problems ({sum(map(len, found.values()))} screens):\n{_report(found)}"
