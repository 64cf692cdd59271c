"""The dashboard and the project switcher."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_POST

from wuye.accounts.access import scope_for
from wuye.console.current import current_project_id, set_current_project
from wuye.console.selectors import dashboard_projects
from wuye.console.views.common import safe_next, staff_view


@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    projects = list(dashboard_projects(user=request.user))
    current = current_project_id(request)
    if current is not None:
        projects.sort(key=lambda p: p.pk != current)  # the current project first
    totals = {
        key: sum(getattr(p, key) for p in projects)
        for key in ("n_buildings", "n_units", "n_occupants", "n_occupancies")
    }
    return render(
        request,
        "console/dashboard.html",
        {"projects": projects, "current_id": current, "totals": totals},
    )


@require_POST
@staff_view
def switch_project(request: HttpRequest) -> HttpResponse:
    """Make a project current (``project`` = its id) or show all projects (``project`` empty)."""
    raw = request.POST.get("project", "")
    if raw == "":
        set_current_project(request, None)
    else:
        if not raw.isdigit() or int(raw) not in scope_for(request.user).project_ids:
            raise Http404
        set_current_project(request, int(raw))
    return redirect(safe_next(request, resolve_url("console:dashboard")))
