"""Service-desk tickets for staff and residents, scoped exactly like the console.

Staff see the tickets of their projects, a resident the tickets they reported; anything else
is the same 404 as a missing id (:func:`wuye.servicedesk.selectors.access_ticket`). Lists
read ``values()`` rows (one query per page); every write calls one service of
:mod:`wuye.servicedesk.services`, which checks the caller's capability (403) and the state:
a transition the ticket's state does not allow is 409 ``invalid_transition``, a grab lost
to someone else 409 ``already_taken``, bad input 422 with field messages.

``POST /tickets`` honours an ``Idempotency-Key`` header: a retry with the same key by the
same user answers 201 with the body of the first response and creates nothing (see
:func:`create_ticket`). The read-side helpers (row fields, keyset pages, the detail) are in
:mod:`wuye.api.routers.tickets_read`.

The write endpoints after registration live in sibling modules that add their operations to
this module's ``router``: the transitions in :mod:`wuye.api.routers.tickets_actions`; return
visits, fees, materials and attachments in :mod:`wuye.api.routers.tickets_work`. They are
imported at the bottom of this module, so registering ``router`` registers them too, in this
order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Query, Router, Status

from wuye.accounts.access import (
    Capability,
    access_building,
    access_occupant,
    access_project,
    access_resident_unit,
    access_unit,
    resident_occupancies,
    scope_for,
)
from wuye.accounts.models import User
from wuye.api.auth import ApiRequest
from wuye.api.routers import tickets_read as read
from wuye.api.schemas import ErrorOut
from wuye.api.schemas_tickets import (
    ReturnVisitList,
    ReturnVisitQueueFilters,
    ReturnVisitQueuePage,
    SuggestionList,
    SuggestionParams,
    TicketCreateIn,
    TicketDetailOut,
    TicketFilters,
    TicketOut,
    TicketPage,
)
from wuye.core.errors import Conflict, DomainError, PermissionDenied
from wuye.core.phones import normalize_phone
from wuye.places.models import Building, Occupant, Project, Unit
from wuye.servicedesk import services
from wuye.servicedesk.dispatching import dispatch_suggestions
from wuye.servicedesk.models import Category, Channel, Ticket
from wuye.servicedesk.selectors import access_ticket, ticket_list
from wuye.servicedesk.selectors_visits import return_visit_queue

router = Router(tags=["tickets"])

LIST_ERRORS = {frozenset({401, 422}): ErrorOut}
DETAIL_ERRORS = {frozenset({401, 404}): ErrorOut}
DESK_READ_ERRORS = {frozenset({401, 403, 404, 422}): ErrorOut}
WRITE_ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}

#: Service error codes that describe the ticket's state rather than the input: 409.
CONFLICT_CODES = frozenset(
    {
        "invalid_transition",
        "reopen_window_passed",
        "already_rated",
        "already_paid",
        "fee_not_confirmed",
        "unchanged",
        "not_a_paid_service",
        "nothing_to_pay",
    }
)

#: Services name related objects by model field; the API by ``<field>_id``.
_SERVICE_FIELDS = {
    "assignee": "assignee_id",
    "team": "team_id",
    "unit": "unit_id",
    "building": "building_id",
    "category": "category_id",
    "reporter": "reporter_id",
    "project": "project_id",
    "upload": "file",
    "signature": "file",
}
_LINE_FIELDS = {"price_item": "price_item_id", "quantity": "quantity", "unit_price": "unit_price"}

#: What a resident may name as the channel of their own report.
RESIDENT_CHANNELS = frozenset({Channel.API, Channel.APP, Channel.PORTAL})


@contextmanager
def _service_errors() -> Iterator[None]:
    """Service errors in API terms: ``<field>_id`` names, fee-line errors on
    ``lines.<i>.<field>``, and state conflicts as 409."""
    try:
        yield
    except DomainError as exc:
        field = exc.field
        line = exc.params.get("line") if exc.params else None
        if field in _LINE_FIELDS and isinstance(line, int):
            field = f"lines.{line - 1}.{_LINE_FIELDS[field]}"
        elif field:
            field = _SERVICE_FIELDS.get(field, field)
        if type(exc) is DomainError and exc.code in CONFLICT_CODES:
            raise Conflict(exc.message, code=exc.code, field=field) from exc
        exc.field = field
        raise


def _not_found(field: str) -> DomainError:
    return DomainError(_("No such record in your projects."), field=field)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A naive date-time from a client is local (Asia/Shanghai) time."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


# --- reading ---------------------------------------------------------------------------------


@router.get("/tickets", response={200: TicketPage, **LIST_ERRORS})
def list_tickets(request: ApiRequest, filters: Query[TicketFilters]) -> Any:
    """Tickets in scope: staff see their projects', residents the ones they reported.
    Ordered by project, then newest first."""
    user = request.auth
    qs = ticket_list(
        user=user,
        project_id=filters.project_id,
        state=[s.value for s in filters.state] if filters.state else None,
        kind=filters.kind.value if filters.kind else None,
        category_id=filters.category_id,
        urgency=filters.urgency.value if filters.urgency else None,
        assignee_id=filters.assignee_id,
        unit_id=filters.unit_id,
        open_only=filters.open,
        overdue_at=timezone.now() if filters.overdue else None,
        q=filters.q,
        created_from=_aware(filters.created_from),
        created_to=_aware(filters.created_to),
    )
    return read.ticket_page(
        user,
        read.ticket_rows(qs),
        cursor=filters.cursor,
        limit=filters.limit,
        project_id=filters.project_id,
    )


@router.get("/tickets/{ticket_id}", response={200: TicketDetailOut, **DETAIL_ERRORS})
def get_ticket(request: ApiRequest, ticket_id: int) -> Any:
    """The ticket with its clocks (live), timeline, attachments, charges and return visits.
    ``reporter_phone_full`` is filled for callers with ``view_personal_data`` and every such
    view is recorded in the audit log."""
    user = request.auth
    return read.ticket_detail(user, access_ticket(user, ticket_id), reveal=True)


@router.get("/tickets/{ticket_id}/return-visits", response={200: ReturnVisitList, **DETAIL_ERRORS})
def list_ticket_return_visits(request: ApiRequest, ticket_id: int) -> Any:
    """Every return-visit attempt of the ticket, oldest first."""
    ticket = access_ticket(request.auth, ticket_id)
    return {"items": read.return_visit_rows(ticket)}


@router.get("/tickets/{ticket_id}/suggestions", response={200: SuggestionList, **DESK_READ_ERRORS})
def suggest_assignees(request: ApiRequest, ticket_id: int, params: Query[SuggestionParams]) -> Any:
    """Field staff ranked for dispatching this ticket (team skill and zone, workload).
    Customer service only."""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    if not scope_for(user).can(ticket.project_id, Capability.SERVICE_DESK):
        raise PermissionDenied(_("Only the project's customer service can do this."))
    suggestions = dispatch_suggestions(ticket, limit=params.limit)
    return {
        "items": [
            {
                "user_id": s.user.pk,
                "name": str(s.user),
                "score": s.score,
                "reasons": [str(r) for r in s.reasons],
                "open_tickets": s.open_tickets,
                "teams": [str(t) for t in s.teams],
            }
            for s in suggestions
        ]
    }


@router.get("/return-visits", response={200: ReturnVisitQueuePage, **LIST_ERRORS})
def list_return_visits_due(request: ApiRequest, filters: Query[ReturnVisitQueueFilters]) -> Any:
    """Completed tickets waiting for their return visit, soonest due first, with the number
    of attempts so far (the customer-service call list)."""
    user = request.auth
    qs = return_visit_queue(user=user, project_id=filters.project_id, now=timezone.now())
    return read.queue_page(qs, cursor=filters.cursor, limit=filters.limit)


# --- creating --------------------------------------------------------------------------------


def _unit(user: User, unit_id: int) -> Unit:
    """A unit of the caller's projects (staff) or one they live in (resident)."""
    for access in (access_unit, access_resident_unit):
        try:
            return access(user, unit_id)
        except Http404:
            pass
    raise _not_found("unit_id")


def _resident_project_ids(user: User) -> set[int]:
    return set(resident_occupancies(user).values_list("occupant__project_id", flat=True))


def _building(user: User, building_id: int) -> Building:
    try:
        return access_building(user, building_id)
    except Http404:
        found = (
            Building.objects.select_related("project")
            .filter(pk=building_id, project_id__in=_resident_project_ids(user))
            .first()
        )
        if found is None:
            raise _not_found("building_id") from None
        return found


def _project(user: User, project_id: int) -> Project:
    try:
        return access_project(user, project_id)
    except Http404:
        if project_id in _resident_project_ids(user):
            return Project.objects.get(pk=project_id)
        raise _not_found("project_id") from None


def _referenced_occupant(user: User, occupant_id: int) -> Occupant:
    """The reporter a staff member names: an occupant of their projects."""
    try:
        return access_occupant(user, occupant_id)
    except Http404:
        raise _not_found("reporter_id") from None


def _own_occupant(user: User, project: Project, unit: Unit | None) -> Occupant:
    """The caller's occupant record behind a resident's report: the one living in ``unit``,
    else their (first) current one in the project."""
    occupancies = resident_occupancies(user).select_related("occupant")
    if unit is not None:
        occupancies = occupancies.filter(unit=unit)
    else:
        occupancies = occupancies.filter(occupant__project=project)
    occupancy = occupancies.order_by("occupant_id").first()
    if occupancy is None:
        raise PermissionDenied(_("Only the project's staff or the reporter can do this."))
    return occupancy.occupant


def _location(user: User, payload: TicketCreateIn) -> tuple[Project, Unit | None, Building | None]:
    """Where the matter is, and so the project: the unit, else the building, else the
    project named."""
    unit = _unit(user, payload.unit_id) if payload.unit_id is not None else None
    building = _building(user, payload.building_id) if payload.building_id is not None else None
    if unit is not None:
        project = unit.project
    elif building is not None:
        project = building.project
    elif payload.project_id is not None:
        project = _project(user, payload.project_id)
    else:
        raise DomainError(_("Say where: a unit, a building or a project."), field="unit_id")
    if payload.project_id is not None and payload.project_id != project.pk:
        raise DomainError(
            _("This belongs to another project."),
            field="unit_id" if unit is not None else "building_id",
        )
    return project, unit, building


def _reporter(
    user: User, payload: TicketCreateIn, project: Project, unit: Unit | None
) -> Occupant | None:
    """Staff (desk or field) name any occupant of the project, or none; anyone else reports
    as a resident: as themselves, through a resident's channel."""
    scope = scope_for(user)
    if scope.can(project.pk, Capability.SERVICE_DESK) or scope.can(
        project.pk, Capability.FIELD_WORK
    ):
        if payload.reporter_id is None:
            return None
        return _referenced_occupant(user, payload.reporter_id)
    reporter = _own_occupant(user, project, unit)
    if payload.reporter_id not in (None, reporter.pk):
        raise DomainError(_("Residents report as themselves."), field="reporter_id")
    if payload.channel not in RESIDENT_CHANNELS:
        raise DomainError(_("Choose api, app or portal."), field="channel")
    return reporter


def _differences(ticket: Ticket, payload: TicketCreateIn) -> list[str]:
    """Request fields whose value differs from what ``ticket`` stores. Fields the service
    derives when left out (building, reporter name and phone) are compared only when sent."""
    expected: dict[str, Any] = {
        "kind": payload.kind,
        "description": payload.description.strip(),
        "category_id": payload.category_id,
        "urgency": payload.urgency,
        "channel": payload.channel,
        "unit_id": payload.unit_id,
        "place": payload.place.strip(),
        "appointment_at": _aware(payload.appointment_at),
    }
    if payload.project_id is not None:
        expected["project_id"] = payload.project_id
    if payload.building_id is not None:
        expected["building_id"] = payload.building_id
    if payload.reporter_id is not None:
        expected["reporter_id"] = payload.reporter_id
    if payload.reporter_name.strip():
        expected["reporter_name"] = payload.reporter_name.strip()
    if payload.reporter_phone.strip():
        expected["reporter_phone"] = normalize_phone(payload.reporter_phone)
    return [name for name, value in expected.items() if getattr(ticket, name) != value]


@router.post("/tickets", response={201: TicketOut, **WRITE_ERRORS})
def create_ticket(
    request: ApiRequest,
    response: HttpResponse,
    payload: TicketCreateIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=100,
        description="Any unique string (e.g. a UUID) per ticket the client means to create. "
        "A retry with the same key answers 201 with the same body and creates nothing; "
        "the same key with a different body is 422 idempotency_key_reused.",
    ),
) -> Any:
    """Register a ticket; its SLA clocks start. Staff (customer service or field staff of the
    project) register for any unit and reporter of their project; a resident for their own
    unit (or project), as themselves. The location decides the project: ``unit_id``, else
    ``building_id``, else ``project_id``.

    With ``Idempotency-Key``: the first request creates the ticket (201); every retry by the
    same user with the same key — also while the first is still running — answers 201 with
    an identical body (header ``Idempotent-Replayed: true``) and creates nothing. The body of
    a retry is compared with the stored ticket: any difference is 422
    ``idempotency_key_reused`` naming the first differing field.
    """
    user = request.auth
    at = timezone.now()
    project, unit, building = _location(user, payload)
    reporter = _reporter(user, payload, project, unit)
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(project=project, pk=payload.category_id).first()
        if category is None:
            raise _not_found("category_id")
    with _service_errors():
        ticket = services.ticket_register(
            actor=user,
            project=project,
            kind=payload.kind,
            description=payload.description,
            urgency=payload.urgency,
            channel=payload.channel,
            category=category,
            unit=unit,
            building=building,
            place=payload.place,
            reporter=reporter,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
            appointment_at=_aware(payload.appointment_at),
            idempotency_key=idempotency_key,
            now=at,
        )
    if idempotency_key is not None:
        differing = _differences(ticket, payload)
        if differing:
            raise DomainError(
                _("This Idempotency-Key was used for a different request."),
                field=differing[0],
                code="idempotency_key_reused",
            )
        if ticket.created_at != at:
            response["Idempotent-Replayed"] = "true"
    return Status(201, read.ticket_summary(user, ticket.pk))


# --- shared by the write endpoints (tickets_actions, tickets_work) --------------------------


def _transition(
    request: ApiRequest, ticket_id: int, change: Callable[[User, Ticket], Ticket]
) -> Any:
    """Access the ticket (404), apply ``change`` through a service, answer the detail."""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    with _service_errors():
        ticket = change(user, ticket)
    return read.ticket_detail(user, ticket, reveal=False)


TRANSITION: dict[Any, type] = {200: TicketDetailOut, **WRITE_ERRORS}


# The transition and work endpoints add their operations to ``router``; imported last, once
# ``router`` and the helpers above exist, so they follow these in the OpenAPI document.
from wuye.api.routers import tickets_actions, tickets_work  # noqa: E402, F401
