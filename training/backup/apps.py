from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupConfig(AppConfig):
    """Backup and restore of the database and media (the ``backup`` and ``restore`` commands)."""

    name = "training.backup"
    label = "backup"
    verbose_name = _("Backup and restore")
