from django.urls import path

from . import views

app_name = "competency"
urlpatterns = [
    path("me/certificates/", views.my_certificates, name="my_certificates"),
    path("manage/matrix/", views.matrix, name="matrix"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf_view, name="certificate_pdf"),
    path("certificates/<int:pk>/badge.json", views.certificate_badge_view, name="certificate_badge"),
    path("badges/<slug:area_code>/<slug:level>/", views.achievement_view, name="achievement"),
    path(".well-known/did.json", views.did_document_view, name="did_document"),
    path("manage/certificates/bulk/", views.certificates_bulk, name="certificates_bulk"),
    path("jobs/<int:pk>/", views.job_view, name="job"),
    path("manage/people/", views.people_search, name="people_search"),
    path(
        "manage/people/<int:staff_id>/certifications/",
        views.person_certifications,
        name="person_certifications",
    ),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
