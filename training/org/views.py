from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .selectors import staff_for_user
from .services import personal_data_export


def healthz(request):
    """Liveness and database check for load balancers and ``make run``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


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
