"""Writes of learning progress (学习进度)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from wagtail.models import Page

from .models import LessonProgress, ModulePage
from .selectors import module_is_completed_by
from .signals import module_completed


@transaction.atomic
def lesson_complete(*, user, page: Page) -> LessonProgress:
    """Mark a lesson done for a person (完成课时). Idempotent: the first completion time is kept.

    When this completes the last lesson of the module, ``module_completed`` is sent after commit.
    """
    module = ModulePage.objects.filter(pk=page.get_parent().pk).first()
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(
        user=user, page=page, defaults={"module": module}
    )
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
        if module is not None and module_is_completed_by(module=module, user=user):
            transaction.on_commit(
                partial(module_completed.send, sender=ModulePage, user_id=user.pk, module_id=module.pk)
            )
    return progress


@transaction.atomic
def lesson_start(*, user, page: Page) -> LessonProgress:
    """Record that a person opened a lesson, for "continue where you left off" (继续学习)."""
    module = ModulePage.objects.filter(pk=page.get_parent().pk).first()
    progress, created = LessonProgress.objects.get_or_create(
        user=user, page=page, defaults={"module": module}
    )
    if not created:
        LessonProgress.objects.filter(pk=progress.pk).update(started_at=timezone.now())
    return progress
