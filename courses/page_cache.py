"""What serving a page looks up that is the same for every learner, kept in the cache.

Wagtail finds, on every page request, the site with its root page (two queries), whether the page
or an ancestor has a view restriction (two queries), the page a URL names, and our lesson pages
their module and its outline. None of it depends on who asks, and all of it changes only when an
editor changes pages, sites or view restrictions. So it is kept in the cache under one
*generation* number, which any such change replaces (the receivers below): the next request reads
everything afresh. Nothing personal is kept here: progress, locks and permissions are read per
request.

How it is kept, and the bounds (a change is seen at once with Redis, within
``PAGE_CACHE_SECONDS`` by other processes with the embedded memory cache): ``training/kept.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http.request import split_domain_port

from training.kept import Kept

PAGES = Kept("courses:pages")


def remember(name: str, compute: Callable[[], Any], *, keep_none: bool = True) -> Any:
    """``compute()``, kept until pages change (``training.kept``)."""
    return PAGES.remember(name, compute, keep_none=keep_none)


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
        with PAGES.pinned():
            if not hasattr(request, "_wagtail_site"):
                hostname = split_domain_port(request._get_raw_host())[0]
                request._wagtail_site = remember(
                    f"site:{hostname}:{request.get_port()}", lambda: _site_for(request)
                )
            if not hasattr(request, "_wagtail_cached_site_root_paths"):
                # What page URLs are built from ({% pageurl %}), where Wagtail keeps it per request.
                from wagtail.models import Site

                request._wagtail_cached_site_root_paths = remember(
                    "site-root-paths", Site.get_site_root_paths
                )
            return serve(request, *args, **kwargs)

    return view


# --- view restrictions -------------------------------------------------------------------------


class CachedViewRestrictionsMixin:
    """A page type whose view restrictions (its own and its ancestors') are read from the cache
    while a page is served: Wagtail's serving hook only goes through them, and each one's
    ``accept_request`` still judges the request. Elsewhere (the admin's privacy screens, copy,
    alias) Wagtail's own query set, as before."""

    def get_view_restrictions(self):
        if not PAGES.is_pinned():
            return super().get_view_restrictions()
        return remember(
            f"restrictions:{self.pk}",
            lambda: list(super(CachedViewRestrictionsMixin, self).get_view_restrictions()),
        )


def _page_changed(sender, instance=None, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        PAGES.bump()


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
        signal.connect(PAGES.bump, dispatch_uid=f"courses.page_cache.{name}")
    for model in (Site, PageViewRestriction):
        post_save.connect(PAGES.bump, sender=model, dispatch_uid=f"courses.page_cache.{model.__name__}.saved")
        post_delete.connect(
            PAGES.bump, sender=model, dispatch_uid=f"courses.page_cache.{model.__name__}.deleted"
        )
