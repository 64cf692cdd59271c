"""Ticket transitions (dispatch to confirm, and reopen) over the API: each accesses the
ticket (404), calls one service and answers the ticket's detail (see
:mod:`wuye.api.routers.tickets` for the error mapping). Registered on ``tickets.router``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Status

from wuye.accounts.models import User
from wuye.api.auth import ApiRequest
from wuye.api.routers import tickets_read as read
from wuye.api.routers.tickets import (
    TRANSITION,
    WRITE_ERRORS,
    _aware,
    _service_errors,
    _transition,
    router,
)
from wuye.api.schemas_tickets import (
    ConfirmIn,
    DispatchIn,
    NoteIn,
    PauseIn,
    ReasonIn,
    ReassignIn,
    ResultIn,
    TicketDetailOut,
)
from wuye.core.errors import DomainError
from wuye.servicedesk import services
from wuye.servicedesk.models import Team, Ticket
from wuye.servicedesk.selectors import access_ticket

# --- transitions -----------------------------------------------------------------------------


def _assignee(user_id: int | None, field: str = "assignee_id") -> User | None:
    """A user named as assignee; whether they may take the ticket is the service's check
    (an unknown id gets the same message, so ids of other companies' staff do not leak)."""
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise DomainError(
            _("The assignee must be a field worker of the ticket's project."), field=field
        )
    return found


def _team(ticket: Ticket, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    found = Team.objects.filter(project_id=ticket.project_id, pk=team_id).first()
    if found is None:
        raise DomainError(_("No such team in this project."), field="team_id")
    return found


def _note(payload: NoteIn | None) -> str:
    """Bodies whose every field is optional may be left out (no body, or ``null``)."""
    return payload.note if payload is not None else ""


@router.post("/tickets/{ticket_id}/dispatch", response=TRANSITION)
def dispatch_ticket(request: ApiRequest, ticket_id: int, payload: DispatchIn | None = None) -> Any:
    """To a person (``assignee_id``), a team's grab pool (``team_id`` only) or the
    project's grab pool (neither, or no body). Customer service; registered or dispatched
    but not yet accepted."""
    payload = payload or DispatchIn()
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_dispatch(
            actor=user,
            ticket=t,
            assignee=_assignee(payload.assignee_id),
            team=_team(t, payload.team_id),
            note=payload.note,
        ),
    )


@router.post("/tickets/{ticket_id}/reassign", response=TRANSITION)
def reassign_ticket(request: ApiRequest, ticket_id: int, payload: ReassignIn) -> Any:
    """Give a held ticket to someone else, with a reason; they accept again."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_reassign(
            actor=user,
            ticket=t,
            assignee=_assignee(payload.assignee_id),
            reason=payload.reason,
            team=_team(t, payload.team_id),
        ),
    )


@router.post("/tickets/{ticket_id}/grab", response=TRANSITION)
def grab_ticket(request: ApiRequest, ticket_id: int) -> Any:
    """Take a ticket from a grab pool. Of several at once exactly one wins; the others get
    409 ``already_taken``."""
    return _transition(
        request, ticket_id, lambda user, t: services.ticket_grab(actor=user, ticket=t)
    )


@router.post("/tickets/{ticket_id}/accept", response=TRANSITION)
def accept_ticket(request: ApiRequest, ticket_id: int) -> Any:
    """The assignee accepts a ticket dispatched to them."""
    return _transition(
        request, ticket_id, lambda user, t: services.ticket_accept(actor=user, ticket=t)
    )


@router.post("/tickets/{ticket_id}/arrive", response=TRANSITION)
def arrive_ticket(request: ApiRequest, ticket_id: int) -> Any:
    """The technician is on site (stops the arrival clock)."""
    return _transition(
        request, ticket_id, lambda user, t: services.ticket_arrive(actor=user, ticket=t)
    )


@router.post("/tickets/{ticket_id}/start", response=TRANSITION)
def start_ticket(request: ApiRequest, ticket_id: int) -> Any:
    """Work begins (a complaint: handling begins)."""
    return _transition(
        request, ticket_id, lambda user, t: services.ticket_start(actor=user, ticket=t)
    )


@router.post("/tickets/{ticket_id}/pause", response=TRANSITION)
def pause_ticket(request: ApiRequest, ticket_id: int, payload: PauseIn) -> Any:
    """Pause (waiting for the customer, for parts, for an appointment): only the clocks
    whose rule honours the reason stop."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_pause(
            actor=user,
            ticket=t,
            reason=payload.reason.value,
            note=payload.note,
            appointment_at=_aware(payload.appointment_at),
        ),
    )


@router.post("/tickets/{ticket_id}/resume", response=TRANSITION)
def resume_ticket(request: ApiRequest, ticket_id: int, payload: NoteIn | None = None) -> Any:
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_resume(actor=user, ticket=t, note=_note(payload)),
    )


@router.post("/tickets/{ticket_id}/complete", response=TRANSITION)
def complete_ticket(request: ApiRequest, ticket_id: int, payload: NoteIn | None = None) -> Any:
    """Work done; the return-visit clock starts."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_complete(actor=user, ticket=t, note=_note(payload)),
    )


@router.post("/tickets/{ticket_id}/close", response=TRANSITION)
def close_ticket(request: ApiRequest, ticket_id: int, payload: NoteIn | None = None) -> Any:
    """Close a return-visited ticket (or a completed one that runs no return-visit clock)."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_close(actor=user, ticket=t, note=_note(payload)),
    )


@router.post("/tickets/{ticket_id}/cancel", response=TRANSITION)
def cancel_ticket(request: ApiRequest, ticket_id: int, payload: ReasonIn) -> Any:
    """Cancel with a reason: customer service, or the resident who reported it."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_cancel(actor=user, ticket=t, reason=payload.reason),
    )


@router.post("/tickets/{ticket_id}/reopen", response={201: TicketDetailOut, **WRITE_ERRORS})
def reopen_ticket(request: ApiRequest, ticket_id: int, payload: ReasonIn) -> Any:
    """Reopen a finished ticket as rework: answers 201 with the NEW rework ticket (its
    ``reopened_from_id`` is this one)."""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    with _service_errors():
        rework = services.ticket_reopen(actor=user, ticket=ticket, reason=payload.reason)
    return Status(201, read.ticket_detail(user, rework, reveal=False))


@router.post("/tickets/{ticket_id}/acknowledge", response=TRANSITION)
def acknowledge_ticket(request: ApiRequest, ticket_id: int, payload: NoteIn | None = None) -> Any:
    """Complaints: first feedback to the complainant."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_acknowledge(actor=user, ticket=t, note=_note(payload)),
    )


@router.post("/tickets/{ticket_id}/report-result", response=TRANSITION)
def report_ticket_result(request: ApiRequest, ticket_id: int, payload: ResultIn) -> Any:
    """Complaints: the handling result told to the complainant (``note`` required)."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_report_result(actor=user, ticket=t, note=payload.note),
    )


@router.post("/tickets/{ticket_id}/confirm", response=TRANSITION)
def confirm_ticket(request: ApiRequest, ticket_id: int, payload: ConfirmIn) -> Any:
    """Complaints: the complainant's verdict on the result (the resident, or the desk on
    their behalf). Not satisfied sends it back to handling."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.ticket_confirm(
            actor=user, ticket=t, satisfied=payload.satisfied, note=payload.note
        ),
    )
