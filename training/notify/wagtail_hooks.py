"""Group robots (群机器人) in the Wagtail admin. Administrators manage every unit's robots; the
views are also scoped, so a login that is given the robot permissions and a manager role sees,
adds, copies and edits robots of units in its own subtrees only (another unit's robot answers
404), and the chooser lists only those."""

from django.http import Http404

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import (
    CopyView,
    DeleteView,
    EditView,
    HistoryView,
    SnippetViewSet,
    UsageView,
)

from training.choosers import LocalizedSnippetChooserViewSet, ValidPkChosenMixin
from training.org.selectors import org_unit_list_for_scope, scope_for_user

from .models import RobotWebhook
from .selectors import robot_webhook_list_for_scope


def _in_scope(user):
    return robot_webhook_list_for_scope(scope=scope_for_user(user))


class _InScopeMixin:
    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not _in_scope(self.request.user).filter(pk=obj.pk).exists():
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


class ScopedCopyView(_InScopeMixin, CopyView):
    pass


class ScopedChooseView(ChooseView):
    """Wagtail's chooser answers every admin user: it lists only the robots in the user's scope."""

    def get_object_list(self):
        return _in_scope(self.request.user)


class ScopedChooseResultsView(ChooseResultsView):
    def get_object_list(self):
        return _in_scope(self.request.user)


class _ScopedChosenMixin:
    def get_object(self, pk):
        return _in_scope(self.request.user).get(pk=pk)

    def get_objects(self, pks):
        return _in_scope(self.request.user).filter(pk__in=pks)


class ScopedChosenView(ValidPkChosenMixin, _ScopedChosenMixin, SnippetChosenView):
    pass


class ScopedChosenMultipleView(ValidPkChosenMixin, _ScopedChosenMixin, SnippetChosenMultipleView):
    pass


class ScopedChooserViewSet(LocalizedSnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


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
    copy_view_class = ScopedCopyView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    chooser_viewset_class = ScopedChooserViewSet
    edit_handler = ObjectList(RobotWebhook.panels, base_form_class=RobotWebhookForm)

    def get_queryset(self, request):
        return _in_scope(request.user)


register_snippet(RobotWebhookViewSet)


@hooks.register("before_delete_snippet")
def limit_bulk_delete_to_scope(request, instances):
    """Bulk delete goes around the viewset: a robot out of scope answers 404 there too."""
    robots = [obj.pk for obj in instances if isinstance(obj, RobotWebhook)]
    if robots and _in_scope(request.user).filter(pk__in=robots).count() != len(robots):
        raise Http404
