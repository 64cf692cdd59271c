"""Work-order transitions: dispatch, grab, accept … close, cancel, reopen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import Conflict, DomainError, PermissionDenied
from wuye.servicedesk import sla
from wuye.servicedesk.clocks import clocks_refresh, clocks_start, clocks_stop
from wuye.servicedesk.models import (
    Family,
    ReturnVisitOutcome,
    Ticket,
    TicketPause,
)
from wuye.servicedesk.services._common import (
    _OPEN_WORK,
    _TERMINAL,
    REOPEN_WITHIN,
    K,
    S,
    _event,
    _invalid,
    _is_field,
    _locked,
    _move,
    _now,
    _require_desk,
    _require_staff_or_reporter,
    _require_state,
    _require_worker,
    _simple,
)

# --- dispatch --------------------------------------------------------------------------------
from wuye.servicedesk.services.register import ticket_register


def ticket_dispatch(
    *,
    actor: Any,
    ticket: Ticket,
    assignee: Any | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Assign to ``assignee`` (a staff member of the project), or with ``assignee=None``
    put it in the grab pool. A dispatched ticket may be dispatched again (reassigned)."""
    now = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        _require_state(t, "dispatch", {Family.WORK: {S.REGISTERED, S.DISPATCHED}})
        if assignee is not None and not _is_field(assignee, t.project_id):
            raise DomainError(
                _("The assignee must be a field worker of the ticket's project."),
                field="assignee",
            )
        data = {"assignee": assignee.pk if assignee else None}
        if t.state == S.DISPATCHED:
            data["previous_assignee"] = t.assignee_id
        return _move(
            t,
            actor=actor,
            now=now,
            to=S.DISPATCHED,
            code="dispatched",
            note=note,
            data=data,
            fields={"assignee": assignee},
        )


def ticket_accept(*, actor: Any, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """The assignee accepts a ticket dispatched to them; stops response and reply clocks."""
    now = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_state(t, "accept", {Family.WORK: {S.DISPATCHED}})
        if t.assignee_id is None or t.assignee_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Only the assignee can accept this ticket."))
        _move(t, actor=actor, now=now, to=S.ACCEPTED, code="accepted")
        clocks_stop(t, (K.RESPONSE, K.SPECIAL_REPLY), now=now)
        return t


def ticket_grab(*, actor: Any, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Take a ticket from the grab pool (dispatched to nobody).

    The claim is one conditional ``UPDATE … WHERE state = dispatched AND assignee IS NULL``:
    of two technicians grabbing at once exactly one updates a row; the other gets
    ``Conflict`` (code ``already_taken``).
    """
    now = _now(now)
    with transaction.atomic():
        t = Ticket.objects.select_related("project").get(pk=ticket.pk)
        if not _is_field(actor, t.project_id):
            raise PermissionDenied(_("Only the project's field staff can take tickets."))
        if t.family != Family.WORK or t.state not in (S.DISPATCHED,):
            if t.assignee_id is not None:
                raise Conflict(_("Someone else has taken this ticket."), code="already_taken")
            raise _invalid(t, "grab")
        won = Ticket.objects.filter(pk=t.pk, state=S.DISPATCHED, assignee__isnull=True).update(
            state=S.ACCEPTED, assignee=actor, updated_at=now
        )
        if not won:
            raise Conflict(_("Someone else has taken this ticket."), code="already_taken")
        t = _locked(t)
        _event(t, actor=actor, now=now, code="grabbed", from_state=S.DISPATCHED, to_state=t.state)
        clocks_stop(t, (K.RESPONSE, K.SPECIAL_REPLY), now=now)
        return t


# --- work ------------------------------------------------------------------------------------


def ticket_arrive(*, actor: Any, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """The technician is on site; stops the arrival clock."""
    return _simple(
        actor=actor,
        ticket=ticket,
        now=now,
        action="arrive",
        allowed={Family.WORK: {S.ACCEPTED}},
        to={Family.WORK: S.ARRIVED},
        code="arrived",
        stop=(K.ARRIVAL,),
        who="worker",
    )


def ticket_start(*, actor: Any, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Work begins: arrived → in progress; a complaint acknowledged → handling."""
    return _simple(
        actor=actor,
        ticket=ticket,
        now=now,
        action="start",
        allowed={Family.WORK: {S.ARRIVED}, Family.COMPLAINT: {S.ACKNOWLEDGED}},
        to={Family.WORK: S.IN_PROGRESS, Family.COMPLAINT: S.HANDLING},
        code="started",
        who="worker",
    )


def ticket_pause(
    *,
    actor: Any,
    ticket: Ticket,
    reason: str,
    note: str = "",
    appointment_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Pause for ``reason`` (an ``sla.PauseReason``); only clocks whose rule lists the reason
    stop. Resume returns the ticket to the state it was paused in."""
    at = _now(now)
    try:
        pause_reason = sla.PauseReason(reason)
    except ValueError:
        raise DomainError(_("Choose a valid pause reason."), field="reason") from None
    with transaction.atomic():
        t = _locked(ticket)
        _require_worker(actor, t)
        _require_state(t, "pause", {Family.WORK: _OPEN_WORK})
        fields: dict[str, Any] = {"resume_state": t.state}
        if appointment_at is not None:
            fields["appointment_at"] = appointment_at
        TicketPause.objects.create(ticket=t, reason=pause_reason.value, started_at=at)
        _move(
            t,
            actor=actor,
            now=at,
            to=S.PAUSED,
            code="paused",
            note=note,
            data={"reason": pause_reason.value},
            fields=fields,
        )
        clocks_refresh(t, now=at)
        return t


def ticket_resume(
    *, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_worker(actor, t)
        _require_state(t, "resume", {Family.WORK: {S.PAUSED}})
        TicketPause.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=at)
        _move(
            t,
            actor=actor,
            now=at,
            to=t.resume_state or S.IN_PROGRESS,
            code="resumed",
            note=note,
            fields={"resume_state": ""},
        )
        clocks_refresh(t, now=at)
        return t


def ticket_complete(
    *, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Work done: stops the completion clock (and response/arrival if still running), starts
    the return-visit clock."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_worker(actor, t)
        _require_state(t, "complete", {Family.WORK: _OPEN_WORK})
        _move(
            t,
            actor=actor,
            now=at,
            to=S.COMPLETED,
            code="completed",
            note=note,
            fields={"completed_at": at},
        )
        clocks_stop(t, (K.COMPLETION, K.ARRIVAL, K.RESPONSE, K.SPECIAL_REPLY), now=at)
        clocks_start(t, (K.RETURN_VISIT,), now=at)
        return t


def ticket_return_visit_record(
    *,
    actor: Any,
    ticket: Ticket,
    outcome: str,
    rating: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Record a return visit. Satisfied / not satisfied: completed → return visited, the
    return-visit clock stops. Unreachable / call again: an event only, the clock runs on."""
    at = _now(now)
    if outcome not in ReturnVisitOutcome.values:
        raise DomainError(_("Choose a valid outcome."), field="outcome")
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError(_("The rating is from 1 to 5."), field="rating")
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        _require_state(t, "return_visit", {Family.WORK: {S.COMPLETED}})
        data = {"outcome": outcome, "rating": rating}
        if outcome in (ReturnVisitOutcome.UNREACHABLE, ReturnVisitOutcome.RETRY):
            _event(t, actor=actor, now=at, code="return_visit_attempted", note=note, data=data)
            return t
        _move(
            t,
            actor=actor,
            now=at,
            to=S.RETURN_VISITED,
            code="return_visited",
            note=note,
            data=data,
            fields={"return_visit_outcome": outcome, "rating": rating},
        )
        clocks_stop(t, (K.RETURN_VISIT,), now=at)
        return t


def ticket_close(
    *, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Close a return-visited ticket; one without a return-visit clock may close once
    completed (inquiries, suggestions, praise)."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        allowed = {S.RETURN_VISITED}
        if not t.clocks.filter(kind=K.RETURN_VISIT).exists():
            allowed.add(S.COMPLETED)
        _require_state(t, "close", {Family.WORK: allowed})
        return _move(
            t, actor=actor, now=at, to=S.CLOSED, code="closed", note=note, fields={"closed_at": at}
        )


def ticket_cancel(
    *, actor: Any, ticket: Ticket, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """Cancel with a reason (required). Running clocks stop as voided; a special-service
    reply clock stops as answered (a decline with reason is the reply)."""
    at = _now(now)
    if not reason.strip():
        raise DomainError(_("Give the reason for cancelling."), field="reason")
    with transaction.atomic():
        t = _locked(ticket)
        _require_staff_or_reporter(actor, t)
        if t.state in _TERMINAL:
            raise _invalid(t, "cancel")
        TicketPause.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=at)
        _move(
            t,
            actor=actor,
            now=at,
            to=S.CANCELLED,
            code="cancelled",
            note=reason.strip(),
            fields={"cancel_reason": reason.strip(), "closed_at": at, "resume_state": ""},
        )
        clocks_stop(t, (K.SPECIAL_REPLY,), now=at)
        clocks_stop(t, tuple(K), now=at, voided=True)
        return t


def ticket_reopen(
    *, actor: Any, ticket: Ticket, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """Reopen a finished ticket within :data:`REOPEN_WITHIN`: a NEW rework ticket linked by
    ``reopened_from`` is registered (clocks of its own); the original keeps its state and
    gets a ``reopened`` event. Returns the rework ticket. One open rework per original."""
    at = _now(now)
    if not reason.strip():
        raise DomainError(_("Give the reason for reopening."), field="reason")
    with transaction.atomic():
        t = _locked(ticket)
        _require_staff_or_reporter(actor, t)
        _require_state(
            t,
            "reopen",
            {Family.WORK: {S.COMPLETED, S.RETURN_VISITED, S.CLOSED}, Family.COMPLAINT: {S.CLOSED}},
        )
        finished = t.completed_at or t.closed_at
        if finished is not None and at - finished > REOPEN_WITHIN:
            raise DomainError(
                _("This ticket was finished more than %(days)d days ago; register a new one.")
                % {"days": REOPEN_WITHIN.days},
                code="reopen_window_passed",
            )
        if t.rework_tickets.exclude(state=S.CANCELLED).exists():
            raise DomainError(
                _("This ticket has already been reopened."), code="invalid_transition"
            )
        rework = ticket_register(
            actor=actor,
            project=t.project,
            kind=t.kind,
            description=t.description,
            urgency=t.urgency,
            channel=t.channel,
            category=t.category,
            unit=t.unit,
            building=t.building,
            place=t.place,
            reporter=t.reporter,
            reporter_name=t.reporter_name,
            reporter_phone=t.reporter_phone,
            reopened_from=t,
            now=at,
        )
        _event(
            t,
            actor=actor,
            now=at,
            code="reopened",
            from_state=t.state,
            to_state=t.state,
            note=reason.strip(),
            data={"rework_ticket": rework.number},
        )
        return rework
