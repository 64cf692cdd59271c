"""Stored SLA clocks of a ticket: which rules a ticket gets, starting, stopping, refreshing.

The computing is :mod:`wuye.servicedesk.sla`, the choice of rules
:mod:`wuye.servicedesk.policies`; this module starts clocks from those rules and keeps
the cached columns of :class:`~wuye.servicedesk.models.TicketClock` current. Callers hold the
ticket's row lock (the transition services do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from wuye.servicedesk import sla
from wuye.servicedesk.models import Ticket, TicketClock, TicketPause
from wuye.servicedesk.policies import profile_for, rules_for

__all__ = [
    "clock_live_status",
    "clocks_refresh",
    "clocks_start",
    "clocks_stop",
    "profile_for",
    "rule_for",
]


def rule_for(ticket: Ticket, kind: sla.ClockKind) -> sla.ClockRule | None:
    """The rule of the ``kind`` clock the ticket's policy defines, or ``None``
    (:func:`wuye.servicedesk.policies.rules_for`)."""
    return rules_for(ticket).get(kind)


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
    """Start the clocks of ``kinds`` the ticket's policy defines (others are skipped); the
    rule is copied into the clock, so a later change of the policy leaves it alone."""
    rules = rules_for(ticket)
    wanted = [rules[kind] for kind in kinds if kind in rules]
    if not wanted:
        return
    pauses = _pauses(ticket)
    for rule in wanted:
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
