from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security_view, name="security"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("two-factor/setup/", views.two_factor_setup_view, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify_view, name="two_factor_verify"),
    path("two-factor/disable/", views.two_factor_disable_view, name="two_factor_disable"),
]
