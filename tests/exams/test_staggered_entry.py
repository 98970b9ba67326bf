"""Staggered entry (错峰入场) of a scheduled exam: each person's moment of entry is spread over the
exam's entry spread, the same on every load of the page; the page tells its script how long to
wait after the click; the time limit counts from the person's own start."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone, translation

import pytest

from exams.models import ENTRY_SPREAD_DEFAULT, ExamPage
from exams.services import attempt_start
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(people):
    return factories.exam_of(factories.module(questions=6, question_count=5))


def _entry_in(html: str) -> float:
    """What the page's script reads (and bench/window.py the same way)."""
    return float(re.search(r'data-entry-in="([0-9.]+)"', html).group(1))


def test_moments_of_entry_are_spread_evenly_and_fixed_per_person(exam):
    assert exam.entry_spread_seconds == ENTRY_SPREAD_DEFAULT == 60
    offsets = [exam.entry_offset_seconds(user_id) for user_id in range(1, 3001)]
    assert all(0 <= o < 60 for o in offsets)
    per_ten_seconds = [sum(1 for o in offsets if k * 10 <= o < (k + 1) * 10) for k in range(6)]
    assert all(430 <= n <= 570 for n in per_ten_seconds), per_ten_seconds  # 500 each, evenly
    assert exam.entry_offset_seconds(7) == exam.entry_offset_seconds(7)  # every load the same
    other = ExamPage(pk=exam.pk + 1, entry_spread_seconds=60)
    assert sum(exam.entry_offset_seconds(u) == other.entry_offset_seconds(u) for u in range(100)) == 0
    exam.entry_spread_seconds = 0
    assert exam.entry_offset_seconds(7) == 0.0


def test_wait_counts_to_the_persons_own_moment_after_the_opening(exam):
    now = timezone.now()
    offset = exam.entry_offset_seconds(42)
    assert exam.entry_wait_seconds(42, now) == 0.0  # no opening time: no common start to spread
    exam.opens_at = now + datetime.timedelta(seconds=30)
    assert exam.entry_wait_seconds(42, now) == pytest.approx(30 + offset)
    assert exam.entry_wait_seconds(42, now + datetime.timedelta(seconds=30 + offset + 1)) == 0.0
    exam.entry_spread_seconds = 0  # everyone at the opening, never before it
    assert exam.entry_wait_seconds(42, now) == pytest.approx(30)


def test_exam_page_tells_its_script_the_wait_in_chinese(client, people, exam):
    learner = people["learner"].user
    exam.opens_at = timezone.now() + datetime.timedelta(minutes=5)
    exam.save()
    client.force_login(learner)
    html = client.get(exam.url).content.decode()
    wait = _entry_in(html)
    assert 300 - 5 < wait - exam.entry_offset_seconds(learner.pk) <= 300
    assert "错峰入场：开放后 60 秒内每人在各自的时刻进入，限时从您本人进入时算起" in html
    assert 'data-entering="正在进入考场…"' in html and 'data-left="还需 __S__ 秒"' in html
    assert "js/exam_entry" in html
    assert "开始考试" in html

    exam.opens_at = timezone.now() - datetime.timedelta(minutes=5)  # open for a while: no wait
    exam.save()
    assert _entry_in(client.get(exam.url).content.decode()) == 0.0


def test_time_limit_counts_from_the_persons_own_entry(people, exam):
    learner, other = people["learner"].user, people["west_learner"].user
    opens = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=1)
    exam.opens_at, exam.time_limit_minutes = opens, 30
    exam.save()
    for user in (learner, other):
        entered = opens + datetime.timedelta(seconds=exam.entry_offset_seconds(user.pk))
        attempt = attempt_start(user=user, exam=exam, now=entered)
        assert attempt.deadline == entered + datetime.timedelta(minutes=30)


def test_a_close_too_early_for_the_last_entry_is_refused_in_chinese(exam):
    exam.title = "失业保险经办上岗考试"
    exam.opens_at = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))
    exam.time_limit_minutes = 60
    exam.closes_at = exam.opens_at + datetime.timedelta(minutes=60)  # the last would lose 60 s
    exam.entry_spread_seconds = 60
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        exam.full_clean()
    message = refused.value.message_dict["closes_at"][0]
    assert "关闭时间太早" in message and "2026-12-01 10:01:00" in message
    exam.closes_at += datetime.timedelta(seconds=60)
    exam.full_clean()
    exam.save()
    exam.closes_at = exam.opens_at
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        exam.full_clean()
    assert refused.value.message_dict["closes_at"] == ["关闭时间必须晚于开放时间。"]
    exam.closes_at, exam.entry_spread_seconds = None, 1801
    with pytest.raises(ValidationError):
        exam.full_clean()


def test_trainer_sets_the_spread_in_the_page_editor(client, people, exam):
    client.force_login(people["admin"].user)
    html = client.get(f"/admin/pages/{exam.pk}/edit/").content.decode()
    assert "错峰入场（秒）" in html
    assert 'name="entry_spread_seconds"' in html and 'value="60"' in html
