from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "training.org"
    label = "org"
    verbose_name = _("Organisation and people")

    def ready(self) -> None:
        from .personal_data import collect_audit, collect_org, erase_org, register_collector, register_eraser

        register_collector("org.account", collect_org, order=0)
        register_collector("org.audit", collect_audit, order=1000)
        register_eraser("org.account", erase_org, order=1000)
