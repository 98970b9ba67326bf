"""The org app in the Wagtail admin: the business-area catalogue (业务领域目录), and for
administrators only the org tree (机构树), roster import (花名册导入), audit log (操作审计) and
people (人员查询, erasure of those who left)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .admin_choosers import LocalizedSnippetChooserViewSet
from .models import BusinessArea
from .selectors import scope_for_user


class BusinessAreaViewSet(SnippetViewSet):
    model = BusinessArea
    icon = "tag"
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["name", "code", "name_en", "sort_order"]
    search_fields = ["name", "code"]
    chooser_viewset_class = LocalizedSnippetChooserViewSet


register_snippet(BusinessAreaViewSet)


@hooks.register("register_admin_urls")
def register_org_admin_urls():
    return [
        path("org/roster/", admin_views.roster_import_view, name="org_roster_import"),
        path("org/roster/jobs/<int:pk>/", admin_views.roster_job_view, name="org_roster_job"),
        path("org/roster/template.xlsx", admin_views.roster_template_view, name="org_roster_template"),
        path("org/units/", admin_views.unit_tree_view, name="org_units"),
        path("org/units/add/", admin_views.unit_add_view, name="org_unit_add_root"),
        path("org/units/<int:parent_id>/add/", admin_views.unit_add_view, name="org_unit_add"),
        path("org/units/<int:unit_id>/edit/", admin_views.unit_edit_view, name="org_unit_edit"),
        path("org/units/<int:unit_id>/move/", admin_views.unit_move_view, name="org_unit_move"),
        path("org/units/<int:unit_id>/merge/", admin_views.unit_merge_view, name="org_unit_merge"),
        path("org/audit/", admin_views.audit_list_view, name="org_audit"),
        path("org/people/", admin_views.people_list_view, name="org_people"),
        path("org/people/<int:staff_id>/erase/", admin_views.staff_erase_view, name="org_staff_erase"),
    ]


@hooks.register("construct_reports_menu")
def hide_site_history_from_non_admins(request, menu_items):
    """Wagtail's site history is for administrators (see training/urls.py)."""
    if not scope_for_user(request.user).is_admin:
        menu_items[:] = [item for item in menu_items if item.name != "site-history"]


class AdminOnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for_user(request.user).is_admin


@hooks.register("register_admin_menu_item")
def register_org_menu():
    menu = Menu(
        items=[
            AdminOnlyMenuItem(_("Organisation tree"), reverse("org_units"), icon_name="site", order=10),
            AdminOnlyMenuItem(_("Import roster"), reverse("org_roster_import"), icon_name="upload", order=20),
            AdminOnlyMenuItem(_("Audit log"), reverse("org_audit"), icon_name="history", order=30),
            AdminOnlyMenuItem(_("People"), reverse("org_people"), icon_name="user", order=40),
        ]
    )
    return SubmenuMenuItem(_("Organisation and staff"), menu, icon_name="group", order=218)
