"""What every page shares: no template comment shows as text, and the site has an icon."""

import re
from pathlib import Path

from django.conf import settings

import pytest

pytestmark = pytest.mark.django_db

# Django's {# … #} ends on the line it starts; one left open shows as text on the page.
OPEN_COMMENT = re.compile(r"\{#(?!.*#\})")


def _template_files() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(settings.BASE_DIR) / app for app in ("courses", "exams", "training")]
    return sorted(
        path
        for root in roots
        for path in root.rglob("*")
        if path.suffix in (".html", ".txt", ".xml") and "templates" in path.parts
    )


def test_no_template_opens_a_comment_it_does_not_close_on_the_same_line():
    files = _template_files()
    assert len(files) > 50
    open_comments = [
        f"{path}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OPEN_COMMENT.search(line)
    ]
    assert open_comments == []


@pytest.mark.parametrize("path", ["/", "/no-such-page-未找到/", "/verify/not-a-token/"])
def test_pages_show_no_template_comment_text(client, people, path):
    client.force_login(people["trainer"].user)
    html = client.get(path, follow=True).content.decode()
    assert '<header class="top">' in html
    assert "{#" not in html and "#}" not in html


def test_the_404_page_for_a_visitor_shows_no_template_comment_text(client, db):
    response = client.get("/no-such-page-未找到/")
    assert response.status_code == 404
    assert "{#" not in response.content.decode()


def test_favicon_ico_is_an_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header


def test_every_page_names_its_icon(client, people):
    client.force_login(people["learner"].user)
    assert 'rel="icon"' in client.get("/").content.decode()
