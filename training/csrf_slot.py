"""A placeholder for the CSRF token in HTML that is rendered once and kept (the site header, course
page fragments): the kept copy holds ``CSRF_SLOT`` and each request puts its own token in.

It sits at the project level, below every app, because the site header (``training.site``, top
layer) and the course fragments (``courses``, middle layer) both use it.
"""

from __future__ import annotations

from django.middleware.csrf import get_token

CSRF_SLOT = "csrf-slot-91c4e7"


def request_csrf_token(context) -> str:
    """The page's CSRF token: the one ``{% csrf_token %}`` puts in the page's forms (the context
    processor's, made once per page), so a page masks its token once, not once per form (each
    masking draws 32 random characters from the operating system)."""
    token = context.get("csrf_token")
    if token is None or str(token) == "NOTPROVIDED":
        return get_token(context["request"])
    return str(token)
