"""Uploads are checked by content, size-limited and never served as HTML — through the real admin
views (Wagtail images and documents, wagtailmedia videos, question and roster imports) with real
files made here: PNG/JPEG by Pillow, a video by PyAV, workbooks by openpyxl, a PDF by ReportLab."""

import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from openpyxl import Workbook
from PIL import Image as PILImage

from courses.models import LessonVideo
from courses.video_processing import generate_demo_video
from tests import factories

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def _image(fmt: str = "PNG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, (179, 38, 30)).save(out, fmt)
    return out.getvalue()


def _xlsx(rows=(("题型", "题干"), ("单选", "失业保险金申领需要哪项材料？"))) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _junk_zip(names=("[Content_Types].xml", "xl/workbook.xml")) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "不是 XML 的内容 <<<")
    return out.getvalue()


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Station Academy")
    page.save()
    return out.getvalue()


@pytest.fixture
def admin_client(client, people):
    client.force_login(people["admin"].user)
    return client


def _errors(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return response.content.decode()


# --- images (Wagtail: Willow checks the format, Pillow verifies and decodes) ---------------------


@pytest.mark.parametrize(("name", "data"), [("窗口.png", _image("PNG")), ("窗口.jpg", _image("JPEG"))])
def test_real_images_are_accepted(admin_client, name, data):
    from wagtail.images.models import Image

    response = admin_client.post(
        "/admin/images/add/", {"title": "窗口照片", "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, _errors(response)[:2000]
    assert Image.objects.get(title="窗口照片").width == 40


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("伪装.png", HTML),  # an HTML page renamed .png
        ("伪装.png", SVG),  # an SVG with script renamed .png
        ("截断.png", _image("PNG", (200, 200))[:300]),  # a real PNG cut short
        ("截断.jpg", _image("JPEG", (200, 200))[:400]),
    ],
)
def test_disguised_or_damaged_images_are_refused_naming_the_file(admin_client, name, data):
    from wagtail.images.models import Image

    page = _errors(
        admin_client.post("/admin/images/add/", {"title": "坏图", "file": SimpleUploadedFile(name, data)})
    )
    assert f"“{name}”" in page
    assert not Image.objects.exists()


def test_svg_and_html_extensions_are_refused(admin_client):
    from wagtail.images.models import Image

    for name, data in (("图.svg", SVG), ("页.html", HTML)):
        page = _errors(
            admin_client.post("/admin/images/add/", {"title": "x", "file": SimpleUploadedFile(name, data)})
        )
        assert f"“{name}”" in page
    assert not Image.objects.exists()


def test_oversize_image_is_refused(admin_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1000
    page = _errors(
        admin_client.post(
            "/admin/images/add/",
            {"title": "大图", "file": SimpleUploadedFile("大图.png", _image(size=(300, 300)) + b"\0" * 2000)},
        )
    )
    assert "“大图.png”" in page


# --- documents (Wagtail: extension allowlist; content must match; served as attachment) ------


def test_documents_are_checked_by_content(admin_client, settings):
    from wagtail.documents.models import Document

    good = {"办事指南.pdf": _pdf(), "材料清单.xlsx": _xlsx()}
    for name, data in good.items():
        response = admin_client.post(
            "/admin/documents/add/", {"title": name, "file": SimpleUploadedFile(name, data)}
        )
        assert response.status_code == 302, _errors(response)[:2000]
    bad = {
        "申请表.pdf": HTML,  # HTML named .pdf
        "登记表.docx": _junk_zip(["word/document.xml"]),  # a zip, but not a Word package
        "花名册.xlsx": _junk_zip(["readme.txt"]),
        "旧表格.xls": _xlsx(),  # an .xlsx renamed .xls
        "说明.txt": b"\x00\x01\x02binary",
    }
    for name, data in bad.items():
        page = _errors(
            admin_client.post(
                "/admin/documents/add/", {"title": name, "file": SimpleUploadedFile(name, data)}
            )
        )
        assert f"“{name}”" in page and "与其扩展名不符" in page, name
    for name, data in (("页面.html", HTML), ("图.svg", SVG), ("压缩包.zip", _junk_zip())):
        page = _errors(
            admin_client.post(
                "/admin/documents/add/", {"title": name, "file": SimpleUploadedFile(name, data)}
            )
        )
        assert f"“{name}”" in page, name
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 1000
    page = _errors(
        admin_client.post(
            "/admin/documents/add/",
            {"title": "大", "file": SimpleUploadedFile("大.pdf", _pdf() + b" " * 2000)},
        )
    )
    assert "“大.pdf”" in page and "最大允许" in page
    assert sorted(Document.objects.values_list("title", flat=True)) == sorted(good)


def test_documents_are_served_as_downloads_never_as_html(admin_client, client):
    from wagtail.documents.models import Document

    for name, data in (("办事指南.pdf", _pdf()), ("材料清单.xlsx", _xlsx())):
        admin_client.post("/admin/documents/add/", {"title": name, "file": SimpleUploadedFile(name, data)})
    pdf, xlsx = Document.objects.get(title="办事指南.pdf"), Document.objects.get(title="材料清单.xlsx")

    response = client.get(pdf.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"

    response = client.get(xlsx.url)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"].startswith("sandbox;")
    # the file itself is not reachable under /media/, around the document view's privacy checks
    assert client.get(f"/media/{xlsx.file.name}").status_code == 404


# --- lesson videos (wagtailmedia: PyAV must decode a picture) ---------------------------------


def test_real_video_is_accepted_and_fakes_are_refused(admin_client, tmp_path, settings):
    video = tmp_path / "窗口受理.mp4"
    generate_demo_video(video, seconds=1, width=160, height=90, fps=5)
    area = factories.areas()["employment"].pk
    response = admin_client.post(
        "/admin/media/video/add/",
        {"title": "窗口受理", "area": area, "file": SimpleUploadedFile(video.name, video.read_bytes())},
    )
    assert response.status_code == 302, _errors(response)[:2000]
    assert LessonVideo.objects.get().title == "窗口受理"

    fakes = {"伪装视频.mp4": HTML, "截图.mp4": _image("PNG"), "空白.webm": b"\x1aE\xdf\xa3" + b"\0" * 500}
    for name, data in fakes.items():
        page = _errors(
            admin_client.post(
                "/admin/media/video/add/",
                {"title": name, "area": area, "file": SimpleUploadedFile(name, data)},
            )
        )
        assert f"文件“{name}”不是可以播放的视频" in page, name

    settings.VIDEO_MAX_UPLOAD_SIZE = 1000
    page = _errors(
        admin_client.post(
            "/admin/media/video/add/",
            {"title": "大", "area": area, "file": SimpleUploadedFile("大.mp4", video.read_bytes())},
        )
    )
    assert "“大.mp4”" in page and "最大允许" in page
    assert LessonVideo.objects.count() == 1


# --- spreadsheets and import files (question bank, roster): opened before the importer ------


def test_question_import_refuses_files_that_are_not_what_they_say(admin_client, people):
    from exams.models import Question

    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    cases = {
        "试题.xlsx": _junk_zip(),  # a zip with the right names and junk inside
        "伪装.xlsx": HTML,
        "空.xlsx": b"",
        "题库.gift": b"PK\x03\x04\x00\x00binary\x00\x00",
        "大.xlsx": b"PK" + b"\0" * (10 * 1024 * 1024 + 1),
    }
    for name, data in cases.items():
        page = _errors(
            admin_client.post(
                "/admin/question-import/", {"bank": bank.pk, "file": SimpleUploadedFile(name, data)}
            )
        )
        assert f"“{name}”" in page, name
    assert not Question.objects.filter(bank=bank).exists()


def test_question_import_still_takes_a_real_workbook(admin_client):
    from exams.formats import xlsx as xlsx_format

    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    page = _errors(
        admin_client.post(
            "/admin/question-import/",
            {"bank": bank.pk, "file": SimpleUploadedFile("模板.xlsx", xlsx_format.template())},
        )
    )
    assert "不是 Excel 工作簿" not in page  # past the upload check: the importer has read it


def test_roster_upload_refuses_a_zip_of_junk_and_a_bomb(admin_client, monkeypatch):
    # the real limit is 400 MB unpacked; a 1 MB limit keeps the bomb small to build
    monkeypatch.setattr("training.org.admin_views.MAX_UNZIPPED_BYTES", 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    for name, data in (("花名册.xlsx", _junk_zip()), ("炸弹.xlsx", bomb.getvalue())):
        page = _errors(admin_client.post("/admin/org/roster/", {"file": SimpleUploadedFile(name, data)}))
        assert f"文件“{name}”" in page, name
    assert "解压后超过" in page


# --- serving uploads in embedded mode ---------------------------------------------------------


@pytest.fixture
def media(settings):
    root = Path(settings.MEDIA_ROOT)
    for folder in ("original_images", "jobs", "documents", "media"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    return root


def test_media_never_serves_html_and_sandboxes_everything(client, media):
    (media / "original_images" / "窗口.png").write_bytes(_image())
    (media / "media" / "page.html").write_bytes(HTML)
    (media / "media" / "pic.svg").write_bytes(SVG)

    image = client.get("/media/original_images/窗口.png")
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"] == "inline"
    assert image["Content-Security-Policy"].startswith("sandbox;")
    assert image["X-Content-Type-Options"] == "nosniff"
    for url in ("/media/media/page.html", "/media/media/pic.svg"):
        response = client.get(url)
        assert response["Content-Type"] == "application/octet-stream", url
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert response["Content-Security-Policy"].startswith("sandbox;"), url


def test_media_does_not_serve_export_jobs_or_documents(client, media):
    (media / "jobs" / "staff-东湖区-2026-11-27.xlsx").write_bytes(_xlsx())
    (media / "documents" / "内部通知.pdf").write_bytes(_pdf())
    for url in (
        "/media/jobs/staff-东湖区-2026-11-27.xlsx",
        "/media/original_images/../jobs/staff-东湖区-2026-11-27.xlsx",
        "/media/documents/内部通知.pdf",
        "/media//jobs/staff-东湖区-2026-11-27.xlsx",
    ):
        assert client.get(url).status_code == 404, url
