"""Scoped reads of tickets. Views, API handlers and tasks read tickets only through these.

Staff see the tickets of the projects in their scope; a resident sees the tickets whose
reporter is one of their occupant records. Anything else answers 404 in ``access_ticket``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from wuye.accounts.access import scope_for
from wuye.core.phones import normalize_phone
from wuye.servicedesk.models import Ticket


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    scope = scope_for(user)
    if scope.is_superuser:
        return Ticket.objects.all()
    return Ticket.objects.filter(Q(project_id__in=scope.project_ids) | Q(reporter__user=user))


def ticket_list(
    *,
    user: Any,
    project_id: int | None = None,
    state: str | None = None,
    kind: str | None = None,
    assignee_id: int | None = None,
    q: str = "",
) -> QuerySet[Ticket]:
    """Tickets in scope, newest first. ``q`` matches the number, a reporter phone tail
    (4 digits, indexed), a full phone, or words of the description."""
    qs = visible_tickets(user).select_related("project", "category", "unit", "assignee")
    if project_id:
        qs = qs.filter(project_id=project_id)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
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
            .select_related("project", "category", "unit", "building", "reporter", "assignee")
            .get(pk=ticket_id)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
