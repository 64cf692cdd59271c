"""Units: the searchable list, detail with occupants and history, create and edit, and
starting / ending occupancies."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wuye.accounts.access import (
    Capability,
    access_unit,
    require,
    scope_for,
    visible_buildings,
    visible_occupants,
)
from wuye.console.current import request_projects
from wuye.console.forms import OccupancyEndForm, OccupancyStartForm, UnitFilterForm, UnitForm
from wuye.console.selectors import audit_history_multi, manageable_projects
from wuye.console.views.common import apply_errors, forbidden, list_project_id, paginate, staff_view
from wuye.core.errors import DomainError
from wuye.core.http import HtmxHttpRequest
from wuye.places import selectors
from wuye.places.models import Unit
from wuye.places.services import occupancy_end, occupancy_start, unit_create, unit_update


@staff_view
def unit_list(request: HtmxHttpRequest) -> HttpResponse:
    project_id = list_project_id(request)
    # Only what the filter's option labels need: a large estate has hundreds of buildings.
    buildings = selectors.building_list(user=request.user, project_id=project_id).only(
        "name", "project", "project__name"
    )
    form = UnitFilterForm(
        request.GET, projects=request_projects(request), project_id=project_id, buildings=buildings
    )
    qs = selectors.unit_list(
        user=request.user,
        project_id=form.id_value("project"),
        building_id=form.id_value("building"),
        q=form.value("q"),
        use=form.value("use"),
    ).prefetch_related(selectors.current_occupancies_prefetch())
    page = paginate(request, qs)
    context = {
        "form": form,
        "page": page,
        "can_create": scope_for(request.user).can_anywhere(Capability.MANAGE_PLACES),
    }
    if request.htmx and request.htmx.target == "unit-results":
        return render(request, "console/units/_results.html", context)
    return render(request, "console/units/list.html", context)


def _detail_context(request: HttpRequest, unit: Unit, **extra: Any) -> dict[str, Any]:
    history = list(selectors.occupancy_history_for_unit(unit=unit))
    scope = scope_for(request.user)
    can_manage = scope.can(unit.project_id, Capability.MANAGE_OCCUPANTS)
    context: dict[str, Any] = {
        "unit": unit,
        "current": [o for o in history if o.is_current],
        "ended": [o for o in history if not o.is_current],
        "can_edit": scope.can(unit.project_id, Capability.MANAGE_PLACES),
        "can_manage_occupants": can_manage,
        "audit_events": audit_history_multi(
            records={
                "places.unit": [unit.pk],
                "places.occupancy": [o.pk for o in history],
            }
        ),
        "end_form": OccupancyEndForm(),
        "end_errors_for": None,
    }
    if can_manage and "start_form" not in extra:
        context["start_form"] = OccupancyStartForm(occupants=_project_occupants(request, unit))
    context.update(extra)
    return context


def _project_occupants(request: HttpRequest, unit: Unit) -> Any:
    return visible_occupants(request.user).filter(project_id=unit.project_id).order_by("name", "id")


@staff_view
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    return render(request, "console/units/detail.html", _detail_context(request, unit))


@require_POST
@staff_view
def occupancy_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    require(request.user, unit.project_id, Capability.MANAGE_OCCUPANTS)
    form = OccupancyStartForm(request.POST, occupants=_project_occupants(request, unit))
    if form.is_valid():
        try:
            occupancy_start(actor=request.user, unit=unit, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The occupant was linked to the unit."))
            return redirect("console:unit-detail", pk=unit.pk)
    return render(
        request, "console/units/detail.html", _detail_context(request, unit, start_form=form)
    )


@require_POST
@staff_view
def occupancy_end_view(request: HttpRequest, pk: int, occupancy_pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    occupancy = unit.occupancies.select_related("unit__project").filter(pk=occupancy_pk).first()
    if occupancy is None:
        raise Http404
    require(request.user, unit.project_id, Capability.MANAGE_OCCUPANTS)
    form = OccupancyEndForm(request.POST)
    if form.is_valid():
        try:
            occupancy_end(
                actor=request.user, occupancy=occupancy, end_date=form.cleaned_data["end_date"]
            )
        except (ValidationError, DomainError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The occupancy was ended."))
            return redirect("console:unit-detail", pk=unit.pk)
    return render(
        request,
        "console/units/detail.html",
        _detail_context(request, unit, end_form=form, end_errors_for=occupancy.pk),
    )


def _unit_buildings(request: HttpRequest, project_id: int | None = None) -> Any:
    qs = visible_buildings(request.user).select_related("project").order_by("project__name", "name")
    if project_id is not None:
        return qs.filter(project_id=project_id)
    return qs.filter(project__in=manageable_projects(request.user, Capability.MANAGE_PLACES))


@staff_view
def unit_create_view(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can_anywhere(Capability.MANAGE_PLACES):
        return forbidden(request)
    buildings = _unit_buildings(request)
    if request.method == "POST":
        form = UnitForm(request.POST, buildings=buildings)
        if form.is_valid():
            data = dict(form.cleaned_data)
            building = data.pop("building")
            require(request.user, building.project_id, Capability.MANAGE_PLACES)
            try:
                unit = unit_create(actor=request.user, building=building, **data)
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The unit was created."))
                return redirect("console:unit-detail", pk=unit.pk)
    else:
        form = UnitForm(buildings=buildings, initial={"building": request.GET.get("building")})
    return render(request, "console/units/form.html", {"form": form, "unit": None})


@staff_view
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    require(request.user, unit.project_id, Capability.MANAGE_PLACES)
    buildings = _unit_buildings(request, unit.project_id)
    if request.method == "POST":
        form = UnitForm(request.POST, buildings=buildings)
        if form.is_valid():
            try:
                unit_update(actor=request.user, unit=unit, **form.cleaned_data)
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The unit was saved."))
                return redirect("console:unit-detail", pk=unit.pk)
    else:
        form = UnitForm(
            buildings=buildings,
            initial={
                "building": unit.building_id,
                "number": unit.number,
                "floor": unit.floor,
                "use": unit.use,
                "building_area": unit.building_area,
            },
        )
    return render(request, "console/units/form.html", {"form": form, "unit": unit})
