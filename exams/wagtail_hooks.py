"""Authoring of question banks in the Wagtail admin, scoped by business area: a trainer sees,
edits, imports into and exports every bank of the areas they act on (and its questions), none of
another area; an administrator sees all. A bank's owner is its contact, a trainer of its area."""

from pathlib import Path

from django import forms
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import (
    CopyView,
    CreateView,
    EditView,
    HistoryView,
    SnippetViewSet,
    SnippetViewSetGroup,
    UsageView,
)

from training import uploads
from training.choosers import LocalizedSnippetChooserViewSet, ValidPkChosenMixin
from training.org.models import BusinessArea
from training.org.selectors import (
    areas_q,
    name_of_user,
    trainer_area_ids,
    trainers_of_area,
    trainers_of_areas,
)

from .admin_delete import (
    RETIRE_ACTION,
    QuestionBankFilterSet,
    QuestionFilterSet,
    RetiringDeleteBulkAction,
    RetiringDeleteView,
    retired_column,
)
from .bank_io import FORMAT_BY_SUFFIX, MAX_UPLOAD_BYTES, questions_export, questions_import
from .formats import xlsx as xlsx_format
from .formats.model import ImportFailed
from .models import Question, QuestionBank
from .selectors import question_banks_for_author, questions_for_author


def _bank_of(obj):
    return obj if isinstance(obj, QuestionBank) else obj.bank


def _owned(model, user):
    """The banks, or the questions, a user authors (题库归属): those of their business areas."""
    if model is QuestionBank:
        return question_banks_for_author(user=user)
    return questions_for_author(user=user)


class _OwnedObjectMixin:
    """Edit, copy, delete, history and usage of a bank (or question) of another business area
    answer 404, as if it did not exist."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not question_banks_for_author(user=self.request.user).filter(pk=_bank_of(obj).pk).exists():
            raise Http404
        return obj


class OwnedEditView(_OwnedObjectMixin, EditView):
    pass


class OwnedDeleteView(_OwnedObjectMixin, RetiringDeleteView):
    pass


class OwnedHistoryView(_OwnedObjectMixin, HistoryView):
    pass


class OwnedUsageView(_OwnedObjectMixin, UsageView):
    pass


class OwnedCopyView(_OwnedObjectMixin, CopyView):
    pass


class _OwnedChooserMixin:
    """The chooser lists and hands over only banks (questions) the user authors."""

    def get_object_list(self):
        return _owned(self.model_class, self.request.user)


class _OwnedChosenMixin:
    def get_object(self, pk):
        return _owned(self.model_class, self.request.user).get(pk=pk)

    def get_objects(self, pks):
        return _owned(self.model_class, self.request.user).filter(pk__in=pks)


class _ActiveOnlyMixin:
    """Retired banks and questions (停用) are not offered for new papers."""

    def get_object_list(self):
        return super().get_object_list().filter(retired_at__isnull=True)


class OwnedChooseView(_ActiveOnlyMixin, _OwnedChooserMixin, ChooseView):
    pass


class OwnedChooseResultsView(_ActiveOnlyMixin, _OwnedChooserMixin, ChooseResultsView):
    pass


class OwnedChosenView(ValidPkChosenMixin, _OwnedChosenMixin, SnippetChosenView):
    pass


class OwnedChosenMultipleView(ValidPkChosenMixin, _OwnedChosenMixin, SnippetChosenMultipleView):
    pass


class OwnedChooserViewSet(LocalizedSnippetChooserViewSet):
    choose_view_class = OwnedChooseView
    choose_results_view_class = OwnedChooseResultsView
    chosen_view_class = OwnedChosenView
    chosen_multiple_view_class = OwnedChosenMultipleView


class BankCreateView(CreateView):
    def save_instance(self):
        instance = super().save_instance()
        user = self.request.user
        if (
            instance.owner_id is None
            and trainers_of_area(area_id=instance.area_id).filter(pk=user.pk).exists()
        ):
            # Whoever creates a bank of their area is its first contact.
            instance.owner = user
            instance.save(update_fields=["owner"])
        return instance


def _owner_name(bank) -> str:
    return name_of_user(bank.owner) if bank.owner_id else ""


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return name_of_user(obj)


class QuestionBankForm(WagtailAdminModelForm):
    """A bank belongs to one of the trainer's business areas; its owner, the contact, is a
    trainer of that area, shown by name."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "area" in self.fields and for_user is not None:
            # A plain list of the trainer's areas, not the catalogue's chooser that lists all.
            old = self.fields["area"]
            self.fields["area"] = forms.ModelChoiceField(
                queryset=BusinessArea.objects.filter(areas_q(user=for_user, field="pk")),
                label=old.label,
                help_text=old.help_text,
                widget=forms.Select,
            )
        if "owner" in self.fields:
            if self.instance.area_id is not None:
                owners = trainers_of_area(area_id=self.instance.area_id)
            else:
                owners = trainers_of_areas(area_ids=trainer_area_ids(for_user) if for_user else None)
            old = self.fields["owner"]
            self.fields["owner"] = OwnerChoiceField(
                queryset=owners,
                required=False,
                label=old.label,
                help_text=_("The trainer to ask about this bank. Every trainer of its area may edit it."),
                widget=forms.Select,
            )

    def clean(self):
        data = super().clean()
        owner, area = data.get("owner"), data.get("area")
        if (
            owner is not None
            and area is not None
            and not trainers_of_area(area_id=area.pk).filter(pk=owner.pk).exists()
        ):
            self.add_error("owner", _("Choose a trainer of the bank's business area."))
        return data


class QuestionForm(WagtailAdminModelForm):
    """A trainer can only put questions into banks of their business areas."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "bank" in self.fields:
            # A retired bank (停用) takes no new questions; its own keep theirs when edited.
            self.fields["bank"].queryset = question_banks_for_author(user=for_user).filter(
                Q(retired_at__isnull=True) | Q(pk=self.instance.bank_id)
            )


class _OwnedViewSet(SnippetViewSet):
    edit_view_class = OwnedEditView
    copy_view_class = OwnedCopyView
    delete_view_class = OwnedDeleteView
    history_view_class = OwnedHistoryView
    usage_view_class = OwnedUsageView
    chooser_viewset_class = OwnedChooserViewSet


class QuestionBankViewSet(_OwnedViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    add_view_class = BankCreateView
    list_display = [
        "title",
        "area",
        "level",
        Column("owner", label=_("owner"), accessor=_owner_name),
        retired_column(),
    ]
    filterset_class = QuestionBankFilterSet  # area, level, retired
    search_fields = ["title"]

    edit_handler = ObjectList(QuestionBank.panels, base_form_class=QuestionBankForm)

    def get_queryset(self, request):
        return question_banks_for_author(user=request.user).select_related("area", "owner__staff")


class QuestionViewSet(_OwnedViewSet):
    model = Question
    icon = "help"
    list_display = ["stem", "bank", "qtype", "difficulty", retired_column()]
    filterset_class = QuestionFilterSet  # area, difficulty, retired
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


@hooks.register("before_delete_snippet")
def limit_bulk_delete_to_own_banks(request, instances):
    """Bulk delete (``/admin/bulk/exams/question/delete/?id=…``) goes around the viewsets: another
    area's bank or question answers 404 there too."""
    for obj in instances:
        if (
            isinstance(obj, QuestionBank | Question)
            and not _owned(type(obj), request.user).filter(pk=obj.pk).exists()
        ):
            raise Http404


# Wagtail's own bulk delete of snippets is registered first; ours takes its place for questions
# and banks: those in use are retired, not deleted (exams/admin_delete.py).
hooks.register("register_bulk_action", RetiringDeleteBulkAction, order=1)


@hooks.register("register_log_actions")
def register_retire_log_action(actions):
    actions.register_action(RETIRE_ACTION, _("Retire"), _("Retired: in use, so kept and no longer drawn"))


# --- import and export in the admin ----------------------------------------------------------

CONTENT_TYPES = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "gift": ("text/plain; charset=utf-8", "gift.txt"),
    "aiken": ("text/plain; charset=utf-8", "aiken.txt"),
    "moodlexml": ("application/xml; charset=utf-8", "xml"),
}


TEXT_FORMATS = {"gift": "GIFT", "aiken": "Aiken", "moodlexml": "Moodle XML"}
# What a trainer reads on the export links: the format's name, not its code in the URL.
FORMAT_NAMES = {"xlsx": "Excel", "csv": "CSV", **TEXT_FORMATS}
# A 10 MB workbook of 5 000 questions unpacks to well under this; a zip bomb does not.
UNZIPPED_LIMIT = 200 * 1024 * 1024


class ImportForm(uploads.NamesTheFileMixin, forms.Form):
    bank = forms.ModelChoiceField(queryset=QuestionBank.objects.none(), label=_("Question bank"))
    file = forms.FileField(label=_("File"))
    fmt = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[
            ("", _("From the file name")),
            ("xlsx", "Excel"),
            ("csv", "CSV"),
            ("gift", "GIFT"),
            ("aiken", "Aiken"),
            ("moodlexml", "Moodle XML"),
        ],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = question_banks_for_author(user=user).filter(retired_at__isnull=True)

    def clean(self):
        """The upload is what its format says before the importer reads it: an .xlsx opens as a
        workbook, a GIFT/Aiken/Moodle XML file is text; and it is within the size limit."""
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            return data
        fmt = data.get("fmt") or FORMAT_BY_SUFFIX.get(Path(upload.name or "").suffix.lower())
        try:
            if fmt == "xlsx":
                uploads.check_xlsx(upload, limit=MAX_UPLOAD_BYTES, unzipped_limit=UNZIPPED_LIMIT)
            elif fmt in TEXT_FORMATS:
                uploads.check_text(upload, limit=MAX_UPLOAD_BYTES, format_name=TEXT_FORMATS[fmt])
            else:
                uploads.check_size(upload, MAX_UPLOAD_BYTES)
        except forms.ValidationError as error:
            self.add_error("file", error)
        return data


def import_view(request):
    """Upload a file of questions into one of your banks; any problem: nothing imported, every
    problem listed by row or line and column."""
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    issues, created = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = questions_import(
                bank=form.cleaned_data["bank"],
                data=upload.read(),
                filename=upload.name,
                fmt=form.cleaned_data["fmt"] or None,
            )
        except ImportFailed as failed:
            issues = [str(issue) for issue in failed.issues]
    banks = form.fields["bank"].queryset.select_related("area")
    return render(
        request,
        "exams/admin/import.html",
        {"form": form, "issues": issues, "created": created, "banks": banks, "formats": FORMAT_NAMES},
    )


def template_view(request):
    response = HttpResponse(xlsx_format.template(), content_type=CONTENT_TYPES["xlsx"][0])
    response["Content-Disposition"] = 'attachment; filename="question-template.xlsx"'
    return response


def export_view(request, bank_id: int, fmt: str):
    bank = get_object_or_404(question_banks_for_author(user=request.user), pk=bank_id)
    if fmt not in CONTENT_TYPES:
        raise Http404
    try:
        data = questions_export(bank=bank, fmt=fmt)
    except ValueError as error:
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    content_type, suffix = CONTENT_TYPES[fmt]
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bank-{bank.pk}.{suffix}"'
    return response


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path("question-import/", import_view, name="question_import"),
        path("question-import/template.xlsx", template_view, name="question_import_template"),
        path("question-export/<int:bank_id>/<str:fmt>/", export_view, name="question_export"),
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return MenuItem(_("Import questions"), reverse("question_import"), icon_name="upload", order=215)
