from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Exams")

    def ready(self) -> None:
        from training.org.personal_data import register_collector, register_eraser

        from .personal_data import collect_exams, erase_exams

        register_collector("exams.attempts", collect_exams, order=30)
        register_eraser("exams.answers", erase_exams, order=30)
