from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs that survive a lost worker (bottom layer; the Job model is still org's)."""

    name = "training.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
