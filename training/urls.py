from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.admin.urls import reports as wagtail_reports_urls
from wagtail.documents.views import serve as wagtaildocs_serve

from wagtailmedia.views import chooser as wagtailmedia_chooser
from wagtailmedia.views import media as wagtailmedia_media

from courses.page_cache import with_cached_site
from courses.wagtail_hooks import video_area_required
from exams.api import api as exams_api
from exams.api import not_found as api_not_found
from training.media import serve_document, serve_media
from training.org.admin_views import administrators_only_in_wagtail
from training.org.views import favicon, healthz


def _video_screen(view):
    # As Wagtail's own admin URLs are: signed-in admin users only, in their admin language; then
    # the area check of courses/wagtail_hooks.py.
    return require_admin_access(video_area_required(view))


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # A trainer acts on the lesson videos of their business areas only (courses/wagtail_hooks.py):
    # these paths of wagtailmedia's screens of one video answer first, through the area check.
    path("admin/media/edit/<int:media_id>/", _video_screen(wagtailmedia_media.edit), name="video_edit"),
    path(
        "admin/media/delete/<int:media_id>/",
        _video_screen(wagtailmedia_media.delete),
        name="video_delete",
    ),
    path("admin/media/usage/<int:media_id>/", _video_screen(wagtailmedia_media.usage), name="video_usage"),
    path(
        "admin/media/chooser/<int:media_id>/",
        _video_screen(wagtailmedia_chooser.media_chosen),
        name="video_chosen",
    ),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document URLs (same names and views), each served file with our upload headers.
    re_path(r"^documents/(\d+)/(.*)$", serve_document(wagtaildocs_serve.serve), name="wagtaildocs_serve"),
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        wagtaildocs_serve.authenticate_with_password,
        name="wagtaildocs_authenticate_with_password",
    ),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("training.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("exams/", include("exams.urls")),
    path("api/v1/", exams_api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found, name="api_not_found"),
    path("", include("courses.urls")),
    path("", include("training.competency.urls")),
    path("", include("training.plans.urls")),
    path("", include("training.reports.urls")),
    path("", include("training.notify.urls")),
    path("", include("training.org.urls")),
]

if settings.SERVE_MEDIA:
    # Embedded mode: uploads are served by Django itself; at scale, object storage serves them.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media, name="media"),
    ]

urlpatterns += [path("", include(wagtail_urls))]

# Wagtail's page-serving view, with the site of the request's host read from the cache
# (courses/page_cache.py): two queries fewer on every page.
for _pattern in wagtail_urls.urlpatterns:
    if _pattern.name == "wagtail_serve":
        _pattern.callback = with_cached_site(_pattern.callback)

# Wagtail's site history lists every logged change of every object whose type one holds any
# permission on: a trainer would read the titles of other trainers' questions and banks there.
# The whole site's history (审计) is for administrators, like our own audit log.
for _pattern in wagtail_reports_urls.urlpatterns:
    if _pattern.name in ("site_history", "site_history_results"):
        _pattern.callback = administrators_only_in_wagtail(_pattern.callback)

# A database that is briefly away answers 503 with a clear message, not a 500 (training/org/views.py).
handler500 = "training.org.views.server_error"
