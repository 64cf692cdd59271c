"""Occupants: list, detail (masked personal data, audited reveal), create and edit; giving
and removing access to the resident portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wuye.accounts.access import Capability, access_occupant, require, scope_for
from wuye.accounts.residents import (
    occupant_portal_access_grant,
    occupant_portal_access_revoke,
    portal_path,
)
from wuye.console.current import current_project_id, request_projects
from wuye.console.forms import OccupantFilterForm, OccupantForm
from wuye.console.selectors import audit_history_multi, manageable_projects
from wuye.console.views.common import apply_errors, forbidden, list_project_id, paginate, staff_view
from wuye.core.errors import DomainError, PermissionDenied
from wuye.places import selectors
from wuye.places.models import Occupancy
from wuye.places.services import occupant_create, occupant_update, personal_data_reveal


def _current_units_prefetch() -> Prefetch:
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("unit__building")
        .order_by("unit__number", "id"),
        to_attr="current_occupancies",
    )


@staff_view
def occupant_list(request: HttpRequest) -> HttpResponse:
    form = OccupantFilterForm(
        request.GET, projects=request_projects(request), project_id=list_project_id(request)
    )
    qs = selectors.occupant_list(
        user=request.user,
        project_id=form.id_value("project"),
        q=form.value("q"),
        kind=form.value("kind"),
    ).prefetch_related(_current_units_prefetch())
    page = paginate(request, qs)
    return render(
        request,
        "console/occupants/list.html",
        {
            "form": form,
            "page": page,
            "can_create": scope_for(request.user).can_anywhere(Capability.MANAGE_OCCUPANTS),
        },
    )


@staff_view
def occupant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    occupant = access_occupant(request.user, pk)
    history = list(selectors.occupancy_history_for_occupant(occupant=occupant))
    scope = scope_for(request.user)
    return render(
        request,
        "console/occupants/detail.html",
        {
            "occupant": occupant,
            # the login's own number: it may differ from the occupant's if either was edited
            "portal_user": occupant.user if occupant.user_id else None,
            "current": [o for o in history if o.is_current],
            "ended": [o for o in history if not o.is_current],
            "can_edit": scope.can(occupant.project_id, Capability.MANAGE_OCCUPANTS),
            "can_reveal": scope.can(occupant.project_id, Capability.VIEW_PERSONAL_DATA),
            "audit_events": audit_history_multi(
                records={
                    "places.occupant": [occupant.pk],
                    "places.occupancy": [o.pk for o in history],
                }
            ),
        },
    )


@never_cache
@require_POST
@staff_view
def occupant_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full mobile and ID number once; the reveal is recorded in the audit log."""
    occupant = access_occupant(request.user, pk)
    require(request.user, occupant.project_id, Capability.VIEW_PERSONAL_DATA)
    revealed = personal_data_reveal(actor=request.user, occupant=occupant)
    return render(
        request,
        "console/occupants/_personal_data.html",
        {"occupant": occupant, "revealed": revealed, "can_reveal": True},
    )


@staff_view
def occupant_create_view(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can_anywhere(Capability.MANAGE_OCCUPANTS):
        return forbidden(request)
    projects = manageable_projects(request.user, Capability.MANAGE_OCCUPANTS)
    if request.method == "POST":
        form = OccupantForm(request.POST, projects=projects)
        if form.is_valid():
            project = form.cleaned_data["project"]
            require(request.user, project.pk, Capability.MANAGE_OCCUPANTS)
            try:
                occupant = occupant_create(
                    actor=request.user, project=project, **form.service_fields()
                )
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The occupant was created."))
                return redirect("console:occupant-detail", pk=occupant.pk)
    else:
        form = OccupantForm(
            projects=projects,
            initial={"project": request.GET.get("project") or current_project_id(request)},
        )
    return render(request, "console/occupants/form.html", {"form": form, "occupant": None})


@staff_view
def occupant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    occupant = access_occupant(request.user, pk)
    require(request.user, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    if request.method == "POST":
        form = OccupantForm(request.POST, occupant=occupant)
        if form.is_valid():
            try:
                occupant_update(actor=request.user, occupant=occupant, **form.service_fields())
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The occupant was saved."))
                return redirect("console:occupant-detail", pk=occupant.pk)
    else:
        form = OccupantForm(occupant=occupant, initial=OccupantForm.initial_for(occupant))
    return render(request, "console/occupants/form.html", {"form": form, "occupant": occupant})


@require_POST
@staff_view
def occupant_portal_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the occupant to a portal login (created if needed) and text them how to sign in."""
    occupant = access_occupant(request.user, pk)
    require(request.user, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    try:
        user = occupant_portal_access_grant(
            actor=request.user,
            occupant=occupant,
            portal_url=request.build_absolute_uri(portal_path()),
        )
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Portal access was given. An SMS telling how to sign in is queued for %(mobile)s.")
            % {"mobile": user.masked_mobile},
        )
    return redirect(reverse("console:occupant-detail", args=[occupant.pk]) + "#portal-access")


@require_POST
@staff_view
def occupant_portal_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Unlink the occupant from their portal login (switched off if nobody else uses it)."""
    occupant = access_occupant(request.user, pk)
    require(request.user, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    try:
        occupant_portal_access_revoke(actor=request.user, occupant=occupant)
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Portal access was removed."))
    return redirect(reverse("console:occupant-detail", args=[occupant.pk]) + "#portal-access")
