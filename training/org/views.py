import sys
from functools import cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from .selectors import staff_for_user
from .services import personal_data_export

#: What a database that restarts, or a connection cut under a request, raises.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def healthz(request):
    """Liveness and database check for load balancers and ``make run``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


@cache
def _favicon_bytes() -> bytes:
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        return icon.read()


@cache_control(public=True, max_age=86400)
def favicon(request):
    """``/favicon.ico``: browsers, bookmarks and feed readers ask for it at the root, whatever the
    page's ``<link rel="icon">`` says."""
    return HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")


@login_required
def my_data(request):
    """What the platform holds about me and how to download it (我的个人数据)."""
    staff = staff_for_user(request.user)
    if staff is None:
        raise Http404
    return render(request, "org/my_data.html", {"staff": staff})


@login_required
@require_POST
def my_data_download(request):
    """One zip with everything the platform holds about the logged-in person, and nobody else
    (下载我的数据); audited. A POST, so a link preview or prefetch never triggers it."""
    staff = staff_for_user(request.user)
    if staff is None:
        raise Http404
    name, data = personal_data_export(
        staff=staff, actor=request.user, verify_base=request.build_absolute_uri("/")
    )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _database_unavailable(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def server_error(request):
    """The 500 page, except when the database could not be reached (it restarted, or the connection
    was cut under the request): then 503 with a clear message in the user's language and
    Retry-After, as JSON for the API. The request's transaction was rolled back, so no record is
    half-written; the next request opens a new connection (CONN_HEALTH_CHECKS)."""
    if not _database_unavailable(sys.exc_info()[1]):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Server Error"}, status=500)  # the API answers JSON
        return defaults.server_error(request)
    message = gettext(
        "The database is unavailable for a moment (it may be restarting). What you just did was "
        "not completed; please try again in a few seconds."
    )
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
    else:
        # No request context: the context processors would query the database that just failed.
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = "5"
    return response
