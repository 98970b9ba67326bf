"""Production settings: base plus the hardening that ``check --deploy`` asks for.

Every value still comes from the environment; these are only stricter defaults.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Behind the reverse proxy that terminates TLS and always sets X-Forwarded-Proto (the usual
# deployment). A site that gunicorn serves directly must set SECURE_PROXY_SSL_HEADER to "none":
# otherwise a client could claim https by sending the header itself.
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="") or "X-Forwarded-Proto"
if _proxy_header.lower() != "none":
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
else:
    SECURE_PROXY_SSL_HEADER = None

# Administrators must log in with a second factor unless REQUIRE_ADMIN_TWO_FACTOR=false says otherwise.
REQUIRE_ADMIN_TWO_FACTOR = env.bool("REQUIRE_ADMIN_TWO_FACTOR") if env("REQUIRE_ADMIN_TWO_FACTOR") else True

# The embedded mode's key file under var/ is for one machine; production takes the key from the
# environment only (every machine the same; it outlives the disk), so no key, no start.
if not env("DJANGO_SECRET_KEY"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a long random value for production.")

# Wagtail's editor previews pages in a same-origin frame, so X-Frame-Options stays SAMEORIGIN
# (base settings; CSP frame-ancestors 'self' says the same); framing by any other site is
# still refused.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
