"""Connections to the lower apps' signals: each only queues our own task."""

from .tasks import certification_award_for_module_task


def on_module_completed(sender, *, user_id: int, module_id: int, **kwargs) -> None:
    # The signal is already sent after commit; the task, not the request, issues the certificate.
    certification_award_for_module_task.delay(user_id=user_id, module_id=module_id)
