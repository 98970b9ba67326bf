"""Celery application (Celery's "First steps with Django").

The broker comes from ``CELERY_BROKER_URL``; when it is empty the settings fall back to kombu's
filesystem transport under ``var/broker`` so that a real worker runs without any server.
"""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "training.settings.base")

app = Celery("training")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _recover_lost_jobs(sender=None, **kwargs) -> None:
    """A worker that starts (again) first queues the jobs that a killed worker left running."""
    app.send_task("training.jobs.tasks.jobs_recover_task")
