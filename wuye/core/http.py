"""Request types for annotations: what the middleware and the view decorators guarantee,
spelled out for the type checker. Nothing here is instantiated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from wuye.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """Any request: django-htmx's middleware (in ``MIDDLEWARE``) sets ``htmx``."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request behind ``login_required`` or one of the apps' sign-in gates
    (``staff_view``, ``resident_required``): ``user`` is a signed-in user."""

    user: User
