from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("me/tasks/", views.my_tasks, name="my_tasks"),
    path("manage/plans/", views.plan_list, name="plan_list"),
    path("manage/plans/new/", views.plan_new, name="plan_new"),
    path("manage/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("manage/extensions/", views.extensions, name="extensions"),
    path("manage/gaps/", views.gaps, name="gaps"),
]
