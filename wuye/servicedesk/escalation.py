"""The escalation sweep: warn before a clock is due, notify at breach and at a second level.

Run every minute by the scheduler (:func:`escalation_sweep_task`, registered in
``ServicedeskConfig.ready``). For every running SLA clock (not stopped, not voided):

========  ==========================================  ==========================================
level     when                                        who is notified
========  ==========================================  ==========================================
warn      ``warn_at <= now <= due_at``                the assignee; none: the ticket's team
                                                      leader; none: the project's customer
                                                      service
breach    ``now > due_at``                            the supervisor: the team leader; none: the
                                                      project's customer service
second    ``now > due_at + second_level_after``       the project's project managers
          (``DeskSettings``, default 2 h)
========  ==========================================  ==========================================

The return-visit clock is customer service's own job: its warning and breach go to the
project's customer service (the technician who did the repair is not the one to call back).

A paused clock neither warns nor breaches: the decision is taken on the clock's state as the
SLA engine computes it at ``now`` (pauses read afresh), not on the cached columns alone. A
warning that comes too late (the sweep was down and the clock is already due) is not sent:
the breach notice says more.

**Each level at most once per clock, ever.** Every level reached is a ``TicketEscalation``
row, unique per (clock, level); the row, its outbox messages (``message_queue``, dedupe key
``servicedesk.escalation.<row id>.<user id>``) and the ticket event
``servicedesk.ticket.escalated`` are written in one transaction. Two sweeps at the same
moment: each locks the ticket row with ``SKIP LOCKED`` (the other sweep, or a transition in
progress, holds it: skipped, the next run sees it), re-reads the levels already recorded,
and inserts in a savepoint — a lost race on the unique constraint rolls back only that row.

The sweep reads candidate clocks in batches with keyset pagination on ``(warn_at, id)``,
which the partial index ``ticket_clock_open`` (``warn_at`` where ``stopped_at`` is null)
serves; clocks whose due levels are all recorded are filtered out in SQL.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from wuye.accounts.models import Role, User
from wuye.messaging.models import MessageChannel
from wuye.messaging.notify import notify
from wuye.messaging.services import message_queue
from wuye.servicedesk import sla
from wuye.servicedesk.models import (
    ClockKindChoices,
    DeskSettings,
    EscalationLevel,
    Ticket,
    TicketClock,
    TicketEscalation,
    TicketEvent,
    TicketKind,
    TicketPause,
)

logger = logging.getLogger(__name__)

L = EscalationLevel
BATCH_SIZE = 500
#: ``DeskSettings.second_level_after`` for projects without a settings row.
DEFAULT_SECOND_LEVEL_AFTER: dt.timedelta = DeskSettings._meta.get_field(
    "second_level_after"
).default


@dataclass(frozen=True)
class SweepResult:
    """How many escalation levels this run recorded (each with its messages)."""

    warned: int = 0
    breached: int = 0
    second: int = 0


# --- recipients ------------------------------------------------------------------------------


def _project_staff(project_id: int, role: str) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__project_id=project_id,
            memberships__role=role,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def _active(user: User | None) -> User | None:
    return user if user is not None and user.is_active else None


def _team_leader(ticket: Ticket) -> User | None:
    team = ticket.team
    if team is None or not team.active:
        return None
    return _active(team.leader)


def recipients(ticket: Ticket, clock_kind: str, level: str) -> list[User]:
    """Who is notified when ``clock_kind`` of ``ticket`` reaches ``level`` (see the table in
    the module docstring)."""
    desk_job = clock_kind == sla.ClockKind.RETURN_VISIT
    if level == L.SECOND:
        return _project_staff(ticket.project_id, Role.PROJECT_MANAGER)
    if not desk_job:
        if level == L.WARN and (assignee := _active(ticket.assignee)) is not None:
            return [assignee]
        if (leader := _team_leader(ticket)) is not None:
            return [leader]
    return _project_staff(ticket.project_id, Role.CUSTOMER_SERVICE)


def _route(user: User) -> tuple[str, str]:
    """The outbox channel and recipient for a staff user: e-mail when they have an address,
    else the console channel addressed by username (delivered where the console channel is
    enabled, e.g. in development; a failed message stays visible in the outbox)."""
    if user.email:
        return MessageChannel.EMAIL, user.email
    return MessageChannel.CONSOLE, user.get_username()


# --- messages --------------------------------------------------------------------------------


def _text(ticket: Ticket, clock: TicketClock, level: str, due: dt.datetime) -> tuple[str, str]:
    zone = ZoneInfo(ticket.project.time_zone or "Asia/Shanghai")
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "number": ticket.number,
            "project": ticket.project.name,
            "kind": TicketKind(ticket.kind).label,
            "clock": ClockKindChoices(clock.kind).label,
            "due": due.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "assignee": str(ticket.assignee) if ticket.assignee else _("nobody yet"),
        }
        if level == L.WARN:
            subject = _("Ticket %(number)s: %(clock)s due at %(due)s") % params
            body = (
                _(
                    "The %(clock)s deadline of ticket %(number)s (%(project)s, %(kind)s) is "
                    "%(due)s. Please act before then."
                )
                % params
            )
        elif level == L.BREACH:
            subject = _("Ticket %(number)s: %(clock)s overdue") % params
            body = (
                _(
                    "The %(clock)s deadline of ticket %(number)s (%(project)s, %(kind)s) was "
                    "%(due)s and has passed. Assignee: %(assignee)s."
                )
                % params
            )
        else:
            subject = _("Ticket %(number)s: %(clock)s still overdue") % params
            body = (
                _(
                    "The %(clock)s deadline of ticket %(number)s (%(project)s, %(kind)s) was "
                    "%(due)s and is still not met. Assignee: %(assignee)s. Please step in."
                )
                % params
            )
    return subject, body


# --- one clock -------------------------------------------------------------------------------


def _levels_due(status: sla.ClockStatus, now: dt.datetime, second_after: dt.timedelta) -> list[str]:
    if status.state is sla.ClockState.PAUSED:
        return []
    if status.state is sla.ClockState.BREACHED:
        levels = [L.BREACH.value]
        if now > status.due_at + second_after:
            levels.append(L.SECOND.value)
        return levels
    if status.warn_at < status.due_at and status.warn_at <= now:
        return [L.WARN.value]
    return []


def _record(
    ticket: Ticket, clock: TicketClock, level: str, status: sla.ClockStatus, now: dt.datetime
) -> bool:
    """Insert the level's row, queue its messages, write the event. False when the level was
    already recorded (by a concurrent sweep): nothing is written then."""
    users = recipients(ticket, clock.kind, level)
    try:
        with transaction.atomic():  # savepoint: a lost race must not poison the caller
            escalation = TicketEscalation.objects.create(
                clock=clock,
                ticket=ticket,
                level=level,
                at=now,
                recipients=[u.pk for u in users],
            )
    except IntegrityError:
        return False
    subject, body = _text(ticket, clock, level, status.due_at)
    for user in users:
        channel, address = _route(user)
        message_queue(
            channel=channel,
            recipient=address,
            recipient_user=user,
            subject=subject,
            body=body,
            project=ticket.project,
            dedupe_key=f"servicedesk.escalation.{escalation.pk}.{user.pk}",
            now=now,
        )
        # …and on the console's notification bell.
        notify(
            event="servicedesk.escalation",
            recipient=user,
            project=ticket.project,
            context={
                "ticket": ticket.number,
                "clock": clock.kind,
                "due_at": status.due_at.isoformat(),
                "level": level,
                "subject": subject,
                "text": body,
            },
            channels=["in_app"],
            source=f"ticket:{ticket.pk}",
            dedupe_key=f"servicedesk.escalation.{escalation.pk}.{user.pk}.bell",
            now=now,
        )
    if not users:
        logger.warning(
            "ticket %s: %s escalation of the %s clock has nobody to notify",
            ticket.number,
            level,
            clock.kind,
        )
    TicketEvent.objects.create(
        ticket=ticket,
        at=now,
        actor=None,
        code="servicedesk.ticket.escalated",
        data={
            "level": level,
            "clock": clock.kind,
            "due_at": status.due_at.isoformat(),
            "recipients": [{"id": u.pk, "name": str(u)} for u in users],
        },
    )
    return True


def _escalate(
    clock_id: int, ticket_id: int, *, now: dt.datetime, second_after: dt.timedelta
) -> list[str]:
    """Record the levels a clock has reached; returns those recorded by this call."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("project", "team__leader", "assignee")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return []  # locked by a transition or another sweep: the next run sees it
        clock = TicketClock.objects.filter(
            pk=clock_id, stopped_at__isnull=True, voided=False
        ).first()
        if clock is None:
            return []  # stopped meanwhile
        pauses = [p.as_pause() for p in TicketPause.objects.filter(ticket_id=ticket_id)]
        status = sla.clock_status(
            clock.rule, clock.started_at, ticket.project, pauses, now=max(now, clock.started_at)
        )
        done = set(TicketEscalation.objects.filter(clock=clock).values_list("level", flat=True))
        recorded = [
            level
            for level in _levels_due(status, now, second_after)
            if level not in done and _record(ticket, clock, level, status, now)
        ]
        if status.state is sla.ClockState.BREACHED and clock.state != status.state.value:
            TicketClock.objects.filter(pk=clock.pk, stopped_at__isnull=True).update(
                state=status.state.value,
                breached_at=status.breached_at,
                due_at=status.due_at,
                warn_at=status.warn_at,
            )
        return recorded


# --- the sweep -------------------------------------------------------------------------------


def _candidates(now: dt.datetime, min_second_after: dt.timedelta) -> QuerySet[TicketClock]:
    """Running clocks that may have a level to record: in the warning window and not warned,
    overdue and not breach-notified, or overdue longer than the shortest second-level delay;
    never one with its second level recorded (the last level). Cached ``paused`` clocks are
    left out (every pause and resume refreshes that column); the engine decides the rest."""
    levels = TicketEscalation.objects.filter(clock_id=OuterRef("pk"))
    return (
        TicketClock.objects.filter(stopped_at__isnull=True, warn_at__lte=now, voided=False)
        .exclude(state=sla.ClockState.PAUSED.value)
        .exclude(Exists(levels.filter(level=L.SECOND)))
        .filter(
            (Q(due_at__gte=now, warn_at__lt=F("due_at")) & ~Exists(levels.filter(level=L.WARN)))
            | (Q(due_at__lt=now) & ~Exists(levels.filter(level=L.BREACH)))
            | Q(due_at__lt=now - min_second_after)
        )
    )


def escalation_sweep(
    *, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    """Record (and notify) every escalation level reached at ``now``; safe to run twice at
    once, never records a level twice for a clock. Returns the counts recorded by this run."""
    now = now or timezone.now()
    configured = DeskSettings.objects.aggregate(shortest=Min("second_level_after"))["shortest"]
    min_after = min(d for d in (configured, DEFAULT_SECOND_LEVEL_AFTER) if d is not None)
    counts = {L.WARN.value: 0, L.BREACH.value: 0, L.SECOND.value: 0}
    after: tuple[dt.datetime, int] | None = None
    while True:
        query = _candidates(now, min_after).order_by("warn_at", "pk")
        if after is not None:
            # ``warn_at >= x`` alone bounds the index range; the OR only breaks the tie.
            query = query.filter(warn_at__gte=after[0]).filter(
                Q(warn_at__gt=after[0]) | Q(pk__gt=after[1])
            )
        rows = list(
            query.values_list("pk", "ticket_id", "ticket__project_id", "warn_at")[:batch_size]
        )
        second_after = dict(
            DeskSettings.objects.filter(
                project_id__in={project_id for _pk, _t, project_id, _w in rows}
            ).values_list("project_id", "second_level_after")
        )
        for clock_id, ticket_id, project_id, _warn_at in rows:
            for level in _escalate(
                clock_id,
                ticket_id,
                now=now,
                second_after=second_after.get(project_id, DEFAULT_SECOND_LEVEL_AFTER),
            ):
                counts[level] += 1
        if len(rows) < batch_size:
            break
        after = (rows[-1][3], rows[-1][0])
    return SweepResult(
        warned=counts[L.WARN.value], breached=counts[L.BREACH.value], second=counts[L.SECOND.value]
    )


@task()
def escalation_sweep_task() -> dict[str, Any]:
    """The scheduled sweep (every minute); idempotent, safe to overlap."""
    return asdict(escalation_sweep())
