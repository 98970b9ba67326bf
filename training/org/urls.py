from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/download/", views.my_data_download, name="my_data_download"),
]
