"""Names of apps and models in the reader's language, for Wagtail admin templates we override."""

from django import template
from django.contrib.contenttypes.models import ContentType

register = template.Library()


@register.filter
def app_verbose_name(content_type: ContentType) -> str:
    """The app a content type belongs to, by its translated name ("courses" → 学习内容)."""
    model = content_type.model_class()
    if model is None:
        return content_type.app_label
    return str(model._meta.app_config.verbose_name)
