from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("manage/dashboard/", views.dashboard, name="dashboard"),
    path("manage/dashboard/people/<int:staff_id>/", views.person, name="person"),
    path("manage/dashboard/export/", views.export, name="export"),
]
