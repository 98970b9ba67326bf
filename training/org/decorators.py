from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .selectors import scope_for_user


def trainer_required(view):
    """Views for trainers and administrators: anonymous users are sent to log in, everyone else
    is refused with 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not scope_for_user(request.user).is_trainer:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
