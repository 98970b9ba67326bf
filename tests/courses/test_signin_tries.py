"""Wrong sign-in codes of a live session: five per person and session in ten minutes, then 429
with the time to wait; the right code never counts; another person or session has its own tries."""

import datetime
import threading
import time

from django.utils import timezone

import pytest

from courses.models import LiveAttendance, LiveSessionPage
from courses.services import LearningError, SigninTooManyWrongCodes, live_signin
from courses.signin_tries import WINDOW_SECONDS, WRONG_CODE_LIMIT, signin_try_claim
from tests import factories

pytestmark = pytest.mark.django_db


def _session(mod=None, *, slug="live") -> LiveSessionPage:
    mod = mod or factories.module(lessons=0)
    starts = timezone.now() - datetime.timedelta(minutes=30)
    return factories.publish(
        mod,
        LiveSessionPage(
            title="直播：失业保险政策解读",
            slug=slug,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=120),
            join_url="https://meeting.example.cn/j/1",
            signin_code="246810",
        ),
    )


def _wrong(user, page, now, times=WRONG_CODE_LIMIT):
    for _ in range(times):
        with pytest.raises(LearningError) as refused:
            live_signin(user=user, page=page, code="签到码", now=now)
        assert not isinstance(refused.value, SigninTooManyWrongCodes)


def test_the_sixth_wrong_code_waits_for_the_oldest_to_be_ten_minutes_old(people):
    page = _session()
    user = people["learner"].user
    start = timezone.now()
    _wrong(user, page, start - datetime.timedelta(seconds=450), times=1)
    _wrong(user, page, start, times=WRONG_CODE_LIMIT - 1)
    with pytest.raises(SigninTooManyWrongCodes) as refused:
        live_signin(user=user, page=page, code="246810", now=start)  # even the right code waits
    assert refused.value.wait_seconds == WINDOW_SECONDS - 450
    assert str(refused.value) == "签到码错误次数过多，请 2 分 30 秒后再试。"
    assert not LiveAttendance.objects.exists()


def test_tries_older_than_ten_minutes_no_longer_count(people):
    page = _session()
    user = people["learner"].user
    # five wrong codes 599 s ago: their entries end one second from now
    _wrong(user, page, timezone.now() - datetime.timedelta(seconds=WINDOW_SECONDS - 1))
    with pytest.raises(SigninTooManyWrongCodes) as refused:
        live_signin(user=user, page=page, code="246810")
    assert refused.value.wait_seconds == 1
    assert str(refused.value) == "签到码错误次数过多，请 1 秒后再试。"
    time.sleep(1.2)
    live_signin(user=user, page=page, code="246810")
    assert LiveAttendance.objects.filter(user=user, page=page).count() == 1


def test_right_codes_do_not_count_and_others_have_their_own_tries(people):
    mod = factories.module(lessons=0)
    page, other_page = _session(mod), _session(mod, slug="live-2")
    user, other = people["learner"].user, people["west_learner"].user
    for _ in range(WRONG_CODE_LIMIT + 2):
        live_signin(user=user, page=page, code="246810")
    _wrong(user, page, timezone.now(), times=WRONG_CODE_LIMIT - 1)
    live_signin(user=user, page=page, code="246810")  # the fifth try, right: still allowed
    _wrong(user, page, timezone.now(), times=1)
    with pytest.raises(SigninTooManyWrongCodes):
        live_signin(user=user, page=page, code="246810")
    live_signin(user=other, page=page, code="246810")  # another person
    live_signin(user=user, page=other_page, code="246810")  # another session
    assert LiveAttendance.objects.count() == 3


def test_parallel_tries_never_get_more_than_five_slots(people):
    page = _session()
    user = people["learner"].user
    granted, now = [], time.time()

    def claim():
        granted.append(signin_try_claim(user_id=user.pk, page_id=page.pk, now=now).slot)

    threads = [threading.Thread(target=claim) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([slot for slot in granted if slot]) == WRONG_CODE_LIMIT
    assert len({slot for slot in granted if slot}) == WRONG_CODE_LIMIT


def test_the_page_answers_429_with_retry_after_and_the_wait_in_chinese(client, people):
    page = _session()
    client.force_login(people["learner"].user)
    for _ in range(WRONG_CODE_LIMIT):
        wrong = client.post(page.url, {"code": "１２３４５６"})
        assert wrong.status_code == 302
    held = client.post(page.url, {"code": "246810"})
    assert held.status_code == 429
    # the time since the first wrong code is the test machine's: the page says what the header says
    minutes, seconds = divmod(int(held["Retry-After"]), 60)
    assert WINDOW_SECONDS - 60 < int(held["Retry-After"]) <= WINDOW_SECONDS
    assert f"签到码错误次数过多，请 {minutes} 分 {seconds} 秒后再试。" in held.text
    assert 'name="code"' in held.text  # the page itself, with its form
    assert not LiveAttendance.objects.exists()


def test_full_width_digits_sign_in(people):
    page = _session()
    live_signin(user=people["learner"].user, page=page, code="２４６８１０")
    assert LiveAttendance.objects.count() == 1
