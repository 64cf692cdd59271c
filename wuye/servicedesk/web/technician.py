"""The technician's phone screens (我的工单): my open orders, the grab pool, one order.

Phone-sized pages with big buttons. The order page offers what the technician may do now —
accept, arrive, start, pause/resume, complete with photos and the customer's signature
(drawn on a canvas, ``static/servicedesk/desk.js``), fee and material lines from the price
list — all posted to :func:`wuye.servicedesk.web.actions.ticket_action` with
``screen=tech``.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wuye.accounts.access import Capability, scope_for
from wuye.console.views.common import forbidden, list_project_id, paginate, staff_view
from wuye.servicedesk.models import Ticket, Urgency
from wuye.servicedesk.selectors import access_ticket, ticket_list
from wuye.servicedesk.web.desk import _open_clocks, pool_tickets
from wuye.servicedesk.web.ticket import ticket_page_context

MY_PAGE_SIZE = 30


def _field_only(request: HttpRequest) -> HttpResponse | None:
    if not scope_for(request.user).can_anywhere(Capability.FIELD_WORK):
        return forbidden(request)
    return None


@staff_view
def my_orders(request: HttpRequest) -> HttpResponse:
    """My open orders: urgent first, then by appointment or age."""
    if (refused := _field_only(request)) is not None:
        return refused
    qs = (
        ticket_list(user=request.user, assignee_id=request.user.pk, open_only=True)
        .annotate(
            urgent_first=Case(
                When(urgency=Urgency.URGENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("urgent_first", "created_at", "id")
        .prefetch_related(_open_clocks())
    )
    page = paginate(request, qs, per_page=MY_PAGE_SIZE)
    return render(request, "servicedesk/tech/orders.html", {"page": page, "tab": "mine"})


@staff_view
def my_pool(request: HttpRequest) -> HttpResponse:
    """Orders waiting in a pool I may take from."""
    if (refused := _field_only(request)) is not None:
        return refused
    qs = pool_tickets(request, list_project_id(request)).prefetch_related(_open_clocks())
    page = paginate(request, qs, per_page=MY_PAGE_SIZE)
    return render(request, "servicedesk/tech/orders.html", {"page": page, "tab": "pool"})


def render_order(
    request: HttpRequest, ticket: Ticket, bound: dict[str, Form] | None = None
) -> HttpResponse:
    return render(
        request,
        "servicedesk/tech/order.html",
        ticket_page_context(request, ticket, bound=bound, screen="tech"),
    )


@staff_view
def my_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """One order on the phone (any ticket in scope; the actions depend on the user)."""
    ticket = access_ticket(request.user, pk)
    return render_order(request, ticket)
