"""Reads for return visits (回访): the queue of due visits for customer service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from wuye.accounts.access import Capability, scope_for
from wuye.servicedesk import sla
from wuye.servicedesk.models import ReturnVisit, Ticket, TicketClock, TicketState


def _desk_project_ids(user: Any) -> frozenset[int] | None:
    """Projects where the user does customer service (``None``: all, a superuser)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return None
    return frozenset(
        pid for pid, caps in scope.capabilities.items() if Capability.SERVICE_DESK in caps
    )


def return_visit_queue(
    *, user: Any, project_id: int | None = None, now: dt.datetime | None = None
) -> QuerySet[Ticket]:
    """Completed tickets (repairs and complaints) whose return-visit clock runs, in the
    projects where ``user`` does customer service; soonest due first. One query.

    Annotated: ``return_visit_due`` (the clock's due time), ``overdue`` (due before ``now``),
    ``attempts`` (return visits recorded so far — unreachable / call again), and
    ``last_attempt_at`` / ``last_outcome`` of the latest one. The customer's phone is shown
    with ``Ticket.masked_reporter_phone``.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    now = now or timezone.now()
    running = TicketClock.objects.filter(
        ticket=OuterRef("pk"), kind=sla.ClockKind.RETURN_VISIT.value, stopped_at__isnull=True
    )
    visits = ReturnVisit.objects.filter(ticket=OuterRef("pk"))
    attempts = visits.order_by().values("ticket").annotate(n=Count("id")).values("n")[:1]
    latest = visits.order_by("-at", "-id")
    qs = Ticket.objects.filter(state=TicketState.COMPLETED).filter(Exists(running))
    projects = _desk_project_ids(user)
    if projects is not None:
        qs = qs.filter(project_id__in=projects)
    if project_id:
        qs = qs.filter(project_id=project_id)
    return (
        qs.select_related("project", "category", "unit", "building", "assignee", "reporter")
        .annotate(
            return_visit_due=Subquery(running.values("due_at")[:1]),
            attempts=Coalesce(Subquery(attempts, output_field=IntegerField()), Value(0)),
            last_attempt_at=Subquery(latest.values("at")[:1]),
            last_outcome=Subquery(latest.values("outcome")[:1]),
        )
        .annotate(
            overdue=Case(
                When(return_visit_due__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("return_visit_due", "id")
    )
