"""Who is calling: a bearer token, or the Django session (the browsable docs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from wuye.accounts.tokens import token_authenticate

if TYPE_CHECKING:
    from wuye.accounts.models import User


class ApiRequest(HttpRequest):
    """For annotations: the request an authenticated API operation receives, with ninja's
    ``auth`` set to what ``bearer`` or ``session`` returned (the user)."""

    auth: User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            # Code downstream (scoping, audit) reads request.user as in any Django view.
            request.user = user
        return user


class Session(SessionAuth):
    """ninja's ``django_auth`` (with its CSRF check on unsafe methods), except that a request
    without a logged-in session is simply not authenticated (401) instead of failing the
    CSRF check (403) first."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


bearer = BearerToken()
session = Session(csrf=True)
