from django import forms
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminPageForm

from training.org.models import BusinessArea
from training.org.selectors import trainer_area_ids


class AreaScopedPageForm(WagtailAdminPageForm):
    """Page form whose business-area choices are the areas the trainer is responsible for."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        allowed = trainer_area_ids(for_user) if for_user is not None else None
        if allowed is not None and "area" in self.fields:
            self.fields["area"].queryset = BusinessArea.objects.filter(pk__in=allowed)


class NewVersionForm(forms.Form):
    version = forms.CharField(label=_("Version"), max_length=40)
    effective_date = forms.DateField(
        label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
