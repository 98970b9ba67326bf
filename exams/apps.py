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

        from django.db.models.signals import post_delete, post_save

        from .models import Choice, Question, QuestionBank
        from .services import QUESTIONS

        # Question content changed: exam starts read it afresh (training/kept.py).
        for model in (Question, Choice, QuestionBank):
            for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
                signal.connect(
                    QUESTIONS.bump, sender=model, dispatch_uid=f"exams.questions.{model.__name__}.{name}"
                )
