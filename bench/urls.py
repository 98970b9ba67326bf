"""The product's URLs plus R0, the benchmark's baseline: a trivial view behind the full middleware
stack (sessions, CSRF, auth, locale, gzip…), so every ratio is "how much slower than doing nothing
in this same server"."""

from django.http import HttpResponse
from django.urls import include, path


def r0(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/r0/", r0, name="bench_r0"),
    path("", include("training.urls")),
]
