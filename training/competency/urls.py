from django.urls import path

from . import views

app_name = "competency"
urlpatterns = [
    path("me/certificates/", views.my_certificates, name="my_certificates"),
    path("manage/matrix/", views.matrix, name="matrix"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
