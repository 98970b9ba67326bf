"""Content Security Policy: one strict policy for the site, a looser one for Wagtail's admin.

django-csp builds and sends the header; this module only chooses which directives apply to a
request. The site (everything learners, managers and the public see) runs with
``script-src 'self'`` and ``style-src 'self'``: no inline script, no inline style, no eval.
Wagtail 7.4's admin still writes inline ``<script>`` elements (date and time widgets,
InlinePanel, the chooser panels; wagtail/wagtail#1288 and #12940 are open) and inline
``style`` attributes, so under ``/admin/`` script and style sources also allow
``'unsafe-inline'``. ``'unsafe-eval'`` is allowed nowhere. Every other directive (object-src,
base-uri, frame-ancestors, form-action, …) is the same for both.
"""

from __future__ import annotations

from django.conf import settings

from csp.middleware import CSPMiddleware, PolicyParts


def _is_admin_path(path: str) -> bool:
    return path.startswith(tuple(getattr(settings, "CSP_ADMIN_PATH_PREFIXES", ())))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the admin's replacement directives under the admin prefixes."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if _is_admin_path(request.path_info):
            replace = dict(getattr(settings, "CSP_ADMIN_REPLACE", {}))
            replace.update(parts.replace or {})  # a view's own @csp_replace still wins
            parts.replace = replace
        return parts
