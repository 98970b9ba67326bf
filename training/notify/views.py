from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification
from .selectors import notification_list_for_user
from .services import notification_mark_read, notifications_mark_all_read

PER_PAGE = 20


@login_required
def notification_list(request):
    """The person's notification centre (通知中心): their own notifications, newest first."""
    page = Paginator(notification_list_for_user(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "notify/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read and follow its link; someone else's notification answers 404."""
    try:
        notification = notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("notify:list")


@login_required
@require_POST
def notifications_read_all(request):
    notifications_mark_all_read(user=request.user)
    return redirect("notify:list")
