"""The business-area catalogue in the Wagtail admin: administrators extend it (业务领域目录)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import BusinessArea


class BusinessAreaViewSet(SnippetViewSet):
    model = BusinessArea
    icon = "tag"
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["name", "code", "name_en", "sort_order"]
    search_fields = ["name", "code"]


register_snippet(BusinessAreaViewSet)
