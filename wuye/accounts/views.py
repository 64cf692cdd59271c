"""Staff sign-in and sign-out for the console."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from wuye.accounts.access import is_resident, scope_for
from wuye.accounts.forms import LoginForm
from wuye.console.current import optional_url


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def landing_url(request: HttpRequest, wanted: str = "") -> str:
    """Where a signed-in user goes: staff to ``wanted`` or the dashboard, residents to the portal."""
    if scope_for(request.user).is_staff_member:
        return wanted or resolve_url(settings.LOGIN_REDIRECT_URL)
    if is_resident(request.user):
        return optional_url("portal:home") or "/portal/"
    return wanted or resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    wanted = _safe_next(request)
    if request.user.is_authenticated and request.method == "GET":
        return redirect(landing_url(request, wanted))
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        return redirect(landing_url(request, wanted))
    return render(request, "accounts/login.html", {"form": form, "next": wanted})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
