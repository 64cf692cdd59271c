"""Work-order transitions: accept … close, cancel, reopen (dispatch and grab: ``dispatch.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import DomainError, PermissionDenied
from wuye.servicedesk import sla
from wuye.servicedesk.clocks import clocks_refresh, clocks_start, clocks_stop
from wuye.servicedesk.models import (
    Family,
    Ticket,
    TicketPause,
)
from wuye.servicedesk.policies import desk_settings
from wuye.servicedesk.services._common import (
    _OPEN_WORK,
    _TERMINAL,
    K,
    S,
    _event,
    _invalid,
    _locked,
    _move,
    _now,
    _require_desk,
    _require_staff_or_reporter,
    _require_state,
    _require_worker,
    _simple,
)
from wuye.servicedesk.services.fees import fee_check_work_allowed
from wuye.servicedesk.services.register import ticket_register


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
    """Work begins: arrived → in progress; a complaint acknowledged → handling. A paid
    service whose fee the customer has not confirmed does not start (``fee_not_confirmed``)."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_worker(actor, t)
        _require_state(t, "start", {Family.WORK: {S.ARRIVED}, Family.COMPLAINT: {S.ACKNOWLEDGED}})
        fee_check_work_allowed(t)
        to = S.HANDLING if t.family == Family.COMPLAINT else S.IN_PROGRESS
        return _move(t, actor=actor, now=at, to=to, code="started")


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
        fee_check_work_allowed(t)  # no completing a paid service past its unconfirmed fee
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


# Return visits: wuye.servicedesk.services.visits (ticket_return_visit_record, ticket_rate).


def ticket_close(
    *, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Close a return-visited ticket (work order or complaint); one without a return-visit
    clock may close once completed (inquiries, suggestions, praise; complaints whose policy
    has no return visit)."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        allowed = {S.RETURN_VISITED}
        if not t.clocks.filter(kind=K.RETURN_VISIT).exists():
            allowed.add(S.COMPLETED)
        _require_state(t, "close", {Family.WORK: allowed, Family.COMPLAINT: allowed})
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
    """Reopen a finished ticket within the project's ``DeskSettings.reopen_within_days``
    (default 30): a NEW rework ticket linked by ``reopened_from`` is registered (clocks of its
    own); the original keeps its state and gets a ``reopened`` event. Returns the rework
    ticket. One open rework per original."""
    at = _now(now)
    if not reason.strip():
        raise DomainError(_("Give the reason for reopening."), field="reason")
    with transaction.atomic():
        t = _locked(ticket)
        _require_staff_or_reporter(actor, t)
        _require_state(
            t,
            "reopen",
            {
                Family.WORK: {S.COMPLETED, S.RETURN_VISITED, S.CLOSED},
                Family.COMPLAINT: {S.COMPLETED, S.RETURN_VISITED, S.CLOSED},
            },
        )
        finished = t.completed_at or t.closed_at
        window_days = desk_settings(t.project).reopen_within_days
        if finished is not None and at - finished > dt.timedelta(days=window_days):
            raise DomainError(
                _("This ticket was finished more than %(days)d days ago; register a new one.")
                % {"days": window_days},
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
