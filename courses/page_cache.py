"""What serving a page looks up that is the same for every learner, kept in the cache.

Wagtail finds, on every page request, the site with its root page (two queries), whether the page
or an ancestor has a view restriction (two queries), the page a URL names, and our lesson pages
their module and its outline. None of it depends on who asks, and all of it changes only when an
editor changes pages, sites or view restrictions. So it is kept in the cache under one
*generation* number, which any such change replaces (the receivers below): the next request reads
everything afresh. Nothing personal is kept here: progress, locks and permissions are read per
request.

Bounds: with Redis (``REDIS_URL``) every process sees a change at once. With the embedded
per-process memory cache, the process that saved the change sees it at once and the others
within ``PAGE_CACHE_SECONDS`` (30 s by default there), which is how long entries live.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http.request import split_domain_port

GENERATION_KEY = "courses:pages:generation"
_MISSING = object()
# The generation read at the start of serving a page, so that one request reads it once.
_current: contextvars.ContextVar[int | None] = contextvars.ContextVar("courses_page_generation", default=None)


def _ttl() -> int:
    return settings.PAGE_CACHE_SECONDS


def generation() -> int:
    """The current generation: the one read when this page request began, else from the cache."""
    value = _current.get()
    if value is not None:
        return value
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY, value)
    return value


def _new_generation() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), None)
    if _current.get() is not None:
        _current.set(None)  # a request that changes pages reads afresh what it reads next


def bump(**_kwargs) -> None:
    """Forget everything kept under the old generation (a signal receiver): at once, for what
    this transaction reads next, and again when it commits, so that what another request read
    and kept in between (still the old rows) is not kept either."""
    _new_generation()
    transaction.on_commit(_new_generation)


class _Local:
    """This process's copy of entries read from the shared cache, most recently used kept.

    An entry's key holds its generation and an entry never changes under one generation, so a
    copy is not stale while the generation is current: a change makes a new generation and new
    keys. Copies live no longer than the shared entries (``PAGE_CACHE_SECONDS``). This spares a round trip
    to Redis for each of the several entries a page needs. The objects are shared by the
    requests of this process: read them, never change them.
    """

    def __init__(self, size: int = 2048):
        self.size = size
        self.entries: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return _MISSING
            expires, value = found
            if expires < time.monotonic():
                del self.entries[key]
                return _MISSING
            self.entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any) -> None:
        with self.lock:
            # No longer than the shared cache keeps it: with per-process memory caches the age
            # is what bounds how late another process's change is seen.
            self.entries[key] = (time.monotonic() + _ttl(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_local = _Local()


def remember(name: str, compute: Callable[[], Any], *, keep_none: bool = True) -> Any:
    """``compute()``, kept under this generation; ``None`` is kept too unless ``keep_none`` is off."""
    key = f"courses:{generation()}:{name}"
    found = _local.get(key)
    if found is not _MISSING:
        return found
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        if found is None and not keep_none:
            return None
        cache.set(key, found, _ttl())
    _local.set(key, found)
    return found


# --- the site and its root page ----------------------------------------------------------------


def _site_for(request):
    from wagtail.models import Site

    site = Site._find_for_request(request)
    if site is not None:
        # The root page as its own type, so Wagtail's routing needs no query to get it.
        site.root_page = site.root_page.specific
    return site


def with_cached_site(serve: Callable) -> Callable:
    """Wrap Wagtail's page-serving view: the site of the request's host comes from the cache."""

    @wraps(serve)
    def view(request, *args, **kwargs):
        token = _current.set(None)
        try:
            _current.set(generation())
            if not hasattr(request, "_wagtail_site"):
                hostname = split_domain_port(request._get_raw_host())[0]
                request._wagtail_site = remember(
                    f"site:{hostname}:{request.get_port()}", lambda: _site_for(request)
                )
            return serve(request, *args, **kwargs)
        finally:
            _current.reset(token)

    return view


# --- view restrictions -------------------------------------------------------------------------


class CachedViewRestrictionsMixin:
    """A page type whose view restrictions (its own and its ancestors') are read from the cache
    while a page is served: Wagtail's serving hook only goes through them, and each one's
    ``accept_request`` still judges the request. Elsewhere (the admin's privacy screens, copy,
    alias) Wagtail's own query set, as before."""

    def get_view_restrictions(self):
        if _current.get() is None:
            return super().get_view_restrictions()
        return remember(
            f"restrictions:{self.pk}",
            lambda: list(super(CachedViewRestrictionsMixin, self).get_view_restrictions()),
        )


def _page_changed(sender, instance=None, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        bump()


def connect_receivers() -> None:
    """Any change to a page, a site or a view restriction starts a new generation."""
    from django.db.models.signals import post_delete, post_save

    from wagtail.models import PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    post_save.connect(_page_changed, dispatch_uid="courses.page_cache.page_saved")
    post_delete.connect(_page_changed, dispatch_uid="courses.page_cache.page_deleted")
    for signal, name in (
        (page_published, "published"),
        (page_unpublished, "unpublished"),
        (post_page_move, "moved"),
    ):
        signal.connect(bump, dispatch_uid=f"courses.page_cache.{name}")
    for model in (Site, PageViewRestriction):
        post_save.connect(bump, sender=model, dispatch_uid=f"courses.page_cache.{model.__name__}.saved")
        post_delete.connect(bump, sender=model, dispatch_uid=f"courses.page_cache.{model.__name__}.deleted")
