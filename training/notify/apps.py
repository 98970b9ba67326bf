from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "training.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from training.org.personal_data import register_collector, register_eraser

        from .personal_data import collect_notifications, erase_notifications

        register_collector("notify.notifications", collect_notifications, order=60)
        register_eraser("notify.notifications", erase_notifications, order=60)
