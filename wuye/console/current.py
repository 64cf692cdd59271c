"""The console's per-request state: the user's visible projects and the current project.

The current project lives in the session. Lists default to it; ``None`` means
"all my projects". Both values are computed at most once per request.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from wuye.accounts.access import scope_for, visible_projects
from wuye.places.models import Project

SESSION_KEY = "wuye.console.project"
_CACHE_ATTR = "_wuye_console_projects"


def request_projects(request: HttpRequest) -> list[Project]:
    """Projects the user may see, with their company, loaded once per request."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            visible_projects(request.user)
            .select_related("company")
            .order_by("company__name", "name")
        )
        setattr(request, _CACHE_ATTR, cached)
    return cached


def current_project_id(request: HttpRequest) -> int | None:
    """The session's project when it is still in the user's scope, else ``None`` (all)."""
    value = request.session.get(SESSION_KEY)
    if not isinstance(value, int):
        return None
    scope = scope_for(request.user)
    if value in scope.project_ids:
        return value
    return None


def current_project(request: HttpRequest) -> Project | None:
    pid = current_project_id(request)
    if pid is None:
        return None
    return next((p for p in request_projects(request) if p.pk == pid), None)


def set_current_project(request: HttpRequest, project_id: int | None) -> None:
    if project_id is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = project_id


def optional_url(name: str, *args: object) -> str | None:
    """``reverse(name)`` or ``None`` when another app has not registered that route (yet)."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None
