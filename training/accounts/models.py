from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="lock")
class AccountSecuritySettings(BaseGenericSetting):
    """Account security (账户安全): whether administrators and managers must log in with a second
    factor. Read at login only, so a change applies from each person's next login."""

    two_factor_required = models.BooleanField(
        _("two-factor login required for administrators and managers"),
        default=False,
        help_text=_(
            "When on, administrators and managers must set up an authenticator app at their next "
            "login and enter its code at every login."
        ),
    )

    panels = [FieldPanel("two_factor_required")]

    class Meta:
        verbose_name_plural = _("account security")
        verbose_name = _("account security")
