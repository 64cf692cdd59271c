"""The customer-service desk (客服台) of the console.

- ``desk_home``: register a call in under a minute — the caller's phone first; typing it (or
  its last four digits) looks up the caller (``caller_lookup``, htmx) with their recent
  tickets; the ticket page opens with a "dispatch now" panel.
- ``tickets``, ``pool``, ``visit_queue``: the lists (filters, pinned query counts).
- ``workload_panel``: the technicians' open tickets.

The ticket page is :mod:`wuye.servicedesk.web.ticket`, the actions
:mod:`wuye.servicedesk.web.actions`.

Every read goes through the scoped selectors; every write through the services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from wuye.accounts.access import (
    ROLE_CAPABILITIES,
    Capability,
    require,
    scope_for,
    visible_buildings,
    visible_occupants,
    visible_units,
)
from wuye.accounts.models import PROJECT_ROLES, User
from wuye.console.current import current_project_id, request_projects
from wuye.console.views.common import apply_errors, list_project_id, paginate, staff_view
from wuye.core.errors import DomainError
from wuye.core.http import HtmxHttpRequest
from wuye.core.phones import normalize_phone
from wuye.places import selectors as places
from wuye.places.models import Occupancy, Occupant, Project, Unit
from wuye.servicedesk.dispatching import workload
from wuye.servicedesk.models import (
    Category,
    Team,
    Ticket,
    TicketClock,
)
from wuye.servicedesk.selectors import ticket_list
from wuye.servicedesk.selectors_visits import return_visit_queue
from wuye.servicedesk.services import ticket_register
from wuye.servicedesk.web.forms import RegisterForm, TicketFilterForm

LOOKUP_LIMIT = 10
HISTORY_LIMIT = 10

_FIELD_ROLES = [r for r in PROJECT_ROLES if Capability.FIELD_WORK in ROLE_CAPABILITIES[r]]


# --- shared reads ----------------------------------------------------------------------------


def field_workers(project_ids: Iterable[int]) -> list[User]:
    """Active users holding a field role (engineering, security, cleaning, project manager)
    in one of ``project_ids`` — the people a ticket can be dispatched to."""
    ids = list(project_ids)
    if not ids:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role__in=_FIELD_ROLES,
            memberships__project_id__in=ids,
        )
        .distinct()
        .order_by("username")
    )


@dataclass
class WorkloadRow:
    user: User
    open_tickets: int


def workload_rows(project_id: int, workers: list[User] | None = None) -> list[WorkloadRow]:
    """The project's field workers with their open tickets, busiest last."""
    people = field_workers([project_id]) if workers is None else workers
    counts = workload(project_id, user_ids=[u.pk for u in people])
    rows = [WorkloadRow(u, counts.get(u.pk, 0)) for u in people]
    return sorted(rows, key=lambda r: (r.open_tickets, r.user.get_username()))


def desk_projects(request: HttpRequest) -> list[Project]:
    """The user's projects where they work the desk (``SERVICE_DESK``)."""
    scope = scope_for(request.user)
    return [p for p in request_projects(request) if scope.can(p.pk, Capability.SERVICE_DESK)]


def _chosen_project(
    request: HttpRequest,
    projects: list[Project],
    capability: Capability = Capability.SERVICE_DESK,
) -> Project | None:
    """``project`` from the form or query, else the console's current project, else the only
    project in ``projects``; ``None`` when the user must choose. A ``project`` asked for
    outside ``projects`` answers 404 (not visible) or 403 (visible, no ``capability``)."""
    raw = request.POST.get("project") or request.GET.get("project") or ""
    by_id = {p.pk: p for p in projects}
    if raw:
        wanted = int(raw) if raw.isdigit() else 0
        if wanted in by_id:
            return by_id[wanted]
        require(request.user, wanted, capability)
    current = current_project_id(request)
    if current in by_id:
        return by_id[current]
    return projects[0] if len(projects) == 1 else None


# --- registering a call ----------------------------------------------------------------------


_CARRIED = ("phone", "reporter", "unit", "reporter_name", "channel", "kind", "category",
            "urgency", "description", "building", "place", "appointment_at")  # fmt: skip


def _register_form(
    request: HttpRequest, project: Project, data: Any = None, carry: Any = None
) -> RegisterForm:
    """The form, bound to ``data``; or blank with what ``carry`` holds (a pick without
    JavaScript is a link carrying the choice in the query; "Find" without JavaScript posts
    what was typed so far)."""
    user = request.user
    source = carry if carry is not None else request.GET
    initial = {k: source[k] for k in _CARRIED if data is None and source.get(k)}
    return RegisterForm(
        data,
        initial=initial,
        occupants=visible_occupants(user).filter(project=project),
        units=visible_units(user).filter(project=project),
        categories=Category.objects.filter(project=project).order_by("name"),
        buildings=visible_buildings(user).filter(project=project).order_by("name"),
    )


def _picked(form: RegisterForm, project: Project) -> tuple[Occupant | None, Unit | None]:
    """The occupant and unit the clerk picked (bound data or link), to show what is chosen."""

    def value(name: str) -> str:
        raw = form.data.get(name) if form.is_bound else form.initial.get(name)
        return str(raw or "")

    reporter_id, unit_id = value("reporter"), value("unit")
    reporter = (
        Occupant.objects.filter(project=project, pk=reporter_id).first()
        if reporter_id.isdigit()
        else None
    )
    unit = (
        Unit.objects.filter(project=project, pk=unit_id).select_related("building").first()
        if unit_id.isdigit()
        else None
    )
    return reporter, unit


@staff_view
def desk_home(request: HttpRequest) -> HttpResponse:
    """Register a call. Users without the desk role land on the ticket list."""
    projects = desk_projects(request)
    if not projects:
        return redirect("desk:ticket-list")
    project = _chosen_project(request, projects)
    if project is None:
        return render(request, "servicedesk/desk/choose_project.html", {"projects": projects})
    find = request.method == "POST" and "find" in request.POST
    if find:
        # "Find" without JavaScript: the lookup below, nothing registered, no errors yet
        form = _register_form(request, project, carry=request.POST)
    elif request.method == "POST":
        form = _register_form(request, project, request.POST)
        if form.is_valid():
            try:
                ticket = ticket_register(
                    actor=request.user, project=project, **form.service_fields()
                )
            except (DomainError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Ticket %(number)s was registered.") % {"number": ticket.number}
                )
                url = reverse("desk:ticket-detail", args=[ticket.pk])
                if "dispatch" in request.POST:
                    url += "#dispatch"
                return redirect(url)
    else:
        form = _register_form(request, project)
    reporter, unit = _picked(form, project)
    phone = "" if form.is_bound else str(form.initial.get("phone", ""))
    lookup = caller_matches(request, project, phone) if phone else None
    return render(
        request,
        "servicedesk/desk/home.html",
        {
            "form": form,
            "project": project,
            "projects": projects,
            "picked_reporter": reporter,
            "picked_unit": unit,
            "lookup": lookup,
            "workload": workload_rows(project.pk),
        },
    )


@dataclass
class Candidate:
    """One line of the caller lookup: an occupant at a unit (either may be missing)."""

    occupant: Occupant | None
    unit: Unit | None
    relation: str = ""
    relation_label: str = ""


@dataclass
class Lookup:
    q: str
    candidates: list[Candidate]
    history: list[Ticket]
    too_short: bool = False


def _current_occupancies() -> Prefetch:
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("unit__building")
        .order_by("unit__number", "id"),
        to_attr="current_occupancies",
    )


def caller_matches(request: HttpRequest, project: Project, q: str) -> Lookup:
    """Occupants and units of ``project`` matching a phone tail (4 digits), a full number,
    a name or a unit number, and the recent tickets of that phone or those occupants."""
    q = q.strip()
    digits = normalize_phone(q)
    # "1111" and "138-0000-1111" are phones; "1-101" is a unit number
    phone_like = digits.isdigit() and (q.isdigit() or len(digits) >= 7)
    if (phone_like and len(digits) < 4) or (not phone_like and len(q) < 2):
        return Lookup(q=q, candidates=[], history=[], too_short=True)
    user = request.user
    if phone_like:
        found = places.occupant_list(user=user, project_id=project.pk, q=digits)
    else:
        found = visible_occupants(user).filter(project=project, name__icontains=q)
    occupants = list(
        found.prefetch_related(_current_occupancies()).order_by("name", "id")[:LOOKUP_LIMIT]
    )
    candidates: list[Candidate] = []
    for occupant in occupants:
        current = getattr(occupant, "current_occupancies", [])
        if not current:
            candidates.append(Candidate(occupant, None))
        candidates.extend(
            Candidate(occupant, occ.unit, occ.relation, occ.get_relation_display())
            for occ in current
        )
    if not phone_like:
        units = (
            visible_units(user)
            .filter(project=project, number__icontains=q)
            .select_related("building")
            .prefetch_related(
                Prefetch(
                    "occupancies",
                    queryset=Occupancy.objects.filter(end_date__isnull=True)
                    .select_related("occupant")
                    .order_by("relation", "id"),
                    to_attr="current_occupancies",
                )
            )
            .order_by("building__name", "number")[:LOOKUP_LIMIT]
        )
        seen = {
            (c.occupant.pk if c.occupant else None, c.unit.pk if c.unit else None)
            for c in candidates
        }
        for unit in units:
            current = getattr(unit, "current_occupancies", [])
            if not current and (None, unit.pk) not in seen:
                candidates.append(Candidate(None, unit))
            for occ in current:
                if (occ.occupant_id, unit.pk) not in seen:
                    candidates.append(
                        Candidate(occ.occupant, unit, occ.relation, occ.get_relation_display())
                    )
    match = Q(reporter_id__in=[o.pk for o in occupants])
    if phone_like and len(digits) == 4:
        match |= Q(reporter_phone_tail=digits)
    elif phone_like:
        match |= Q(reporter_phone=digits)
    history = list(ticket_list(user=user, project_id=project.pk).filter(match)[:HISTORY_LIMIT])
    return Lookup(q=q, candidates=candidates[: LOOKUP_LIMIT * 2], history=history)


@require_GET
@staff_view
def caller_lookup(request: HtmxHttpRequest) -> HttpResponse:
    """The lookup panel of the desk (htmx): ``project`` and ``phone`` from the form."""
    project = _chosen_project(request, desk_projects(request))
    if project is None:
        return HttpResponse(status=400)
    lookup = caller_matches(request, project, request.GET.get("phone", ""))
    return render(request, "servicedesk/desk/_lookup.html", {"lookup": lookup, "project": project})


# --- lists -----------------------------------------------------------------------------------


def _open_clocks() -> Prefetch:
    return Prefetch(
        "clocks",
        queryset=TicketClock.objects.filter(stopped_at__isnull=True).order_by("due_at", "id"),
        to_attr="open_clocks",
    )


def _list_choices(
    request: HttpRequest, project_id: int | None
) -> tuple[QuerySet[Category], list[User]]:
    scope = scope_for(request.user)
    ids = [project_id] if project_id else sorted(scope.project_ids)
    categories = Category.objects.filter(project_id__in=ids).select_related("project")
    return categories.order_by("project__name", "name"), field_workers(ids)


@staff_view
def tickets(request: HtmxHttpRequest) -> HttpResponse:
    """All tickets in scope, open ones by default; search by number or phone tail."""
    project_id = list_project_id(request)
    categories, workers = _list_choices(request, project_id)
    form = TicketFilterForm(
        request.GET,
        projects=request_projects(request),
        project_id=project_id,
        categories=categories,
        assignees=workers,
    )
    status, state = form.value("status"), form.value("state")
    assignee = form.value("assignee")
    now = timezone.now()
    qs = ticket_list(
        user=request.user,
        project_id=form.id_value("project"),
        state=state or None,
        kind=form.value("kind") or None,
        category_id=form.id_value("category"),
        urgency=form.value("urgency"),
        assignee_id=int(assignee) if assignee.isdigit() else None,
        open_only=status == "open" and not state,
        overdue_at=now if status == "overdue" else None,
        q=form.value("q"),
    )
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    page = paginate(request, qs.prefetch_related(_open_clocks()))
    context = {"form": form, "page": page, "now": now}
    if request.htmx and request.htmx.target == "ticket-results":
        return render(request, "servicedesk/desk/_ticket_results.html", context)
    return render(request, "servicedesk/desk/tickets.html", context)


def pool_tickets(request: HttpRequest, project_id: int | None) -> QuerySet[Ticket]:
    """The grab pool in scope. A field worker without the desk role sees what they may take:
    the project pools, and the team pools of their own teams."""
    qs = ticket_list(user=request.user, project_id=project_id, pool_only=True)
    scope = scope_for(request.user)
    if not scope.can_anywhere(Capability.SERVICE_DESK):
        mine = Team.objects.filter(members=request.user.pk)
        qs = qs.filter(Q(team__isnull=True) | Q(team__in=mine))
    # urgent first ("urgent" > "normal" > "appointment"), then the longest waiting
    return qs.order_by("-urgency", "created_at", "id")


@staff_view
def pool(request: HttpRequest) -> HttpResponse:
    project_id = list_project_id(request)
    scope = scope_for(request.user)
    page = paginate(request, pool_tickets(request, project_id).prefetch_related(_open_clocks()))
    return render(
        request,
        "servicedesk/desk/pool.html",
        {
            "page": page,
            "now": timezone.now(),
            "is_field": scope.can_anywhere(Capability.FIELD_WORK),
            "is_desk": scope.can_anywhere(Capability.SERVICE_DESK),
        },
    )


@staff_view
def visit_queue(request: HttpRequest) -> HttpResponse:
    """Completed tickets waiting for their return visit, the soonest due first."""
    now = timezone.now()
    qs = return_visit_queue(user=request.user, project_id=list_project_id(request), now=now)
    page = paginate(request, qs)
    scope = scope_for(request.user)
    return render(
        request,
        "servicedesk/desk/visits.html",
        {
            "page": page,
            "now": now,
            "reveal_projects": {
                pid for pid in scope.project_ids if scope.can(pid, Capability.VIEW_PERSONAL_DATA)
            },
        },
    )


@staff_view
def workload_panel(request: HttpRequest) -> HttpResponse:
    """The field workers of the current project and their open tickets."""
    projects = [
        p for p in request_projects(request) if scope_for(request.user).can(p.pk, Capability.VIEW)
    ]
    project = _chosen_project(request, projects, Capability.VIEW)
    rows = workload_rows(project.pk) if project is not None else []
    return render(
        request,
        "servicedesk/desk/workload.html",
        {"project": project, "projects": projects, "workload": rows},
    )
