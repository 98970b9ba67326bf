from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="table")
class ReportSettings(BaseGenericSetting):
    """Weights of the station scorecard (目标考核): a station's score is the weighted mean of its
    measures, each a percentage; a measure a station has no data for (no plan assigned, no formal
    exam sat) is left out of both sides of the mean rather than counted as zero."""

    weight_coverage = models.PositiveSmallIntegerField(_("weight of coverage"), default=30)
    weight_multi_skill = models.PositiveSmallIntegerField(
        _("weight of one speciality, many abilities"), default=20
    )
    weight_plan_completion = models.PositiveSmallIntegerField(_("weight of plan completion"), default=20)
    weight_pass_rate = models.PositiveSmallIntegerField(_("weight of the exam pass rate"), default=20)
    weight_full_time = models.PositiveSmallIntegerField(_("weight of the full-time share"), default=10)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("weight_coverage"),
                FieldPanel("weight_multi_skill"),
                FieldPanel("weight_plan_completion"),
                FieldPanel("weight_pass_rate"),
                FieldPanel("weight_full_time"),
            ],
            heading=_("Station scorecard weights"),
            help_text=_(
                "Relative weights: they need not add up to 100. A weight of 0 leaves the measure out."
            ),
        )
    ]

    class Meta:
        verbose_name_plural = _("report settings")
        verbose_name = _("report settings")

    def weights(self) -> dict[str, int]:
        return {
            "coverage": self.weight_coverage,
            "multi_skill": self.weight_multi_skill,
            "plan_completion": self.weight_plan_completion,
            "pass_rate": self.weight_pass_rate,
            "full_time": self.weight_full_time,
        }
