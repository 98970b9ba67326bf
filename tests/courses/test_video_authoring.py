"""Lesson videos have a business area: trainers upload, replace and delete the videos of their
areas in the Wagtail admin, and choose among them in a lesson's form; administrators act on all."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from courses.models import LessonVideo, VideoLessonPage
from courses.services import videos_queue_pending
from courses.video_processing import generate_demo_video
from tests import factories
from training.org.services import role_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    return factories.areas()


@pytest.fixture
def trainer(tree, areas):
    """A trainer of 就业服务 only."""
    person = factories.staff(org_unit=tree["city"], name="林培训")
    role_grant(user=person.user, role="trainer", areas=[areas["employment"]])
    return person.user


@pytest.fixture
def mp4(tmp_path) -> bytes:
    path = tmp_path / "窗口受理.mp4"
    generate_demo_video(path, seconds=1, width=160, height=90, fps=5)
    return path.read_bytes()


def _video(title: str, area) -> LessonVideo:
    return factories.lesson_video(title=title, area=area)


def test_trainer_uploads_a_video_of_their_area_and_it_is_processed(
    client, trainer, areas, mp4, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    form = client.get("/admin/media/video/add/")
    assert form.status_code == 200
    assert "就业服务" in form.text and "城乡居民养老保险" not in form.text  # only their areas offered

    refused = client.post(
        "/admin/media/video/add/",
        {"title": "养老金测算", "area": areas["pension"].pk, "file": SimpleUploadedFile("a.mp4", mp4)},
    )
    assert refused.status_code == 200 and not LessonVideo.objects.exists()

    response = client.post(
        "/admin/media/video/add/",
        {
            "title": "失业登记窗口受理",
            "area": areas["employment"].pk,
            "file": SimpleUploadedFile("b.mp4", mp4),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/admin/media/"
    video = LessonVideo.objects.get()
    assert (video.title, video.area, video.uploaded_by_user) == (
        "失业登记窗口受理",
        areas["employment"],
        trainer,
    )
    assert video.processing == LessonVideo.Processing.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert videos_queue_pending() == 1  # the beat job; tasks run inline in tests
    video.refresh_from_db()
    assert video.processing == LessonVideo.Processing.READY and video.duration > 0


def test_trainer_replaces_and_deletes_videos_of_their_area_only(client, trainer, areas, mp4):
    mine = _video("窗口受理演示", areas["employment"])
    LessonVideo.objects.filter(pk=mine.pk).update(processing=LessonVideo.Processing.READY)
    other = _video("养老金测算演示", areas["pension"])
    client.force_login(trainer)

    assert client.get(f"/admin/media/edit/{mine.pk}/").status_code == 200
    response = client.post(
        f"/admin/media/edit/{mine.pk}/",
        {
            "title": "窗口受理（新版）",
            "area": areas["employment"].pk,
            "file": SimpleUploadedFile("新.mp4", mp4),
        },
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "窗口受理（新版）"
    assert mine.processing == LessonVideo.Processing.PENDING  # the new file is processed again

    # Refused as Wagtail refuses an admin screen: back to the dashboard, with its message.
    def refused(response):
        return response.status_code == 302 and response["Location"] == "/admin/"

    for url in (f"/admin/media/edit/{other.pk}/", f"/admin/media/delete/{other.pk}/"):
        assert refused(client.get(url)), url
    assert refused(client.post(f"/admin/media/delete/{other.pk}/"))
    assert refused(client.post(f"/admin/media/edit/{other.pk}/", {"title": "改名"}))
    other.refresh_from_db()
    assert other.title == "养老金测算演示"

    assert client.post(f"/admin/media/delete/{mine.pk}/").status_code == 302
    assert list(LessonVideo.objects.all()) == [other]


def test_the_lesson_video_chooser_lists_the_trainers_areas_only(client, trainer, areas, people):
    mine = _video("窗口受理演示", areas["employment"])
    other = _video("养老金测算演示", areas["pension"])
    client.force_login(trainer)
    html = json.loads(client.get("/admin/media/chooser/video/").content)["html"]
    assert "窗口受理演示" in html and "养老金测算演示" not in html
    assert client.get(f"/admin/media/chooser/{mine.pk}/").status_code == 200
    assert (
        client.get(
            f"/admin/media/chooser/{other.pk}/", headers={"x-requested-with": "XMLHttpRequest"}
        ).status_code
        == 403
    )

    client.force_login(people["admin"].user)
    html = json.loads(client.get("/admin/media/chooser/video/").content)["html"]
    assert "窗口受理演示" in html and "养老金测算演示" in html


def test_a_video_lesson_takes_only_a_video_of_the_trainers_areas(client, trainer, areas):
    module = factories.module(area_code="employment", lessons=0)
    mine = _video("窗口受理演示", areas["employment"])
    other = _video("养老金测算演示", areas["pension"])
    client.force_login(trainer)
    url = f"/admin/pages/add/courses/videolessonpage/{module.pk}/"
    form = client.get(url)
    assert form.status_code == 200 and "media-chooser" in form.text  # the chooser, with its upload tab

    def create(video, slug):
        return client.post(
            url,
            {"title": "视频课：窗口受理", "slug": slug, "video": video.pk, "summary": "", "body-count": 0},
        )

    assert create(other, "v-other").status_code == 200  # the form again, with the error
    assert not VideoLessonPage.objects.exists()
    assert create(mine, "v-mine").status_code == 302
    assert VideoLessonPage.objects.get().video == mine
