"""Authoring rules in the Wagtail admin: trainers limited to their business areas (pages and
lesson videos), a "new version" action for textbooks, and processing of lesson videos as soon as
a page uses them."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.userbar import AccessibilityItem
from wagtail.admin.widgets import PageListingButton

from training.org.selectors import may_act_on_area

from .forms import NewVersionForm
from .models import LessonVideo, TextbookPage
from .selectors import page_area_allowed, video_of, videos_for_author
from .services import lesson_place_before_exam, textbook_new_version

OUTSIDE_YOUR_AREAS = _("This content belongs to a business area you are not responsible for.")


def _check_area(request, page, parent=None) -> None:
    if not page_area_allowed(user=request.user, page=page, parent=parent):
        raise PermissionDenied(OUTSIDE_YOUR_AREAS)


@hooks.register("before_edit_page")
def limit_edit_to_own_areas(request, page):
    _check_area(request, page)


@hooks.register("before_delete_page")
def limit_delete_to_own_areas(request, page):
    _check_area(request, page)


@hooks.register("before_create_page")
def limit_create_to_own_areas(request, parent_page, page_class):
    _check_area(request, None, parent=parent_page)


@hooks.register("before_copy_page")
def limit_copy_to_own_areas(request, page):
    # A copy is new content of the page's area: the same rule as creating it.
    _check_area(request, page)


@hooks.register("before_move_page")
def limit_move_to_own_areas(request, page, destination):
    _check_area(request, page)
    _check_area(request, None, parent=destination)


@hooks.register("construct_wagtail_userbar")
def accessibility_checker_only_in_debug(request, items, page):
    # The checker runs axe on every page view: heavy, and noisy in the console. Developers keep it.
    if not settings.DEBUG:
        items[:] = [item for item in items if not isinstance(item, AccessibilityItem)]


@hooks.register("after_create_page")
def keep_module_exam_last(request, page):
    lesson_place_before_exam(page=page)


@hooks.register("after_copy_page")
def keep_module_exam_last_on_copy(request, page, new_page):
    lesson_place_before_exam(page=new_page)


def video_area_required(view):
    """Around wagtailmedia's screens of one video (edit and replace, delete, usage, choosing it
    for a lesson): a trainer acts only on videos of their areas. training/urls.py routes these
    screens' paths to the wrapped views ahead of wagtailmedia's own, which offers no hook for it."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        area_ids = LessonVideo.objects.filter(pk=kwargs["media_id"]).values_list("area_id", flat=True)
        if area_ids and not may_act_on_area(user=request.user, area_id=area_ids[0]):
            raise PermissionDenied(OUTSIDE_YOUR_AREAS)
        return view(request, *args, **kwargs)

    return checked


@hooks.register("construct_media_chooser_queryset")
def choose_videos_of_own_areas(media, request):
    return media.filter(pk__in=videos_for_author(user=request.user))


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def process_new_lesson_video(request, page):
    from .tasks import video_process_task

    video = video_of(page)
    if isinstance(video, LessonVideo) and video.processing == LessonVideo.Processing.PENDING:
        video_process_task.delay(video_id=video.pk)


def new_version_view(request, page_id: int):
    """Admin screen: start a new version of a textbook (draft copy linked to the old one)."""
    textbook = get_object_or_404(TextbookPage, pk=page_id)
    if (
        not textbook.permissions_for_user(request.user).can_add_subpage()
        and not textbook.get_parent().permissions_for_user(request.user).can_add_subpage()
    ):
        raise PermissionDenied
    _check_area(request, textbook)
    form = NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new = textbook_new_version(
            textbook=textbook,
            version=form.cleaned_data["version"],
            effective_date=form.cleaned_data["effective_date"],
            user=request.user,
        )
        messages.success(request, _("New version created as a draft. Edit it, then submit it for approval."))
        return redirect("wagtailadmin_pages:edit", new.pk)
    return TemplateResponse(request, "courses/admin/new_version.html", {"textbook": textbook, "form": form})


@hooks.register("register_admin_urls")
def register_textbook_urls():
    return [path("textbooks/<int:page_id>/new-version/", new_version_view, name="textbook_new_version")]


@hooks.register("register_page_header_buttons")
def textbook_new_version_button(page, user, view_name, next_url=None):
    if isinstance(page.specific_deferred, TextbookPage):
        yield PageListingButton(
            _("New version"), reverse("textbook_new_version", args=[page.pk]), icon_name="copy", priority=35
        )
