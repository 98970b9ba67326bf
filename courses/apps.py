from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Learning content")

    def ready(self) -> None:
        from training.org.personal_data import register_collector

        from .page_cache import connect_receivers
        from .personal_data import collect_learning

        connect_receivers()

        register_collector("courses.learning", collect_learning, order=20)
