"""Writes of learning content and progress (学习进度, 视频观看, 直播签到, 教材版本)."""

from __future__ import annotations

import datetime
import hmac
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wagtail.models import Page

from . import watching
from .models import (
    LessonProgress,
    LessonVideo,
    LiveAttendance,
    LiveSessionPage,
    ModulePage,
    TextbookPage,
    VideoProgress,
    VideoViewing,
)
from .selectors import learning_settings, module_is_completed_by, module_of, video_of
from .signals import module_completed
from .signin_tries import signin_try_claim, signin_try_release

REPORT_IMPLAUSIBLE = _("This report claims more watching than the time elapsed allows; it was not counted.")
SIGNIN_NOT_OPEN = _("Sign-in has not opened yet.")
SIGNIN_CLOSED = _("Sign-in has closed: the session is over. Watch the recording instead.")
SIGNIN_WRONG_CODE = _("The sign-in code is not correct.")


class LearningError(Exception):
    """A learning rule refused the request; the message is shown to the learner."""


class SigninTooManyWrongCodes(LearningError):
    """Too many wrong sign-in codes in the window (签到码错误次数过多): ``wait_seconds`` until the
    next try counts."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        minutes, seconds = divmod(wait_seconds, 60)
        if minutes:
            message = gettext("Too many wrong sign-in codes. Try again in %(minutes)d min %(seconds)d s.") % {
                "minutes": minutes,
                "seconds": seconds,
            }
        else:
            message = gettext("Too many wrong sign-in codes. Try again in %(seconds)d s.") % {
                "seconds": seconds
            }
        super().__init__(message)


@transaction.atomic
def lesson_complete(*, user, page: Page) -> LessonProgress:
    """Mark a lesson done for a person (完成课时). Idempotent: the first completion time is kept.

    When this completes the last lesson of the module, ``module_completed`` is sent after commit.
    """
    module = module_of(page)
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(
        user=user, page=page, defaults={"module": module}
    )
    if progress.completed_at is None:
        # Finished already (a lesson added since is being done now): announced then, not again.
        finished_before = module is not None and module_is_completed_by(module=module, user=user)
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
        if module is not None and not finished_before and module_is_completed_by(module=module, user=user):
            transaction.on_commit(
                partial(module_completed.send, sender=ModulePage, user_id=user.pk, module_id=module.pk)
            )
    return progress


def _is_exam(page: Page) -> bool:
    # Courses name exam pages by their content type, never by importing exams (the layer rule).
    return page.content_type.app_label == "exams" and page.content_type.model == "exampage"


@transaction.atomic
def lesson_place_before_exam(*, page: Page) -> None:
    """Keep a module's exam last (结业考试在最后) when a page is added to the module.

    Wagtail adds a new child page after the last one, which in a module is its exam. When the
    pages right before the new one are exams, the new page goes in front of them. If the author
    has moved the exam elsewhere, that order stands and the new page stays where Wagtail put it;
    an author may move any page afterwards.
    """
    parent = page.get_parent()
    if parent is None or not isinstance(parent.specific_deferred, ModulePage) or _is_exam(page):
        return
    siblings = list(parent.get_children().select_related("content_type").order_by("path"))
    position = next(i for i, p in enumerate(siblings) if p.pk == page.pk)
    target = None
    for sibling in reversed(siblings[:position]):
        if not _is_exam(sibling):
            break
        target = sibling
    if target is not None:
        page.move(target, pos="left")


# A revisit within this time does not move "continue where you left off" again: reading a lesson
# then costs no write, and no durable commit, on every page view.
LESSON_START_REFRESH = datetime.timedelta(minutes=10)


def lesson_start(*, user, page: Page, visit: tuple | None | bool = False, now=None) -> None:
    """Record that a person opened a lesson, for "continue where you left off" (继续学习).

    ``visit`` is the person's progress row on the page as the caller already read it,
    ``(completed_at, started_at)`` or None for none; without it, one UPDATE tells. The row is
    created on the first visit and its time moved on later ones, at most every ten minutes.
    """
    now = now or timezone.now()
    if visit is False:
        if LessonProgress.objects.filter(user=user, page=page).update(started_at=now):
            return
    elif visit is not None:
        if visit[1] is not None and now - visit[1] < LESSON_START_REFRESH:
            return
        LessonProgress.objects.filter(user=user, page=page).update(started_at=now)
        return
    with transaction.atomic():
        LessonProgress.objects.get_or_create(
            user=user, page=page, defaults={"module": module_of(page), "started_at": now}
        )


@dataclass(frozen=True)
class WatchResult:
    progress: VideoProgress
    duration: float

    @property
    def watched_percent(self) -> int:
        return round(100 * self.progress.watched_seconds / self.duration) if self.duration else 0


def video_watch_record(
    *,
    user,
    page: Page,
    token: str,
    intervals: list[tuple[float, float]],
    position: float,
    now: datetime.datetime | None = None,
) -> WatchResult:
    """Record the intervals of a video actually played since the viewing's last report (观看记录).

    Honest tracking: intervals are merged with everything watched before, on any device; the last
    position counts for nothing but resuming. A report that claims more playing than the server's
    clock allows since the previous report of the same viewing is refused whole. When the
    configured share of the timeline is covered, the lesson is complete.
    """
    now = now or timezone.now()
    with transaction.atomic():
        result = _video_watch_record(
            user=user, page=page, token=token, intervals=intervals, position=position, now=now
        )
    if result is None:
        raise LearningError(REPORT_IMPLAUSIBLE)
    return result


def _video_watch_record(*, user, page, token, intervals, position, now) -> WatchResult | None:
    """The write of ``video_watch_record``; None when the report was refused (and counted so)."""
    viewing = VideoViewing.objects.select_for_update().get(token=token, user=user, page=page)
    video = video_of(page)
    duration = float(video.duration) if video and video.duration else 0.0
    clean = watching.clamp_intervals(intervals, duration=duration) if duration else []
    elapsed = (now - viewing.last_report_at).total_seconds()
    if not watching.report_is_plausible(intervals=clean, elapsed_seconds=elapsed):
        viewing.rejected_reports += 1
        viewing.save(update_fields=["rejected_reports"])
        return None
    viewing.last_report_at = now
    viewing.save(update_fields=["last_report_at"])
    progress, _ = VideoProgress.objects.select_for_update().get_or_create(user=user, page=page)
    merged = watching.merge_intervals([tuple(i) for i in progress.intervals] + clean)
    progress.intervals = [[round(s, 2), round(e, 2)] for s, e in merged]
    progress.watched_seconds = watching.covered_seconds(merged)
    if duration:
        progress.last_position = max(0.0, min(float(position), duration))
    progress.save()
    required = learning_settings().video_completion_percent / 100
    if duration and watching.watched_share(merged, duration=duration) >= required:
        lesson_complete(user=user, page=page)
    return WatchResult(progress=progress, duration=duration)


@transaction.atomic
def live_signin(
    *, user, page: LiveSessionPage, code: str, now: datetime.datetime | None = None
) -> LiveAttendance:
    """Sign in to a live session (签到) with the code announced in it, only during its window
    (from a few minutes before the start to the end). Attendance completes the lesson. At most
    5 wrong codes per person and session in 10 minutes (``courses.signin_tries``); then
    ``SigninTooManyWrongCodes`` says how long to wait, and no code is checked until then."""
    now = now or timezone.now()
    opens_at = page.starts_at - datetime.timedelta(minutes=learning_settings().signin_early_minutes)
    if now < opens_at:
        raise LearningError(SIGNIN_NOT_OPEN)
    if now > page.ends_at:
        raise LearningError(SIGNIN_CLOSED)
    attempt = signin_try_claim(user_id=user.pk, page_id=page.pk, now=now.timestamp())
    if attempt.slot is None:
        raise SigninTooManyWrongCodes(attempt.wait_seconds)
    # Full-width digits from a Chinese input method count as digits; bytes, because compare_digest
    # refuses non-ASCII text (a code typed in Chinese used to answer 500).
    entered = unicodedata.normalize("NFKC", code or "").strip()
    if not hmac.compare_digest(entered.encode(), page.signin_code.encode()):
        raise LearningError(SIGNIN_WRONG_CODE)
    signin_try_release(attempt)
    attendance, _ = LiveAttendance.objects.get_or_create(user=user, page=page, defaults={"signed_in_at": now})
    lesson_complete(user=user, page=page)
    return attendance


@transaction.atomic
def textbook_new_version(
    *, textbook: TextbookPage, version: str, effective_date: datetime.date, user=None
) -> TextbookPage:
    """Start a new version of a textbook (教材修订): a draft copy of it and its chapters that links
    back to it. The old version stays live and readable; once the new one is published and in
    force, the shelf shows the new one and its "what changed" page compares the two."""
    suffix = slugify(version) or effective_date.strftime("%Y%m%d")
    new = textbook.copy(
        recursive=True,
        keep_live=False,
        user=user,
        update_attrs={
            "slug": f"{textbook.slug}-{suffix}",
            "title": textbook.title,
            "version": version,
            "effective_date": effective_date,
            "previous_version": textbook,
            "change_note": "",
        },
    )
    return new


def video_process(*, video_id: int) -> LessonVideo:
    """Read a video's duration, size and dimensions, make its poster, and a low-bitrate rendition
    for slow rural links where the encoder is available (视频转码). Idempotent."""
    from . import video_processing as vp

    video = LessonVideo.objects.get(pk=video_id)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"source{Path(video.file.name).suffix or '.mp4'}"
            with video.file.open("rb") as src, source.open("wb") as dst:
                for chunk in iter(lambda: src.read(1024 * 1024), b""):
                    dst.write(chunk)
            info = vp.probe(source)
            poster = vp.make_poster(source, at_seconds=min(1.0, info.duration / 2))
            low_path = None
            if vp.encoder_available() and info.height > 360:
                low_path = Path(tmp) / "low.mp4"
                vp.transcode_low(source, low_path)
            video.duration = round(info.duration, 2)
            video.width, video.height = info.width, info.height
            video.size_bytes = info.size_bytes
            stem = Path(video.file.name).stem
            video.thumbnail.save(f"{stem}-poster.jpg", ContentFile(poster), save=False)
            if low_path is not None:
                video.low_file.save(f"{stem}-360p.mp4", ContentFile(low_path.read_bytes()), save=False)
                video.low_size_bytes = low_path.stat().st_size
            video.processing = LessonVideo.Processing.READY
            video.processing_error = ""
    except vp.VideoError as error:
        video.processing = LessonVideo.Processing.FAILED
        video.processing_error = str(error)
    video.save()
    return video


def videos_queue_pending() -> int:
    """Queue processing of every video still waiting (a beat job catches uploads from the admin)."""
    from .tasks import video_process_task

    ids = list(
        LessonVideo.objects.filter(processing=LessonVideo.Processing.PENDING).values_list("pk", flat=True)
    )
    for pk in ids:
        transaction.on_commit(partial(video_process_task.delay, video_id=pk))
    return len(ids)
