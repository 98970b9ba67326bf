"""The site header (menu, bell, language switch), rendered once per variant and kept.

Every page's header depends only on the language, whether someone is logged in, whether they
manage or train, and their unread count; the rest of its ~20 links and labels is the same for
everyone. Rendering it was half of base.html's cost on every page. The HTML is kept in this
process (a template changes only with a new deployment, which starts new processes); the CSRF
token and the current path are put in per request, like the dashboard's cached figures.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from training.csrf_slot import CSRF_SLOT, request_csrf_token
from training.kept import Local

register = template.Library()

NEXT_SLOT = "next-slot-91c4e7"
_KEPT = Local(size=512, expiring=False)


def _header_html(key: tuple) -> str:
    html = _KEPT.get(key, None)
    if html is not None:
        return html
    language, is_authenticated, is_manager, is_trainer, unread = key
    html = render_to_string(
        "includes/header.html",
        {
            "LANGUAGE_CODE": language,
            "is_authenticated": is_authenticated,
            "is_manager": is_manager,
            "is_trainer": is_trainer,
            "unread_notifications": unread,
            "csrf_token": CSRF_SLOT,
            "next_path": NEXT_SLOT,
        },
    )
    _KEPT.set(key, html)
    return html


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    request = context.get("request")
    user = context.get("user")
    is_authenticated = bool(user is not None and user.is_authenticated)
    scope = context.get("scope")
    key = (
        get_language(),
        is_authenticated,
        bool(is_authenticated and scope is not None and scope.is_manager),
        bool(is_authenticated and scope is not None and scope.is_trainer),
        # a lazy count (notify's context processor): str() reads it
        int(str(context.get("unread_notifications") or 0)) if is_authenticated else 0,
    )
    html = _header_html(key)
    return mark_safe(
        html.replace(CSRF_SLOT, request_csrf_token(context)).replace(
            NEXT_SLOT, escape(request.get_full_path())
        )
    )
