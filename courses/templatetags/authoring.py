"""Wagtail's user bar on the front end, for those who may edit the page shown."""

from django import template

from wagtail.admin.templatetags.wagtailuserbar import get_page_instance, wagtailuserbar

from courses.selectors import page_editable_by

register = template.Library()


@register.simple_tag(takes_context=True)
def userbar_if_editable(context):
    """The user bar (with its scripts, a few hundred KB) only on a page this person may edit."""
    request = context.get("request")
    page = get_page_instance(context)
    if request is None or page is None or not page_editable_by(page=page, user=request.user):
        return ""
    return wagtailuserbar(context)
