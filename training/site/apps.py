from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site header and menus: the top layer, the one that may link every app's pages."""

    name = "training.site"
    label = "site"
    verbose_name = _("Site header and menus")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from training.org.models import RoleAssignment

        from .context_processors import forget_nav_scope

        # dispatch_uid kept from when these lived in org, so nothing connects them twice
        post_save.connect(forget_nav_scope, sender=RoleAssignment, dispatch_uid="org.nav_scope.saved")
        post_delete.connect(forget_nav_scope, sender=RoleAssignment, dispatch_uid="org.nav_scope.deleted")
