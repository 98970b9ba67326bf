"""The admin's delete of questions and banks, one at a time and in bulk: what is in use is retired
(停用), the rest deleted (exams/retirement.py), and the admin says which and why. Retired ones are
marked in the lists and can be filtered."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import StatusTagColumn
from wagtail.log_actions import log
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.snippets import DeleteView

import django_filters

from .models import Question, QuestionBank
from .retirement import Outcome, delete_or_retire, uses_of

RETIRED = _("Retired")
WILL_BE_RETIRED = _(
    "“%(object)s” is in use: %(reasons)s. It will be retired rather than deleted: no longer drawn "
    "into new papers or practice, and kept so that the papers and results already given keep working."
)
SOME_RETIRED = _(
    "Retired rather than deleted, because they are in use (no longer drawn into new papers or "
    "practice; kept so that the papers and results already given keep working): %(objects)s."
)
SOME_DELETED = _("Deleted: %(objects)s.")
RETIRE_ACTION = "exams.retire"


def _reasons(reasons: list[str]) -> str:
    return "；".join(str(r) for r in reasons)


def outcome_messages(request, outcome: Outcome) -> None:
    """Tell the admin what a delete did: what was deleted, what was retired and why."""
    if outcome.deleted:
        messages.success(request, SOME_DELETED % {"objects": "、".join(f"“{n}”" for n in outcome.deleted)})
    if outcome.retired:
        listed = "、".join(
            f"“{name}”（{_reasons(why)}）" if why else f"“{name}”" for name, why in outcome.retired
        )
        messages.warning(request, SOME_RETIRED % {"objects": listed})


def _delete(request, objects: list) -> Outcome:
    for obj in objects:
        if not uses_of(obj):
            log(instance=obj, action="wagtail.delete")
    outcome = delete_or_retire(objects=objects)
    if objects:
        model = type(objects[0])
        for obj in model.objects.filter(pk__in=[o.pk for o in objects], retired_at__isnull=False):
            log(instance=obj, action=RETIRE_ACTION)
    return outcome


class RetiringDeleteView(DeleteView):
    """Delete one question or bank: retired when in use, whatever protects it."""

    @cached_property
    def uses(self) -> list[str]:
        return uses_of(self.object)

    @property
    def confirmation_message(self):
        if self.uses:
            return WILL_BE_RETIRED % {"object": self.object, "reasons": _reasons(self.uses)}
        return super().confirmation_message

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_protected"] = False  # what protects it retires it instead
        return context

    def form_valid(self, form):
        success_url = self.get_success_url()
        outcome = _delete(self.request, [self.object])
        outcome_messages(self.request, outcome)
        hook_response = self.run_after_hook()
        if hook_response is not None:
            return hook_response
        return HttpResponseRedirect(success_url)


class RetiringDeleteBulkAction(DeleteBulkAction):
    """Bulk delete of questions or banks (``/admin/bulk/exams/question/delete/?id=…``): those in
    use are retired, the rest deleted. Registered after Wagtail's own, so it takes its place for
    these two models."""

    models = [Question, QuestionBank]
    template_name = "exams/admin/confirm_bulk_delete.html"

    def prepare_action(self, objects, objects_without_access):
        return None  # what protects them retires them instead of refusing

    def object_context(self, snippet):
        context = super().object_context(snippet)
        context["is_protected"] = False
        context["retire_reasons"] = _reasons(uses_of(snippet))
        return context

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_protected"] = False
        context["retiring"] = [item for item in context["items"] if item["retire_reasons"]]
        return context

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        view = kwargs["self"]
        view.outcome = _delete(view.request, list(objects))
        return len(view.outcome.deleted), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        outcome_messages(self.request, self.outcome)
        return None


def retired_column():
    return StatusTagColumn(
        "retired_at",
        label=_("Status"),
        accessor=lambda obj: RETIRED if obj.retired_at else "",
        primary=False,
    )


class _RetiredFilterSet(WagtailFilterSet):
    retired = django_filters.BooleanFilter(
        label=_("Retired"), field_name="retired_at", lookup_expr="isnull", exclude=True
    )


class QuestionBankFilterSet(_RetiredFilterSet):
    class Meta:
        model = QuestionBank
        fields = ["area", "level"]


class QuestionFilterSet(_RetiredFilterSet):
    class Meta:
        model = Question
        fields = ["bank__area", "difficulty"]
