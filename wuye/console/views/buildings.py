"""Buildings: list (filtered by project), create and edit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wuye.accounts.access import Capability, access_building, require, scope_for
from wuye.console.current import current_project_id, request_projects
from wuye.console.forms import BuildingFilterForm, BuildingForm
from wuye.console.selectors import audit_history, manageable_projects
from wuye.console.views.common import apply_errors, forbidden, list_project_id, paginate, staff_view
from wuye.core.errors import DomainError
from wuye.places import selectors
from wuye.places.services import building_create, building_update


@staff_view
def building_list(request: HttpRequest) -> HttpResponse:
    form = BuildingFilterForm(
        request.GET, projects=request_projects(request), project_id=list_project_id(request)
    )
    qs = selectors.building_list(
        user=request.user, project_id=form.id_value("project"), q=form.value("q")
    ).annotate(n_units=Count("units"))
    page = paginate(request, qs)
    scope = scope_for(request.user)
    return render(
        request,
        "console/buildings/list.html",
        {
            "form": form,
            "page": page,
            "can_create": scope.can_anywhere(Capability.MANAGE_PLACES),
            "editable_ids": {
                pid for pid in scope.project_ids if scope.can(pid, Capability.MANAGE_PLACES)
            },
        },
    )


@staff_view
def building_create_view(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can_anywhere(Capability.MANAGE_PLACES):
        return forbidden(request)
    projects = manageable_projects(request.user, Capability.MANAGE_PLACES)
    if request.method == "POST":
        form = BuildingForm(request.POST, projects=projects)
        if form.is_valid():
            project = form.cleaned_data["project"]
            require(request.user, project.pk, Capability.MANAGE_PLACES)
            try:
                building_create(
                    actor=request.user,
                    project=project,
                    name=form.cleaned_data["name"],
                    floors=form.cleaned_data["floors"],
                )
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The building was created."))
                return redirect(reverse("console:building-list") + f"?project={project.pk}")
    else:
        form = BuildingForm(
            projects=projects,
            initial={"project": request.GET.get("project") or current_project_id(request)},
        )
    return render(request, "console/buildings/form.html", {"form": form, "building": None})


@staff_view
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    building = access_building(request.user, pk)
    require(request.user, building.project_id, Capability.MANAGE_PLACES)
    if request.method == "POST":
        form = BuildingForm(request.POST)
        if form.is_valid():
            try:
                building_update(actor=request.user, building=building, **form.cleaned_data)
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The building was saved."))
                return redirect(
                    reverse("console:building-list") + f"?project={building.project_id}"
                )
    else:
        form = BuildingForm(initial={"name": building.name, "floors": building.floors})
    return render(
        request,
        "console/buildings/form.html",
        {
            "form": form,
            "building": building,
            "audit_events": audit_history(object_type="places.building", object_ids=[building.pk]),
        },
    )
