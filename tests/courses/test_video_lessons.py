"""Video lessons: processing in the background, honest watch tracking, resume, scope."""

import datetime
import json

from django.core.files.base import ContentFile
from django.utils import timezone

from wagtail.models import Collection

import pytest

from courses.models import LessonProgress, LessonVideo, VideoLessonPage, VideoProgress, VideoViewing
from courses.services import LearningError, video_process, video_watch_record
from courses.tasks import video_process_task
from courses.video_processing import generate_demo_video
from tests import factories

pytestmark = pytest.mark.django_db


def _upload(tmp_path, *, seconds=20, height=270, name="lesson.mp4", data=None) -> LessonVideo:
    if data is None:
        path = tmp_path / name
        generate_demo_video(path, seconds=seconds, width=height * 16 // 9, height=height, fps=10)
        data = path.read_bytes()
    video = LessonVideo(title="失业保险金申领演示", type="video", collection=Collection.get_first_root_node())
    video.file.save(name, ContentFile(data), save=False)
    video.save()
    return video


@pytest.fixture
def lesson(tmp_path, people):
    video = video_process(video_id=_upload(tmp_path, seconds=100 // 5).pk)  # 20 s
    mod = factories.module(lessons=0)
    return factories.publish(mod, VideoLessonPage(title="视频课：窗口受理", slug="video", video=video))


def _viewing(user, page, seconds_ago=0):
    viewing = VideoViewing.objects.create(user=user, page=page)
    VideoViewing.objects.filter(pk=viewing.pk).update(
        last_report_at=timezone.now() - datetime.timedelta(seconds=seconds_ago)
    )
    viewing.refresh_from_db()
    return viewing


def test_processing_reads_duration_size_and_makes_poster(tmp_path, db):
    video = video_process_task.delay(video_id=_upload(tmp_path, seconds=6).pk)
    del video
    processed = LessonVideo.objects.get()
    assert processed.processing == "ready"
    assert abs(processed.duration - 6) < 0.3
    assert processed.width == 480 and processed.height == 270
    assert processed.size_bytes > 0
    assert processed.thumbnail.name.endswith(".jpg")


def test_processing_makes_a_low_rendition_for_large_videos(tmp_path, db):
    video = video_process(video_id=_upload(tmp_path, seconds=4, height=720).pk)
    assert video.low_file and video.low_size_bytes > 0
    assert video.height == 720


def test_processing_a_broken_upload_says_why(tmp_path, db):
    video = video_process(video_id=_upload(tmp_path, data="不是视频".encode()).pk)
    assert video.processing == "failed"
    assert video.processing_error


def test_watching_ninety_percent_completes_the_lesson(people, lesson):
    user = people["learner"].user
    viewing = _viewing(user, lesson, seconds_ago=12)
    video_watch_record(user=user, page=lesson, token=viewing.token, intervals=[(0, 10)], position=10)
    assert not LessonProgress.objects.filter(user=user, page=lesson, completed_at__isnull=False).exists()
    # another device, later: the rest of the video
    other = _viewing(user, lesson, seconds_ago=12)
    video_watch_record(user=user, page=lesson, token=other.token, intervals=[(8, 18.5)], position=18.5)
    progress = VideoProgress.objects.get(user=user, page=lesson)
    assert progress.intervals == [[0, 18.5]]
    assert LessonProgress.objects.filter(user=user, page=lesson, completed_at__isnull=False).exists()


def test_seeking_to_the_end_does_not_complete(people, lesson):
    user = people["learner"].user
    viewing = _viewing(user, lesson, seconds_ago=60)
    video_watch_record(user=user, page=lesson, token=viewing.token, intervals=[(0, 2), (17, 20)], position=20)
    progress = VideoProgress.objects.get(user=user, page=lesson)
    assert progress.watched_seconds == pytest.approx(5)
    assert progress.last_position == pytest.approx(20)
    assert not LessonProgress.objects.filter(user=user, page=lesson, completed_at__isnull=False).exists()


def test_report_claiming_more_than_elapsed_time_is_rejected_whole(people, lesson):
    user = people["learner"].user
    viewing = _viewing(user, lesson, seconds_ago=2)
    with pytest.raises(LearningError):
        video_watch_record(user=user, page=lesson, token=viewing.token, intervals=[(0, 20)], position=20)
    assert not VideoProgress.objects.filter(user=user, page=lesson).exists()
    viewing.refresh_from_db()
    assert viewing.rejected_reports == 1


def test_tampered_report_through_the_endpoint(client, people, lesson):
    user = people["learner"].user
    client.force_login(user)
    page = client.get(lesson.url)
    assert page.status_code == 200 and "data-viewing" in page.text
    token = VideoViewing.objects.filter(user=user, page=lesson).latest("pk").token
    url = f"/learn/video/{lesson.pk}/progress/"
    response = client.post(
        url,
        json.dumps({"viewing": token, "intervals": [[0, 20]], "position": 20}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert not LessonProgress.objects.filter(user=user, page=lesson, completed_at__isnull=False).exists()
    response = client.post(url, "not json", content_type="application/json")
    assert response.status_code == 400


def test_another_persons_viewing_token_is_not_accepted(client, people, lesson):
    owner = people["learner"].user
    viewing = _viewing(owner, lesson, seconds_ago=30)
    client.force_login(people["west_learner"].user)
    response = client.post(
        f"/learn/video/{lesson.pk}/progress/",
        json.dumps({"viewing": viewing.token, "intervals": [[0, 5]], "position": 5}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not VideoProgress.objects.exists()


def test_player_resumes_from_last_position_and_offers_sources(client, people, lesson):
    user = people["learner"].user
    viewing = _viewing(user, lesson, seconds_ago=30)
    video_watch_record(user=user, page=lesson, token=viewing.token, intervals=[(0, 7)], position=7)
    client.force_login(user)
    text = client.get(lesson.url).text
    assert 'data-resume="7.0"' in text
    assert lesson.video.file.url in text and "poster=" in text
    # the file itself seeks with range requests
    response = client.get(lesson.video.file.url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206


def test_unprocessed_video_says_it_is_being_prepared(client, people, tmp_path):
    video = _upload(tmp_path, seconds=2)
    mod = factories.module(lessons=0)
    page = factories.publish(mod, VideoLessonPage(title="视频课", slug="v", video=video))
    client.force_login(people["learner"].user)
    text = client.get(page.url).text
    assert "data-viewing" not in text
