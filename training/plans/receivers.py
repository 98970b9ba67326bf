"""Connections to the lower apps' signals: each only queues our own task."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from .tasks import plans_sync_all_task, plans_sync_for_staff_task, progress_refresh_for_user_task


def on_module_completed(sender, *, user_id: int, module_id: int, **kwargs) -> None:
    progress_refresh_for_user_task.delay(user_id=user_id)


def on_attempt_graded(sender, *, attempt_id: int, user_id: int, exam_id, passed, **kwargs) -> None:
    if passed and exam_id is not None:
        progress_refresh_for_user_task.delay(user_id=user_id)


def on_staff_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    """New staff and transfers get the assignments of the plans now covering them (and leave the
    ones no longer covering them) in the background."""
    if raw:
        return
    from .models import TrainingPlan

    if TrainingPlan.objects.filter(is_active=True).exists():
        transaction.on_commit(partial(plans_sync_for_staff_task.delay, staff_id=instance.pk))


def on_staff_bulk_changed(sender, staff_ids, **kwargs) -> None:
    """A roster import or a unit move changed many people at once (sent after commit): one pass
    over the active plans gives newcomers and transfers their assignments."""
    from .models import TrainingPlan

    if staff_ids and TrainingPlan.objects.filter(is_active=True).exists():
        plans_sync_all_task.delay()
