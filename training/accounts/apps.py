from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "training.accounts"
    label = "accounts"
    verbose_name = _("Account security")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the audit receivers)
