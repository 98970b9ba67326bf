from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from exams.api import api as exams_api
from training.media import serve_media
from training.org.views import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("exams/", include("exams.urls")),
    path("api/v1/", exams_api.urls),
    path("", include("courses.urls")),
    path("", include("training.competency.urls")),
    path("", include("training.plans.urls")),
    path("", include("training.reports.urls")),
    path("", include("training.notify.urls")),
]

if settings.SERVE_MEDIA:
    # Embedded mode: uploads are served by Django itself; at scale, object storage serves them.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media, name="media"),
    ]

urlpatterns += [path("", include(wagtail_urls))]

# A database that is briefly away answers 503 with a clear message, not a 500 (training/org/views.py).
handler500 = "training.org.views.server_error"
