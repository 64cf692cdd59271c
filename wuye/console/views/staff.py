"""Staff: memberships in the projects the user manages; add and deactivate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wuye.accounts.access import Capability, scope_for
from wuye.accounts.forms import MembershipForm
from wuye.accounts.services import membership_create, membership_deactivate
from wuye.console.current import request_projects
from wuye.console.forms import MembershipFilterForm
from wuye.console.selectors import (
    access_membership,
    manageable_projects,
    membership_list,
    staff_project_ids,
)
from wuye.console.views.common import (
    apply_errors,
    forbidden,
    list_project_id,
    paginate,
    safe_next,
    staff_view,
)
from wuye.core.errors import DomainError, PermissionDenied


@staff_view
def staff_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.can_anywhere(Capability.MANAGE_STAFF):
        return forbidden(request)
    allowed = staff_project_ids(request.user)
    projects = [p for p in request_projects(request) if p.pk in allowed]
    project_id = list_project_id(request)
    if project_id not in allowed:
        project_id = None
    form = MembershipFilterForm(request.GET, projects=projects, project_id=project_id)
    qs = membership_list(
        user=request.user,
        project_id=form.id_value("project"),
        role=form.value("role"),
        q=form.value("q"),
        status=form.value("status"),
    )
    page = paginate(request, qs)
    return render(request, "console/staff/list.html", {"form": form, "page": page})


@staff_view
def staff_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.can_anywhere(Capability.MANAGE_STAFF):
        return forbidden(request)
    kwargs: dict[str, Any] = {
        "projects": manageable_projects(request.user, Capability.MANAGE_STAFF),
        "may_appoint_admin": bool(scope.admin_company_ids),
    }
    if request.method == "POST":
        form = MembershipForm(request.POST, **kwargs)
        if form.is_valid():
            assert form.found_user is not None
            try:
                membership_create(
                    actor=request.user,
                    user=form.found_user,
                    role=form.cleaned_data["role"],
                    project=form.cleaned_data["project"],
                )
            except PermissionDenied:
                raise
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The role was granted."))
                return redirect("console:staff-list")
    else:
        form = MembershipForm(initial={"project": list_project_id(request)}, **kwargs)
    return render(request, "console/staff/form.html", {"form": form})


@require_POST
@staff_view
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = access_membership(request.user, pk)
    try:
        membership_deactivate(actor=request.user, membership=membership)
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The membership was deactivated."))
    return redirect(safe_next(request, resolve_url("console:staff-list")))
