"""Authoring of question banks in the Wagtail admin, scoped: a trainer sees and edits only the
banks they own (and their questions); an administrator sees all."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    CreateView,
    DeleteView,
    EditView,
    HistoryView,
    SnippetViewSet,
    SnippetViewSetGroup,
    UsageView,
)

from .models import Question, QuestionBank
from .selectors import question_banks_for_author, questions_for_author


def _bank_of(obj):
    return obj if isinstance(obj, QuestionBank) else obj.bank


class _OwnedObjectMixin:
    """Edit, delete, history and usage of another trainer's bank answer 404, as if it did not exist."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not question_banks_for_author(user=self.request.user).filter(pk=_bank_of(obj).pk).exists():
            raise Http404
        return obj


class OwnedEditView(_OwnedObjectMixin, EditView):
    pass


class OwnedDeleteView(_OwnedObjectMixin, DeleteView):
    pass


class OwnedHistoryView(_OwnedObjectMixin, HistoryView):
    pass


class OwnedUsageView(_OwnedObjectMixin, UsageView):
    pass


class BankCreateView(CreateView):
    def save_instance(self):
        instance = super().save_instance()
        if instance.owner_id is None:
            # A bank a trainer creates is theirs, so it stays in their scope.
            instance.owner = self.request.user
            instance.save(update_fields=["owner"])
        return instance


class QuestionForm(WagtailAdminModelForm):
    """A trainer can only put questions into banks they own."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "bank" in self.fields:
            self.fields["bank"].queryset = question_banks_for_author(user=for_user)


class _OwnedViewSet(SnippetViewSet):
    edit_view_class = OwnedEditView
    delete_view_class = OwnedDeleteView
    history_view_class = OwnedHistoryView
    usage_view_class = OwnedUsageView


class QuestionBankViewSet(_OwnedViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    add_view_class = BankCreateView
    list_display = ["title", "area", "level", "owner"]
    list_filter = ["area", "level"]
    search_fields = ["title"]

    def get_queryset(self, request):
        return question_banks_for_author(user=request.user).select_related("area", "owner")


class QuestionViewSet(_OwnedViewSet):
    model = Question
    icon = "help"
    list_display = ["stem", "bank", "qtype", "difficulty"]
    list_filter = ["bank__area", "difficulty"]
    search_fields = ["stem"]
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionForm)

    def get_queryset(self, request):
        return questions_for_author(user=request.user).select_related("bank")


class ExamsMenuGroup(SnippetViewSetGroup):
    menu_label = _("Question banks")
    menu_icon = "folder-open-inverse"
    menu_order = 210
    items = (QuestionBankViewSet, QuestionViewSet)


register_snippet(ExamsMenuGroup)
