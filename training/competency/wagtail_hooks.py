"""Certification rules in the Wagtail admin (administrators): validity and renewal window per
business area and level. Certifications themselves change only through the services, so that
every change is an event."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from training.org.admin_choosers import LocalizedSnippetChooserViewSet

from .models import CertificationRule


class CertificationRuleViewSet(SnippetViewSet):
    model = CertificationRule
    icon = "cog"
    menu_order = 230
    add_to_admin_menu = True
    list_display = ["area", "level", "validity_years", "renewal_window_days"]
    list_filter = ["area", "level"]
    chooser_viewset_class = LocalizedSnippetChooserViewSet


register_snippet(CertificationRuleViewSet)
