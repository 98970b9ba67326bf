"""Group robots (群机器人) in the Wagtail admin. Administrators manage every unit's robots; the
views are also scoped, so a login that is given the robot permissions and a manager role sees,
adds and edits robots of units in its own subtrees only (another unit's robot answers 404)."""

from django.http import Http404

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, EditView, HistoryView, SnippetViewSet, UsageView

from training.org.selectors import org_unit_list_for_scope, scope_for_user

from .models import RobotWebhook
from .selectors import robot_webhook_list_for_scope


class _InScopeMixin:
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        scope = scope_for_user(self.request.user)
        if not robot_webhook_list_for_scope(scope=scope).filter(pk=obj.pk).exists():
            raise Http404
        return obj


class ScopedEditView(_InScopeMixin, EditView):
    pass


class ScopedDeleteView(_InScopeMixin, DeleteView):
    pass


class ScopedHistoryView(_InScopeMixin, HistoryView):
    pass


class ScopedUsageView(_InScopeMixin, UsageView):
    pass


class RobotWebhookForm(WagtailAdminModelForm):
    """Only units in the user's scope can be chosen."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "org_unit" in self.fields:
            self.fields["org_unit"].queryset = org_unit_list_for_scope(
                scope=scope_for_user(for_user)
            ).order_by("path")


class RobotWebhookViewSet(SnippetViewSet):
    model = RobotWebhook
    icon = "mail"
    menu_order = 240
    add_to_admin_menu = True
    list_display = ["name", "org_unit", "kind", "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name"]
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    edit_handler = ObjectList(RobotWebhook.panels, base_form_class=RobotWebhookForm)

    def get_queryset(self, request):
        return robot_webhook_list_for_scope(scope=scope_for_user(request.user))


register_snippet(RobotWebhookViewSet)
