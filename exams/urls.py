from django.urls import path

from . import views

app_name = "exams"
urlpatterns = [
    path("attempts/<int:attempt_id>/answers/", views.answer_save_view, name="answer_save"),
    path("practice/<int:attempt_id>/", views.practice, name="practice"),
    path("drills/", views.drills, name="drills"),
    path("drills/daily/", views.daily, name="daily"),
    path("wrong-book/", views.wrong_book, name="wrong_book"),
    path("progress/", views.my_progress, name="progress"),
    path("marking/", views.marking_queue, name="marking_queue"),
    path("marking/<int:answer_id>/", views.mark_answer, name="mark_answer"),
    path("banks/", views.my_banks, name="my_banks"),
    path("banks/<int:bank_id>/analysis/", views.item_analysis, name="item_analysis"),
]
