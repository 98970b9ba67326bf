from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("learn/video/<int:page_id>/progress/", views.video_progress, name="video_progress"),
    path("search/", views.search, name="search"),
    path("learn/live/<int:page_id>/attendance/", views.live_attendance, name="live_attendance"),
]
