"""Live sessions: sign-in only in the window with the right code, attendance, recording afterwards."""

import datetime

from django.utils import timezone

import pytest

from courses.models import LessonProgress, LiveAttendance, LiveSessionPage
from courses.services import LearningError, live_signin
from tests import factories

pytestmark = pytest.mark.django_db


def _session(*, starts_in_minutes: int, length_minutes: int = 60) -> LiveSessionPage:
    mod = factories.module(lessons=0)
    starts = timezone.now() + datetime.timedelta(minutes=starts_in_minutes)
    return factories.publish(
        mod,
        LiveSessionPage(
            title="直播：失业保险政策解读",
            slug="live",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=length_minutes),
            join_url="https://meeting.example.cn/j/1",
            signin_code="246810",
        ),
    )


def test_signin_during_the_session_counts_as_completion(people):
    page = _session(starts_in_minutes=-5)
    user = people["learner"].user
    live_signin(user=user, page=page, code=" 246810 ")
    assert LiveAttendance.objects.filter(user=user, page=page).exists()
    assert LessonProgress.objects.filter(user=user, page=page, completed_at__isnull=False).exists()
    live_signin(user=user, page=page, code="246810")  # twice is harmless
    assert LiveAttendance.objects.filter(user=user, page=page).count() == 1


@pytest.mark.parametrize("starts_in", [60, -120])
def test_signin_outside_the_window_is_refused(people, starts_in):
    page = _session(starts_in_minutes=starts_in)
    with pytest.raises(LearningError):
        live_signin(user=people["learner"].user, page=page, code="246810")
    assert not LiveAttendance.objects.exists()


def test_signin_opens_a_few_minutes_early(people):
    page = _session(starts_in_minutes=5)
    live_signin(user=people["learner"].user, page=page, code="246810")
    assert LiveAttendance.objects.count() == 1


def test_wrong_code_is_refused(people):
    page = _session(starts_in_minutes=-5)
    with pytest.raises(LearningError):
        live_signin(user=people["learner"].user, page=page, code="000000")


def test_signin_form_on_the_page(client, people):
    page = _session(starts_in_minutes=-5)
    client.force_login(people["learner"].user)
    assert 'name="code"' in client.get(page.url).text
    response = client.post(page.url, {"code": "246810"}, follow=True)
    assert "已签到" in response.text
    response = client.post(page.url, {"code": "111111"}, follow=True)
    assert LiveAttendance.objects.count() == 1


def test_after_the_session_the_recording_is_offered(client, people, tmp_path):
    from courses.services import video_process
    from tests.courses.test_video_lessons import _upload

    page = _session(starts_in_minutes=-180)
    page.recording = video_process(video_id=_upload(tmp_path, seconds=3).pk)
    page.save_revision().publish()
    client.force_login(people["learner"].user)
    text = client.get(page.url).text
    assert 'name="code"' not in text
    assert "data-viewing" in text


def test_attendance_list_scope(client, people):
    page = _session(starts_in_minutes=-5)
    live_signin(user=people["learner"].user, page=page, code="246810")
    live_signin(user=people["west_learner"].user, page=page, code="246810")
    url = f"/learn/live/{page.pk}/attendance/"
    client.force_login(people["trainer"].user)
    text = client.get(url).text
    assert "张小明" in text and "李四" in text
    client.force_login(people["manager"].user)
    text = client.get(url).text
    assert "张小明" in text and "李四" not in text
    client.force_login(people["learner"].user)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
