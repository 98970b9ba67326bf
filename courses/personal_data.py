"""The learning app's part of a person's data download (学习记录); see training/org/personal_data.py.

Progress, watched video and live sign-ins are statistics the platform keeps after a person is
erased (they hang off the anonymised login and hold no free text), so there is no eraser here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from training.org.personal_data import PersonalDataExport, Section, columns_of

from .models import LessonProgress, LiveAttendance, VideoProgress


def collect_learning(export: PersonalDataExport) -> None:
    """Lessons started and completed, video watched, live sessions signed in to. Three queries."""
    user = export.user
    progress = (
        LessonProgress.objects.filter(user=user)
        .order_by("started_at", "pk")
        .values("page__title", "module__title", "started_at", "completed_at")
    )
    export.add(
        Section(
            "lesson_progress",
            _("Learning progress"),
            columns_of(
                LessonProgress,
                ["module__title", "page__title", "started_at", "completed_at"],
                module__title=_("Module"),
                page__title=_("Lesson"),
            ),
            list(progress),
        )
    )
    video = (
        VideoProgress.objects.filter(user=user)
        .order_by("updated_at", "pk")
        .values("page__title", "watched_seconds", "last_position", "intervals", "updated_at")
    )
    export.add(
        Section(
            "video_progress",
            _("Video watched"),
            [
                ("page__title", str(_("Lesson"))),
                ("watched_seconds", str(_("Seconds watched"))),
                ("last_position", str(_("Last position (seconds)"))),
                ("intervals", str(_("Intervals watched (seconds)"))),
                ("updated_at", str(_("Updated at"))),
            ],
            list(video),
        )
    )
    attendance = (
        LiveAttendance.objects.filter(user=user)
        .order_by("signed_in_at")
        .values("page__title", "signed_in_at")
    )
    export.add(
        Section(
            "live_attendance",
            _("Live session sign-ins"),
            [("page__title", str(_("Live session"))), ("signed_in_at", str(_("Signed in at")))],
            list(attendance),
        )
    )
