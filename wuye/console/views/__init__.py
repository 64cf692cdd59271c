"""Console views, one module per area. ``home`` is the site root (wired in ``wuye/urls.py``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url

from wuye.accounts.views import landing_url


def home(request: HttpRequest) -> HttpResponse:
    """Send staff to the console, residents to the portal and everyone else to sign in."""
    if not request.user.is_authenticated:
        return redirect_to_login(resolve_url(settings.LOGIN_REDIRECT_URL))
    return redirect(landing_url(request))


__all__ = ["home"]
