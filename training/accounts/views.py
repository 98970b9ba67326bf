"""Account security pages (账户安全): password change, two-factor setup, verify and disable."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import twofactor
from .forms import CodeForm


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@login_required
def security_view(request):
    """The person's account security page: password and two-factor login."""
    return render(
        request,
        "accounts/security.html",
        {
            "enabled": twofactor.two_factor_enabled(request.user),
            "required": twofactor.two_factor_required(request.user),
            "disable_form": CodeForm(),
        },
    )


@login_required
def two_factor_setup_view(request):
    """Set up an authenticator: a QR code of a new secret, confirmed by its first code; then the
    backup codes, shown once."""
    if twofactor.two_factor_enabled(request.user):
        messages.info(request, _("Two-factor login is already on."))
        return redirect("accounts:security")
    device = twofactor.totp_device_pending(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.two_factor_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/backup_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error(
            "code", _("The code is not right. Check the time on your phone and try the newest code.")
        )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": twofactor.qr_svg(device),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request),
            "required": request.session.get(twofactor.SESSION_STATE) == twofactor.SETUP,
        },
    )


@login_required
def two_factor_verify_view(request):
    """The second step of a login (登录验证): the code from the authenticator, or a backup code."""
    if request.session.get(twofactor.SESSION_STATE) != twofactor.VERIFY:
        return redirect(_next_url(request))
    if not twofactor.two_factor_enabled(request.user):
        # Reset by an administrator since this login: nothing left to verify with. Someone for
        # whom it is required goes to set it up again; anyone else goes on.
        state = twofactor.two_factor_state_at_login(request.user)
        if state == twofactor.SETUP:
            request.session[twofactor.SESSION_STATE] = state
            return redirect("accounts:two_factor_setup")
        request.session[twofactor.SESSION_STATE] = twofactor.DONE
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.two_factor_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _(
                "The code is not right, or too many wrong codes were given: wait a little and try the newest code."
            ),
        )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_POST
def two_factor_disable_view(request):
    """Turn two-factor login off, with one more valid code."""
    form = CodeForm(request.POST)
    if twofactor.two_factor_required(request.user):
        messages.error(request, _("Two-factor login is required for your role and cannot be turned off."))
    elif form.is_valid() and twofactor.two_factor_disable(request=request, token=form.cleaned_data["code"]):
        messages.success(request, _("Two-factor login is off."))
    else:
        messages.error(request, _("The code is not right; two-factor login stays on."))
    return redirect("accounts:security")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change with our rules (AUTH_PASSWORD_VALIDATORS); the save is audited as
    ``password.change`` (training/accounts/receivers.py), as on every other path."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
