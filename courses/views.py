import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wagtail.models import Page

from .models import LiveSessionPage, VideoViewing
from .search import highlight, query_bigrams
from .selectors import live_attendance_list, searchable_pages
from .services import LearningError, SigninTooManyWrongCodes, video_watch_record
from .services import live_signin as live_signin_service

MAX_INTERVALS_PER_REPORT = 50


@csrf_exempt  # the viewing token is the per-page secret; sendBeacon on page close cannot send a header
@login_required
@require_POST
def video_progress(request, page_id: int):
    """The player's report of intervals actually played; the reply acknowledges what counts."""
    page = get_object_or_404(Page.objects.live(), pk=page_id)
    try:
        data = json.loads(request.body or b"{}")
        intervals = [(float(s), float(e)) for s, e in data.get("intervals", [])][:MAX_INTERVALS_PER_REPORT]
        position = float(data.get("position", 0))
        token = str(data["viewing"])
    except (ValueError, TypeError, KeyError):
        return JsonResponse({"ok": False, "error": "bad report"}, status=400)
    try:
        result = video_watch_record(
            user=request.user, page=page, token=token, intervals=intervals, position=position
        )
    except LearningError as error:
        return JsonResponse({"ok": False, "error": str(error)}, status=409)
    except VideoViewing.DoesNotExist:
        # another person's viewing, or a token never issued: nothing to record here
        raise Http404 from None
    return JsonResponse(
        {
            "ok": True,
            "watched_seconds": round(result.progress.watched_seconds, 1),
            "watched_percent": result.watched_percent,
        }
    )


def live_signin(request, page):
    """POST on a live session page: sign in with the code (签到). After too many wrong codes the
    page comes back as 429 Too Many Requests, saying (and, in ``Retry-After``, telling clients)
    how long to wait."""
    try:
        live_signin_service(user=request.user, page=page, code=request.POST.get("code", ""))
        messages.success(request, _("You signed in to this session."))
    except SigninTooManyWrongCodes as error:
        messages.error(request, str(error))
        response = TemplateResponse(
            request, page.get_template(request), page.get_context(request), status=429
        )
        response["Retry-After"] = str(error.wait_seconds)
        return response
    except LearningError as error:
        messages.error(request, str(error))
    return redirect(page.url)


SEARCH_PAGE_SIZE = 10


@login_required
def search(request):
    """Search textbooks and lessons in Chinese (站内检索): phrases found inside long runs of
    characters, ranked by the full-text engine, with the match highlighted."""
    query = request.GET.get("q", "").strip()
    results, page = [], None
    if query and query_bigrams(query):
        found = searchable_pages().search(query_bigrams(query), operator="and", order_by_relevance=True)
        page = Paginator(found, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        for item in page.object_list:
            specific = item.specific if not hasattr(item, "search_text") else item
            results.append({"page": specific, "excerpt": highlight(specific.search_text(), query)})
    return render(request, "courses/search.html", {"query": query, "results": results, "page": page})


@login_required
def live_attendance(request, page_id: int):
    """The attendance list of a live session (签到名单): the trainers who can edit the session see
    everyone; a manager sees the people of their own subtree; nobody else sees it."""
    from training.org.selectors import scope_for_user

    page = get_object_or_404(LiveSessionPage, pk=page_id)
    scope = scope_for_user(request.user)
    can_edit = page.permissions_for_user(request.user).can_edit()
    if not (can_edit or scope.is_manager):
        raise PermissionDenied
    rows = live_attendance_list(page=page, scope=None if can_edit else scope)
    return render(request, "courses/live_attendance.html", {"page": page, "rows": rows})
