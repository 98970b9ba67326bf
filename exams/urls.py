from django.urls import path

from . import views

app_name = "exams"
urlpatterns = [
    path("attempts/<int:attempt_id>/answers/", views.answer_save_view, name="answer_save"),
]
