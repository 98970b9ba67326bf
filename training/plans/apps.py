from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "training.plans"
    label = "plans"
    verbose_name = _("Training plans")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from courses.signals import module_completed
        from exams.signals import attempt_graded
        from training.org.models import Staff
        from training.org.signals import staff_changed

        from .receivers import on_attempt_graded, on_module_completed, on_staff_bulk_changed, on_staff_saved

        module_completed.connect(on_module_completed, dispatch_uid="plans_module_completed")
        attempt_graded.connect(on_attempt_graded, dispatch_uid="plans_attempt_graded")
        post_save.connect(on_staff_saved, sender=Staff, dispatch_uid="plans_staff_saved")
        staff_changed.connect(on_staff_bulk_changed, dispatch_uid="plans_staff_bulk_changed")

        from training.org.personal_data import register_collector, register_eraser

        from .personal_data import collect_plans, erase_plans

        register_collector("plans.assignments", collect_plans, order=50)
        register_eraser("plans.extensions", erase_plans, order=50)
