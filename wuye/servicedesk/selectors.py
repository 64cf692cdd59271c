"""Scoped reads of tickets. Views, API handlers and tasks read tickets only through these.

Staff see the tickets of the projects in their scope; a resident sees the tickets whose
reporter is one of their occupant records. Anything else answers 404 in ``access_ticket``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from wuye.accounts.access import scope_for
from wuye.core.phones import normalize_phone
from wuye.places.models import Occupant
from wuye.servicedesk.models import Ticket, TicketClock


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    scope = scope_for(user)
    if scope.is_superuser:
        return Ticket.objects.all()
    # The reporter test is a subquery, not a join: staff list queries stay join-free on it.
    own = Q(reporter_id__in=Occupant.objects.filter(user=user).values("pk"))
    if not scope.project_ids:
        return Ticket.objects.filter(own)
    return Ticket.objects.filter(Q(project_id__in=scope.project_ids) | own)


OPEN_STATES = (
    "registered",
    "dispatched",
    "accepted",
    "arrived",
    "in_progress",
    "paused",
    "acknowledged",
    "handling",
    "result_reported",
)


def ticket_list(
    *,
    user: Any,
    project_id: int | None = None,
    state: str | Iterable[str] | None = None,
    kind: str | Iterable[str] | None = None,
    category_id: int | None = None,
    urgency: str | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    unit_id: int | None = None,
    building_id: int | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
    open_only: bool = False,
    overdue_at: dt.datetime | None = None,
    pool_only: bool = False,
    mine_as_reporter: bool = False,
    q: str = "",
) -> QuerySet[Ticket]:
    """Tickets in scope, newest first.

    ``state``/``kind``: one value or several. ``open_only``: not yet completed, closed or
    cancelled. ``overdue_at``: with a running clock due before that moment. ``pool_only``:
    dispatched to nobody (the grab pool). ``mine_as_reporter``: only tickets the user reported
    as a resident. ``created_from``/``created_to``: half-open ``[from, to)``. ``q`` matches the
    number, a reporter phone tail (4 digits, indexed), a full phone, or words of the
    description.
    """
    qs = visible_tickets(user).select_related(
        "project", "category", "unit", "building", "assignee", "team"
    )
    if mine_as_reporter:
        qs = qs.filter(reporter__user=user)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if state:
        qs = qs.filter(state=state) if isinstance(state, str) else qs.filter(state__in=list(state))
    if kind:
        qs = qs.filter(kind=kind) if isinstance(kind, str) else qs.filter(kind__in=list(kind))
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if building_id:
        qs = qs.filter(building_id=building_id)
    if created_from is not None:
        qs = qs.filter(created_at__gte=created_from)
    if created_to is not None:
        qs = qs.filter(created_at__lt=created_to)
    if pool_only:
        qs = qs.filter(state="dispatched", assignee__isnull=True)
    if overdue_at is not None:
        qs = qs.filter(
            Exists(
                TicketClock.objects.filter(
                    ticket=OuterRef("pk"), stopped_at__isnull=True, due_at__lt=overdue_at
                )
            )
        )
    if q:
        digits = normalize_phone(q)
        if digits.isdigit() and len(digits) == 4:
            qs = qs.filter(reporter_phone_tail=digits)
        elif digits.isdigit() and len(digits) >= 7:
            qs = qs.filter(reporter_phone=digits)
        else:
            qs = qs.filter(Q(number__iexact=q.strip()) | Q(description__icontains=q.strip()))
    return qs.order_by("-created_at", "-id")


def access_ticket(user: Any, ticket_id: Any) -> Ticket:
    """One ticket in the user's scope; 404 when missing or out of scope."""
    try:
        return (
            visible_tickets(user)
            .select_related(
                "project", "category", "unit", "building", "reporter", "assignee", "team"
            )
            .get(pk=ticket_id)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
