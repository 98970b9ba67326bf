from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "training.accounts"
    label = "accounts"
    verbose_name = _("Account security")

    def ready(self):
        from training.org.personal_data import register_collector, register_eraser

        from . import receivers  # noqa: F401  (connects the audit receivers)
        from .personal_data import collect_account_security, erase_account_security

        register_collector("accounts.security", collect_account_security, order=70)
        # before the org app's own eraser, which clears the login name these records are found by
        register_eraser("accounts.security", erase_account_security, order=70)
