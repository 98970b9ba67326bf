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

        from django.db.models.signals import post_delete, post_save

        from .models import Notification
        from .selectors import forget_unread_count

        post_save.connect(forget_unread_count, sender=Notification, dispatch_uid="notify.unread.saved")
        post_delete.connect(forget_unread_count, sender=Notification, dispatch_uid="notify.unread.deleted")
