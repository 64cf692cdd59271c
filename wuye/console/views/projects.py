"""Projects: list, detail and edit (business hours, fee model, service phone, address)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wuye.accounts.access import Capability, access_project, require, scope_for
from wuye.console.forms import ProjectFilterForm, ProjectForm
from wuye.console.forms.records import WEEKDAYS
from wuye.console.selectors import audit_history, dashboard_projects
from wuye.console.views.common import apply_errors, paginate, staff_view
from wuye.core.errors import DomainError
from wuye.places import selectors
from wuye.places.services import project_update


@staff_view
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectFilterForm(request.GET)
    qs = selectors.project_list(user=request.user, q=form.value("q"))
    page = paginate(request, qs)
    return render(request, "console/projects/list.html", {"form": form, "page": page})


@staff_view
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project(request.user, pk)
    counts = dashboard_projects(user=request.user).get(pk=project.pk)
    buildings = selectors.building_list(user=request.user, project_id=project.pk).annotate(
        n_units=Count("units")
    )
    return render(
        request,
        "console/projects/detail.html",
        {
            "project": project,
            "counts": counts,
            "weekdays": [label for value, label in WEEKDAYS if int(value) in project.weekday_set],
            "buildings": buildings,
            "can_edit": scope_for(request.user).can(project.pk, Capability.MANAGE_PLACES),
            "audit_events": audit_history(object_type="places.project", object_ids=[project.pk]),
        },
    )


@staff_view
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project(request.user, pk)
    require(request.user, project.pk, Capability.MANAGE_PLACES)
    if request.method == "POST":
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                project_update(actor=request.user, project=project, **form.service_fields())
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The project was saved."))
                return redirect("console:project-detail", pk=project.pk)
    else:
        form = ProjectForm(initial=ProjectForm.initial_for(project))
    return render(request, "console/projects/edit.html", {"project": project, "form": form})
