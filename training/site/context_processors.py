"""What every page's header and menu read: the login's scope, for the role links."""

from django.core.cache import cache

from training.org.selectors import UserScope, scope_for_user

# The menu's role links (管理 / 出题阅卷) need only whether the login holds such roles; that is
# kept per person for five minutes and forgotten when one of their roles changes (the receivers
# below), so a page view does not read the roles for the menu alone. Views never take a decision
# from this: each one reads the scope itself.
NAV_SECONDS = 300


def _nav_key(user_id: int) -> str:
    return f"org:nav-scope:{user_id}"


def nav_scope_for_user(user) -> UserScope:
    """The scope for the menu: the one this request already read, else the kept one."""
    scope = getattr(user, "_station_scope", None) or getattr(user, "_station_nav_scope", None)
    if scope is not None or not getattr(user, "is_authenticated", False):
        return scope or UserScope()
    key = _nav_key(user.pk)
    kept = cache.get(key)
    if kept is None:
        kept = scope_for_user(user)
        cache.set(key, kept, NAV_SECONDS)
    # Superuser status is on the user row, read on every request anyway.
    scope = kept if kept.is_admin or not user.is_superuser else scope_for_user(user)
    user._station_nav_scope = scope  # once per request
    return scope


def forget_nav_scope(sender, instance=None, **kwargs) -> None:
    user_id = getattr(instance, "user_id", None)
    if user_id is not None:
        cache.delete(_nav_key(user_id))


def roles(request):
    """Expose the current login's scope to templates (for the navigation), lazily."""
    user = getattr(request, "user", None)
    if user is None:
        return {}

    class _Lazy:
        def __getattr__(self, name):
            return getattr(nav_scope_for_user(user), name)

    return {"scope": _Lazy()}
