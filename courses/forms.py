from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminPageForm

from training.org.models import BusinessArea
from training.org.selectors import trainer_area_ids


class AreaScopedPageForm(WagtailAdminPageForm):
    """Page form whose business-area choices are the areas the trainer is responsible for, and
    whose videos (a video lesson's, a live session's recording) are those of these areas; the
    video a page has already stays a choice."""

    VIDEO_FIELDS = ("video", "recording")

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        allowed = trainer_area_ids(for_user) if for_user is not None else None
        if allowed is None:
            return
        if "area" in self.fields:
            self.fields["area"].queryset = BusinessArea.objects.filter(pk__in=allowed)
        from .selectors import videos_for_author  # selectors import the page models

        for name in self.VIDEO_FIELDS:
            if name in self.fields:
                current = getattr(self.instance, f"{name}_id", None)
                field = self.fields[name]
                field.queryset = field.queryset.filter(
                    Q(pk__in=videos_for_author(user=for_user)) | Q(pk=current)
                )


class NewVersionForm(forms.Form):
    version = forms.CharField(label=_("Version"), max_length=40)
    effective_date = forms.DateField(
        label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
