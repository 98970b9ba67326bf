"""Training tasks on pages of other apps (the home page's next step): templates load this, no
lower app imports plans."""

from django import template

from training.plans.selectors import open_tasks_for_user

register = template.Library()


@register.simple_tag
def open_tasks(user):
    """``{% open_tasks user as tasks %}``: the person's open tasks, most urgent first."""
    return open_tasks_for_user(user=user)
