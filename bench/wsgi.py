"""WSGI entry of benchmark runs: the product, and R_raw (``/bench/raw/``) answered before Django,
the floor of gunicorn and the interpreter on this machine."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.wsgi import get_wsgi_application

django_application = get_wsgi_application()
RAW = [("Content-Type", "text/plain"), ("Content-Length", "2")]


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/bench/raw/":
        start_response("200 OK", RAW)
        return [b"ok"]
    return django_application(environ, start_response)
