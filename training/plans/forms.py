"""The plan form: chosen from what the manager may see, parsed into service arguments."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from training.org.choices import Employment, Level, UnitLevel
from training.org.models import BusinessArea, Staff

from .models import Recurrence, TrainingPlan
from .selectors import pages_for_plan_items


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return "　" * (obj.depth - 1) + obj.name


class PageChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        kind = {
            "modulepage": pgettext("plan item kind", "Module"),
            "exampage": pgettext("plan item kind", "Exam"),
            "livesessionpage": pgettext("plan item kind", "Live"),
        }.get(obj.content_type.model, "")
        return f"[{kind}] {obj.title}"


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Plan title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    root = UnitChoiceField(label=_("For the subtree of"), queryset=None)
    pages = PageChoiceField(
        label=_("What to learn"),
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Modules, exams and live sessions; hold Ctrl to choose several."),
    )
    audience_mode = forms.ChoiceField(
        label=_("Audience"), choices=TrainingPlan.AudienceMode.choices, widget=forms.RadioSelect
    )
    unit_kind = forms.ChoiceField(
        label=_("Urban / rural"), choices=TrainingPlan.UnitKind.choices, required=False
    )
    unit_level = forms.ChoiceField(
        label=_("Unit level"), choices=[("", _("All levels")), *UnitLevel.choices], required=False
    )
    posts = forms.CharField(
        label=_("Posts"), required=False, help_text=_("Separate several with 、 or commas; empty: all posts.")
    )
    employment = forms.ChoiceField(
        label=_("Employment"),
        choices=[("", _("Full-time and part-time")), *Employment.choices],
        required=False,
    )
    lacking_area = forms.ModelChoiceField(
        label=_("Only people lacking a valid certification in"),
        queryset=BusinessArea.objects.all(),
        required=False,
        empty_label=_("(no such condition)"),
    )
    lacking_level = forms.ChoiceField(
        label=_("At level"), choices=[("", "—"), *Level.choices], required=False
    )
    people = forms.CharField(
        label=_("Named people"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a named audience: names separated by 、 or commas, all inside the chosen unit."),
    )
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(
        label=_("Due on (fixed date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_days = forms.IntegerField(
        label=_("Or: due N days after assignment"), required=False, min_value=1, max_value=366
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root"].queryset = units
        self.fields["pages"].queryset = pages_for_plan_items()

    @staticmethod
    def _split(value: str) -> list[str]:
        return [v for v in (p.strip() for p in re.split(r"[、,，;；\n]+", value or "")) if v]

    def clean(self):
        data = super().clean()
        root = data.get("root")
        names = self._split(data.get("people", ""))
        people = []
        if data.get("audience_mode") == TrainingPlan.AudienceMode.NAMED:
            if not names:
                self.add_error("people", _("Name at least one person."))
            elif root is not None:
                found: dict[str, list[Staff]] = {}
                for s in Staff.objects.filter(
                    name__in=names, is_active=True, org_unit__path__startswith=root.path
                ).select_related("org_unit"):
                    found.setdefault(s.name, []).append(s)
                missing = [n for n in names if n not in found]
                twice = [n for n in names if len(found.get(n, [])) > 1]
                if missing:
                    self.add_error("people", _("Not found in the chosen unit: %s") % "、".join(missing))
                if twice:
                    self.add_error(
                        "people",
                        _("More than one person with this name; choose a smaller unit: %s")
                        % "、".join(twice),
                    )
                people = [found[n][0] for n in names if len(found.get(n, [])) == 1]
        data["people_list"] = people
        data["posts_list"] = self._split(data.get("posts", ""))
        return data

    def service_arguments(self) -> dict:
        d = self.cleaned_data
        return {
            "root": d["root"],
            "title": d["title"],
            "pages": list(d["pages"]),
            "description": d.get("description", ""),
            "audience_mode": d["audience_mode"],
            "unit_kind": d.get("unit_kind", ""),
            "unit_level": d.get("unit_level", ""),
            "posts": d["posts_list"],
            "employment": d.get("employment", ""),
            "lacking_area": d.get("lacking_area"),
            "lacking_level": d.get("lacking_level", "") if d.get("lacking_area") else "",
            "people": d["people_list"],
            "recurrence": d["recurrence"],
            "starts_on": d["starts_on"],
            "due_on": d.get("due_on"),
            "due_days": d.get("due_days"),
        }
