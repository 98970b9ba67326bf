from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("learn/video/<int:page_id>/progress/", views.video_progress, name="video_progress"),
    path("search/", views.search, name="search"),
]
