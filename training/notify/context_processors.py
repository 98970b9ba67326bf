from django.utils.functional import SimpleLazyObject

from .selectors import unread_count_for_user


def notifications(request):
    """The unread count for the bell in the site header: one COUNT query, and only on a page
    that shows it."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count_for_user(user=user))}
