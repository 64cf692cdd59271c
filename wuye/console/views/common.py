"""Pieces every console view shares: the access gate, pagination and error mapping."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from wuye.accounts.access import is_resident, scope_for
from wuye.console.current import current_project_id, optional_url
from wuye.core.errors import DomainError, PermissionDenied

PAGE_SIZE = 25

View = Callable[..., HttpResponse]


def forbidden(request: HttpRequest, message: Any = None) -> HttpResponse:
    return render(request, "console/403.html", {"message": message}, status=403)


def no_access(request: HttpRequest) -> HttpResponse:
    """A signed-in user with no staff role: residents go to the portal, others see why."""
    if is_resident(request.user):
        return redirect(optional_url("portal:home") or "/portal/")
    return render(request, "console/no_access.html", status=403)


def staff_view(view: View) -> View:
    """Console views: sign-in required, staff scope required, and a ``PermissionDenied``
    from ``require(...)`` or a service becomes the 403 page.

    Out-of-scope objects raise ``Http404`` inside the view (``access_*``) and are not
    touched here.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not scope_for(request.user).is_staff_member:
            return no_access(request)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return forbidden(request, exc.message)

    return wrapper


def paginate(request: HttpRequest, qs: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def list_project_id(request: HttpRequest) -> int | None:
    """The project a list is filtered by: the ``project`` query parameter when given
    (empty = all my projects), else the current project from the session."""
    if "project" in request.GET:
        raw = request.GET.get("project", "")
        return int(raw) if raw.isdigit() else None
    return current_project_id(request)


def apply_errors(form: Form, exc: ValidationError | DomainError) -> None:
    """Show a service's ``ValidationError`` / ``DomainError`` on the form's fields.

    Errors for fields the form does not have become form-wide errors.
    """
    if isinstance(exc, DomainError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, ValidationError(str(exc.message), code=exc.code))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
