"""Administrators' screens in the Wagtail admin (under /admin/org/): roster import, the org tree
(create, edit, move, merge), the audit log, and people (find; erase one who left). Managers and everyone else are refused (403)."""

from __future__ import annotations

import json
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from training import uploads

from .choices import UnitLevel
from .models import AuditEvent, BusinessArea, Job, OrgUnit, Staff
from .personal_data import is_erased
from .privacy import mask_id_number, mask_phone
from .roster import (
    BACKGROUND_MIN_BYTES,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    MAX_UPLOAD_BYTES,
    RosterInvalid,
    roster_import,
    roster_import_start,
    roster_template_for_site,
)
from .roster import JOB_KIND as ROSTER_JOB_KIND
from .selectors import scope_for_user
from .services import (
    OrgTreeError,
    StaffEraseError,
    org_unit_create,
    org_unit_merge,
    org_unit_move,
    org_unit_update,
    staff_erase,
    unit_labels,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVELS = [c.value for c in UnitLevel]


def admin_required(view):
    """Administrators only (scope ``is_admin``); Wagtail's own check already sent anonymous users
    to log in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not scope_for_user(request.user).is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def administrators_only_in_wagtail(view):
    """For a view of Wagtail's own that is decorated already (``require_admin_access``): a login
    with admin access that is no administrator gets Wagtail's "no permission" answer; everyone
    else goes on to the view (and anonymous users to its login)."""
    from wagtail.admin.auth import permission_denied

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        admin_access = user.is_authenticated and user.has_perm("wagtailadmin.access_admin")
        if admin_access and not scope_for_user(user).is_admin:
            return permission_denied(request)
        return view(request, *args, **kwargs)

    return wrapped


# --- roster --------------------------------------------------------------------------------------


class RosterForm(uploads.NamesTheFileMixin, forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx or .csv)"))

    def clean_file(self):
        """Before the importer reads a byte: within the size limit, and really a workbook (a CSV
        file's encoding and content are checked by the importer itself, row by row)."""
        upload = self.cleaned_data["file"]
        if (upload.name or "").lower().endswith(".csv"):
            uploads.check_size(upload, MAX_UPLOAD_BYTES)
        else:
            uploads.check_xlsx(upload, limit=MAX_UPLOAD_BYTES, unzipped_limit=MAX_UNZIPPED_BYTES)
        return upload


@admin_required
def roster_import_view(request):
    """Upload a roster: either everything is imported and the summary shown, or nothing and every
    problem is listed by row and column."""
    form = RosterForm(request.POST or None, request.FILES or None)
    issues, summary, filename = [], None, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        filename = upload.name
        if upload.size > BACKGROUND_MIN_BYTES:
            # Thousands of rows: the worker imports it (still all or nothing, and exactly once
            # even if the worker is lost), and this page follows the job.
            upload.seek(0)
            job = roster_import_start(data=upload.read(), filename=upload.name, actor=request.user)
            return redirect("org_roster_job", job.pk)
        upload.seek(0)
        try:
            summary = roster_import(data=upload.read(), filename=upload.name, actor=request.user)
        except RosterInvalid as invalid:
            issues = [str(issue) for issue in invalid.issues]
        else:
            form = RosterForm()
    return render(
        request,
        "org/admin/roster_import.html",
        {"form": form, "issues": issues, "summary": summary, "filename": filename, "max_rows": MAX_ROWS},
    )


@admin_required
def roster_job_view(request, pk: int):
    """A roster imported in the background: its progress while it runs (the page reloads itself),
    then the summary, or every problem by row and column."""
    job = get_object_or_404(Job, pk=pk, kind=ROSTER_JOB_KIND, user=request.user)
    summary = job.params.get("summary") if job.status == Job.Status.DONE else None
    issues = job.params.get("issues") or ([job.error] if job.error else [])
    return render(
        request,
        "org/admin/roster_import.html",
        {
            "form": RosterForm(),
            "job": job,
            "issues": issues if job.status == Job.Status.FAILED else [],
            "summary": summary,
            "max_rows": MAX_ROWS,
        },
    )


@admin_required
def roster_template_view(request):
    response = HttpResponse(roster_template_for_site(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename=\"roster-template.xlsx\"; filename*=UTF-8''%E8%8A%B1%E5%90%8D%E5%86%8C%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


# --- org tree ------------------------------------------------------------------------------------


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown by their full path (江川市/东湖区/…)."""

    def __init__(self, *args, labels: dict[int, str] | None = None, **kwargs):
        self.labels = labels or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return self.labels.get(obj.pk, obj.name)


class UnitForm(forms.ModelForm):
    areas = forms.ModelMultipleChoiceField(
        queryset=BusinessArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("business areas offered"),
    )

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "is_rural", "population", "areas"]


class UnitCreateForm(UnitForm):
    def __init__(self, *args, parent: OrgUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        if parent is not None:
            self.fields["is_rural"].initial = parent.is_rural

    def clean(self):
        data = super().clean()
        if self.parent is not None and self.parent.level == LEVELS[-1]:
            raise forms.ValidationError(_("A community or village cannot have units below it."))
        return data

    def _post_clean(self):
        # The tree fields (path, depth, level) are set by the service, not validated here.
        pass


class MoveForm(forms.Form):
    parent = UnitChoiceField(queryset=OrgUnit.objects.none(), label=_("New parent unit"))


class MergeForm(forms.Form):
    target = UnitChoiceField(queryset=OrgUnit.objects.none(), label=_("Merge into"))


def _all_labels() -> dict[int, str]:
    return unit_labels(OrgUnit.objects.only("pk", "path"))


@admin_required
def unit_tree_view(request):
    """The whole tree, one row per unit, with its active staff count (three queries)."""
    units = list(OrgUnit.objects.order_by("path").prefetch_related("areas"))
    counts = dict(
        Staff.objects.filter(is_active=True)
        .order_by()
        .values("org_unit")
        .annotate(n=Count("pk"))
        .values_list("org_unit", "n")
    )
    rows = [
        {
            "unit": u,
            "indent": (u.depth - 1) * 2,
            "staff": counts.get(u.pk, 0),
            "can_add": u.level != LEVELS[-1],
        }
        for u in units
    ]
    return render(request, "org/admin/unit_tree.html", {"rows": rows})


@admin_required
def unit_add_view(request, parent_id: int | None = None):
    parent = get_object_or_404(OrgUnit, pk=parent_id) if parent_id else None
    form = UnitCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if OrgUnit.objects.filter(code=data["code"]).exists():
            form.add_error("code", _("This code is already used by another unit."))
        else:
            level = LEVELS[0] if parent is None else LEVELS[LEVELS.index(parent.level) + 1]
            unit = org_unit_create(
                parent=parent,
                name=data["name"],
                code=data["code"],
                level=level,
                is_rural=data["is_rural"],
                population=data["population"],
                areas=list(data["areas"]),
                actor=request.user,
            )
            messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
            return redirect("org_units")
    label = unit_labels([parent])[parent.pk] if parent else ""
    return render(request, "org/admin/unit_form.html", {"form": form, "parent_label": label, "unit": None})


@admin_required
def unit_edit_view(request, unit_id: int):
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    form = UnitForm(request.POST or None, instance=unit, initial={"areas": list(unit.areas.all())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = OrgUnit.objects.get(pk=unit.pk)  # the form changed the instance in place
        org_unit_update(
            unit=unit,
            actor=request.user,
            areas=list(data["areas"]),
            **{name: data[name] for name in ("name", "code", "is_rural", "population")},
        )
        messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.name})
        return redirect("org_units")
    return render(
        request,
        "org/admin/unit_form.html",
        {"form": form, "unit": unit, "unit_label": unit_labels([unit])[unit.pk]},
    )


@admin_required
def unit_move_view(request, unit_id: int):
    """Move a unit with its subtree under another parent of the tier above."""
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    labels = _all_labels()
    form = MoveForm(request.POST or None)
    level = LEVELS.index(unit.level)
    parents = OrgUnit.objects.none()
    if level > 0:
        parents = OrgUnit.objects.filter(level=LEVELS[level - 1]).exclude(path__startswith=unit.path)
    form.fields["parent"].queryset = parents.order_by("path")
    form.fields["parent"].labels = labels
    if request.method == "POST" and form.is_valid():
        try:
            org_unit_move(unit=unit, parent=form.cleaned_data["parent"], actor=request.user)
        except OrgTreeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Unit “%(name)s” moved.") % {"name": unit.name})
            return redirect("org_units")
    return render(
        request,
        "org/admin/unit_action.html",
        {"form": form, "unit": unit, "unit_label": labels[unit.pk], "action": "move"},
    )


@admin_required
def unit_merge_view(request, unit_id: int):
    """Merge a unit into another of the same tier: staff (as transfers) and child units move over,
    offered areas are combined, then the unit is deleted."""
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    labels = _all_labels()
    form = MergeForm(request.POST or None)
    form.fields["target"].queryset = (
        OrgUnit.objects.filter(level=unit.level).exclude(pk=unit.pk).order_by("path")
    )
    form.fields["target"].labels = labels
    if request.method == "POST" and form.is_valid():
        try:
            target = org_unit_merge(source=unit, target=form.cleaned_data["target"], actor=request.user)
        except OrgTreeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("“%(source)s” merged into “%(target)s”.") % {"source": unit.name, "target": target.name},
            )
            return redirect("org_units")
    return render(
        request,
        "org/admin/unit_action.html",
        {
            "form": form,
            "unit": unit,
            "unit_label": labels[unit.pk],
            "action": "merge",
            "staff_count": Staff.objects.filter(org_unit=unit).count(),
            "child_count": unit.get_children_count(),
        },
    )


# --- audit log -----------------------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=60)
    actor = forms.CharField(label=_("Username"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _readable(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "—"
    return str(value)


@admin_required
def audit_list_view(request):
    """The audit trail, newest first, 50 a page, filtered by action prefix, actor and dates."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action__startswith=data["action"].strip())
        if data["actor"]:
            events = events.filter(actor__username__iexact=data["actor"].strip())
        if data["date_from"]:
            events = events.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(at__date__lte=data["date_to"])
    page = Paginator(events, 50).get_page(request.GET.get("p"))
    rows = [
        {"event": e, "details": [(k, _readable(v)) for k, v in (e.details or {}).items()]}
        for e in page.object_list
    ]
    query = request.GET.copy()
    query.pop("p", None)
    return render(
        request,
        "org/admin/audit_list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


# --- people: find a person, erase one who left ------------------------------------------------------


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, login name, ID number or phone"), required=False, max_length=60)


def _people_rows(staff: list[Staff]) -> list[dict]:
    labels = unit_labels([s.org_unit for s in staff]) if staff else {}
    return [
        {
            "staff": s,
            "unit": labels.get(s.org_unit_id, ""),
            # Even an administrator sees the numbers masked here: the last four tell people apart.
            "id_number": mask_id_number(s.id_number),
            "phone": mask_phone(s.phone),
            "erased": is_erased(s),
        }
        for s in staff
    ]


@admin_required
def people_list_view(request):
    """Staff by name, login name, ID number or phone (人员查询), 50 a page, numbers masked; each
    row leads to the erasure of a person who left."""
    form = PeopleSearchForm(request.GET or None)
    people = Staff.objects.select_related("org_unit", "user").order_by("name", "pk")
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        people = people.filter(
            Q(name__contains=query)
            | Q(user__username__iexact=query)
            | Q(id_number__iexact=query)
            | Q(phone=query)
        )
    page = Paginator(people, 50).get_page(request.GET.get("p"))
    return render(
        request,
        "org/admin/people_list.html",
        {"form": form, "page": page, "rows": _people_rows(list(page.object_list)), "query": query},
    )


class EraseForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the person's name to confirm"), max_length=40)
    understood = forms.BooleanField(label=_("I understand that this cannot be undone."), required=True)

    def __init__(self, *args, staff: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"].strip()
        if value != self.staff.name:
            raise forms.ValidationError(_("The name does not match: nothing was erased."))
        return value


@admin_required
def staff_erase_view(request, staff_id: int):
    """Erase a person who left (删除离职人员个人信息), after the administrator typed their name and
    ticked that it cannot be undone. Everything is erased or, on any error, nothing."""
    staff = get_object_or_404(Staff.objects.select_related("org_unit", "user"), pk=staff_id)
    row = _people_rows([staff])[0]
    form = None
    if not row["erased"]:
        form = EraseForm(request.POST or None, staff=staff)
        if request.method == "POST" and form.is_valid():
            try:
                event = staff_erase(staff=staff, actor=request.user)
            except StaffEraseError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("The personal data was erased; the person is now “%(label)s”.")
                    % {"label": event.target},
                )
                return redirect("org_people")
    return render(request, "org/admin/staff_erase.html", {"row": row, "form": form})
