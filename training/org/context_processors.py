from .selectors import scope_for_user


def roles(request):
    """Expose the current login's scope to templates (for the navigation), lazily."""
    user = getattr(request, "user", None)
    if user is None:
        return {}

    class _Lazy:
        def __getattr__(self, name):
            return getattr(scope_for_user(user), name)

    return {"scope": _Lazy()}
