"""Uploads are served with range requests in embedded mode, and never as HTML."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_file(settings):
    root = Path(settings.MEDIA_ROOT)
    (root / "videos").mkdir(parents=True, exist_ok=True)
    path = root / "videos" / "课程.mp4"
    path.write_bytes(bytes(range(256)) * 40)  # 10 240 bytes
    return path


def test_whole_file_advertises_ranges(client, media_file):
    response = client.get("/media/videos/课程.mp4")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == media_file.read_bytes()


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=10200-99999", 10200, 10239),
    ],
)
def test_range_requests_return_partial_content(client, media_file, header, first, last):
    response = client.get("/media/videos/课程.mp4", HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/10240"
    body = b"".join(response.streaming_content)
    assert body == media_file.read_bytes()[first : last + 1]
    assert int(response["Content-Length"]) == len(body)


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=50-10", "bytes=-0", "items=0-1"])
def test_unsatisfiable_range_is_416(client, media_file, header):
    response = client.get("/media/videos/课程.mp4", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */10240"


def test_uploaded_html_is_not_served_as_html(client, settings):
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    (root / "evil.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/evil.html")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_path_traversal_and_missing_files_are_404(client, media_file):
    assert client.get("/media/../manage.py").status_code == 404
    assert client.get("/media/videos/none.mp4").status_code == 404
    assert client.post("/media/videos/课程.mp4").status_code == 405


def test_media_is_never_gzipped_so_ranges_stay_byte_exact(client, media_file):
    response = client.get("/media/videos/课程.mp4", HTTP_RANGE="bytes=0-", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 206
    assert response["Content-Encoding"] == "identity"
    assert response["Content-Length"] == "10240"
