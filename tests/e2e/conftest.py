import os
import shutil

import pytest

from tests import factories

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# What browser_page launches with, for the module-wide browser below.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True, scope="session")
def _media_served_by_the_product():
    """Django's live server answers /media/ itself, without range requests; let the product's own
    media view answer instead, as it does under gunicorn in embedded mode."""
    import django.test.testcases as testcases

    original = testcases._MediaFilesHandler
    testcases._MediaFilesHandler = lambda application: application
    yield
    testcases._MediaFilesHandler = original


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        # Leave the page first: its last watch report (sendBeacon on pagehide) is then answered
        # while the test still owns the database, not during teardown.
        page.goto("about:blank")
        page.wait_for_timeout(500)
        context.close()
        browser.close()


@pytest.fixture
def chromium():
    """One browser for a test (the sweep opens a context of its own per role). Function-scoped so
    that it starts after the test's database (pytest-django's autouse live-server fixture sets that
    up first): Playwright's sync API runs an event loop, Django's connections made while it runs
    are other objects than the one the test database was set up with, and a database set up after
    it found nothing to restore (serialized_rollback) after an earlier test's flush. It asks for no
    database itself: a test without one must not flush what the next test restores."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe():
    """axe-core's source, checksum checked (tests/e2e/vendor/README.md)."""
    from tests.e2e.sweep import axe_source

    return axe_source()


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{base}/"


def open_menu(page):
    """On a phone the header's links sit behind one button (菜单); press it if it is there."""
    summary = page.locator("header.top details.menu > summary")
    if summary.count() and summary.is_visible():
        summary.click()
