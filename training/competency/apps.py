from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetencyConfig(AppConfig):
    name = "training.competency"
    label = "competency"
    verbose_name = _("Certification and competency")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from courses.signals import module_completed
        from exams.signals import attempt_graded

        from .models import CertificationEvent
        from .receivers import on_attempt_graded, on_certification_event_saved, on_module_completed

        module_completed.connect(on_module_completed, dispatch_uid="competency_module_completed")
        attempt_graded.connect(on_attempt_graded, dispatch_uid="competency_attempt_graded")
        post_save.connect(
            on_certification_event_saved, sender=CertificationEvent, dispatch_uid="competency_event_audit"
        )

        from training.org.personal_data import register_collector, register_eraser

        from .personal_data import collect_certifications, erase_certifications

        register_collector("competency.certifications", collect_certifications, order=40)
        register_eraser("competency.certifications", erase_certifications, order=40)
