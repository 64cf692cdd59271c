"""Stored SLA clocks of a ticket: which rules a ticket gets, starting, stopping, refreshing.

The computing is :mod:`wuye.servicedesk.sla`; this module maps a ticket to its rules and keeps
the cached columns of :class:`~wuye.servicedesk.models.TicketClock` current. Callers hold the
ticket's row lock (the transition services do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from wuye.servicedesk import sla
from wuye.servicedesk.models import Ticket, TicketClock, TicketKind, TicketPause, Urgency

_WORK_KINDS = {TicketKind.REPAIR_PUBLIC, TicketKind.REPAIR_UNIT, TicketKind.HOME_REPAIR}


def profile_for(kind: str, urgency: str) -> sla.DefaultProfile | None:
    """The shipped default profile of a ticket, or ``None`` for kinds without clocks.

    Repairs: urgent → urgent repair; normal → minor repair (done the same day, seed part 3
    §4.1.2); by appointment → repair (no same-day completion clock). Inquiries, suggestions
    and praise run no clock in the defaults. Per-project policy rows (kind × category ×
    urgency) replace this in a later slice.
    """
    if kind == TicketKind.COMPLAINT:
        return sla.DefaultProfile.COMPLAINT
    if kind == TicketKind.SPECIAL_SERVICE:
        return sla.DefaultProfile.SPECIAL_SERVICE
    if kind in _WORK_KINDS:
        if urgency == Urgency.URGENT:
            return sla.DefaultProfile.URGENT_REPAIR
        if urgency == Urgency.APPOINTMENT:
            return sla.DefaultProfile.REPAIR
        return sla.DefaultProfile.MINOR_REPAIR
    return None


def rule_for(ticket: Ticket, kind: sla.ClockKind) -> sla.ClockRule | None:
    profile = profile_for(ticket.kind, ticket.urgency)
    if profile is None:
        return None
    try:
        return sla.default_rule(profile, kind)
    except KeyError:
        return None


def _pauses(ticket: Ticket) -> list[sla.Pause]:
    return [p.as_pause() for p in TicketPause.objects.filter(ticket=ticket)]


def _apply_status(clock: TicketClock, status: sla.ClockStatus) -> None:
    clock.due_at = status.due_at
    clock.warn_at = status.warn_at
    clock.state = status.state.value
    clock.breached_at = status.breached_at


def _compute(clock: TicketClock, ticket: Ticket, pauses: list[sla.Pause], now: dt.datetime) -> None:
    status = sla.clock_status(
        clock.rule,
        clock.started_at,
        ticket.project,
        pauses,
        now=max(now, clock.started_at),
        stopped_at=clock.stopped_at,
    )
    _apply_status(clock, status)


_CACHED = ["due_at", "warn_at", "state", "breached_at"]


def clocks_start(ticket: Ticket, kinds: Iterable[sla.ClockKind], *, now: dt.datetime) -> None:
    """Start the clocks of ``kinds`` the ticket's rules define (others are skipped)."""
    pauses = _pauses(ticket)
    for kind in kinds:
        rule = rule_for(ticket, kind)
        if rule is None:
            continue
        clock = TicketClock(ticket=ticket, started_at=now)
        clock.set_rule(rule)
        _compute(clock, ticket, pauses, now)
        clock.save(force_insert=True)


def clocks_stop(
    ticket: Ticket, kinds: Iterable[sla.ClockKind], *, now: dt.datetime, voided: bool = False
) -> list[TicketClock]:
    """Stop the running clocks of ``kinds``; returns those stopped."""
    pauses = _pauses(ticket)
    stopped = []
    for clock in TicketClock.objects.filter(
        ticket=ticket, kind__in=[k.value for k in kinds], stopped_at__isnull=True
    ):
        clock.stopped_at = max(now, clock.started_at)
        clock.voided = voided
        _compute(clock, ticket, pauses, now)
        clock.save(update_fields=["stopped_at", "voided", *_CACHED])
        stopped.append(clock)
    return stopped


def clocks_refresh(ticket: Ticket, *, now: dt.datetime) -> None:
    """Recompute the cached status of every running clock (after a pause or resume)."""
    pauses = _pauses(ticket)
    for clock in TicketClock.objects.filter(ticket=ticket, stopped_at__isnull=True):
        _compute(clock, ticket, pauses, now)
        clock.save(update_fields=_CACHED)


def clock_live_status(clock: TicketClock, *, now: dt.datetime) -> sla.ClockStatus:
    """A clock's status at ``now`` (state and remaining time for a screen)."""
    pauses = [p.as_pause() for p in clock.ticket.pauses.all()]
    return sla.clock_status(
        clock.rule,
        clock.started_at,
        clock.ticket.project,
        pauses,
        now=max(now, clock.started_at),
        stopped_at=clock.stopped_at,
    )
