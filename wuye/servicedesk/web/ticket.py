"""The ticket page of the console (desk) — also the data of the technician's order page.

Header, clocks (live status from the stored rule and the pauses), timeline with the facts of
each event, pauses, attachments, fee lines and receipt, return visits, and the actions this
user may take now (:mod:`wuye.servicedesk.web.actions`); the dispatch panel with suggestions
and workload when the ticket waits for dispatch. ``reporter_reveal`` shows the reporter's full
phone to holders of ``VIEW_PERSONAL_DATA`` and records the view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wuye.accounts.access import Capability, require, scope_for
from wuye.accounts.models import User
from wuye.audit.services import audit_record
from wuye.console.views.common import staff_view
from wuye.servicedesk import sla
from wuye.servicedesk.dispatching import dispatch_suggestions, workload
from wuye.servicedesk.models import (
    AttachmentKind,
    FollowUp,
    PauseReasonChoices,
    PriceItem,
    ReturnVisitOutcome,
    Team,
    Ticket,
    TicketClock,
    TicketEvent,
    TicketPause,
)
from wuye.servicedesk.selectors import access_ticket
from wuye.servicedesk.selectors_fees import price_list
from wuye.servicedesk.services import fee_deviation
from wuye.servicedesk.web.actions import action_forms, action_items, available_actions
from wuye.servicedesk.web.desk import WorkloadRow, field_workers

# --- the ticket page -------------------------------------------------------------------------


@dataclass
class ClockRow:
    clock: TicketClock
    status: sla.ClockStatus

    @property
    def running(self) -> bool:
        return self.clock.stopped_at is None


def clock_rows(
    ticket: Ticket, clocks: list[TicketClock], stored_pauses: list[TicketPause], now: dt.datetime
) -> list[ClockRow]:
    """Each clock with its live status (state, due, time left, paused time) at ``now``."""
    pauses = [p.as_pause() for p in stored_pauses]
    return [
        ClockRow(
            clock,
            sla.clock_status(
                clock.rule,
                clock.started_at,
                ticket.project,
                pauses,
                now=max(now, clock.started_at),
                stopped_at=clock.stopped_at,
            ),
        )
        for clock in clocks
    ]


def _people_in(events: list[TicketEvent]) -> dict[int, str]:
    """Names of the users event data points to by id (one query)."""
    ids: set[int] = set()
    for e in events:
        for key in ("assignee", "previous_assignee"):
            value = (e.data or {}).get(key)
            if isinstance(value, int):
                ids.add(value)
    return {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}


def _person(value: Any, people: dict[int, str]) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or _("the pool"))
    if isinstance(value, int):
        return people.get(value, "—")
    return _("the pool")


def event_facts(
    event: TicketEvent, people: dict[int, str], teams: dict[int, str]
) -> list[tuple[str, str]]:
    """What an event's data says, as (label, value) pairs for the timeline."""
    data = event.data or {}
    verb = event.code.rsplit(".", 1)[-1]
    facts: list[tuple[str, str]] = []
    if verb in ("dispatched", "reassigned"):
        if "previous_assignee" in data and data["previous_assignee"] not in (None, {}):
            facts.append((_("Previous assignee"), _person(data["previous_assignee"], people)))
        facts.append((_("Assigned to"), _person(data.get("assignee"), people)))
        team = data.get("team")
        if isinstance(team, int) and team in teams:
            facts.append((_("Team"), teams[team]))
    if verb == "attachment_added" and data.get("kind"):
        try:
            facts.append((_("File"), str(AttachmentKind(data["kind"]).label)))
        except ValueError:
            pass
    for key, label in (("total", _("Total")), ("value", _("Value"))):
        if data.get(key) not in (None, ""):
            facts.append((label, f"¥{data[key]}"))
    if data.get("receipt_number"):
        facts.append((_("Receipt"), str(data["receipt_number"])))
    if "reason" in data and verb == "paused":
        try:
            facts.append((_("Why"), str(PauseReasonChoices(data["reason"]).label)))
        except ValueError:
            facts.append((_("Why"), str(data["reason"])))
    if "outcome" in data:
        try:
            facts.append((_("Outcome"), str(ReturnVisitOutcome(data["outcome"]).label)))
        except ValueError:
            pass
    if data.get("rating"):
        facts.append((_("Rating"), "★" * int(data["rating"])))
    if data.get("follow_up"):
        try:
            facts.append((_("Follow-up"), str(FollowUp(data["follow_up"]).label)))
        except ValueError:
            pass
    if "satisfied" in data:
        facts.append((_("Customer"), _("Satisfied") if data["satisfied"] else _("Not satisfied")))
    for key, label in (
        ("rework_ticket", _("Rework ticket")),
        ("reopened_from", _("Reopened from")),
    ):
        if data.get(key):
            facts.append((label, str(data[key])))
    return facts


def ticket_page_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: dict[str, Form] | None = None,
    screen: str = "desk",
) -> dict[str, Any]:
    """Everything the ticket page (desk) and the order page (technician) show."""
    now = timezone.now()
    clocks = list(ticket.clocks.all())
    pauses = list(ticket.pauses.all())
    rows = clock_rows(ticket, clocks, pauses, now)
    events = list(ticket.events.select_related("actor"))
    teams_of_project = list(Team.objects.filter(project_id=ticket.project_id, active=True))
    team_names = {t.pk: t.name for t in teams_of_project}
    people = _people_in(events)
    for event in events:
        event.facts = event_facts(event, people, team_names)  # type: ignore[attr-defined]
    has_return_clock = any(c.kind == sla.ClockKind.RETURN_VISIT for c in clocks)
    names = available_actions(request.user, ticket, has_return_clock=has_return_clock)
    needs_people = {"dispatch", "reassign"} & set(names)
    workers = field_workers([ticket.project_id]) if needs_people else []
    load = workload(ticket.project_id, user_ids=[u.pk for u in workers]) if workers else {}
    for worker in workers:
        # the choice labels say how busy each one is
        worker.open_tickets = load.get(worker.pk, 0)  # type: ignore[attr-defined]
    price_items: list[PriceItem] = price_list(ticket.project_id) if "charges" in names else []
    forms = action_forms(
        ticket,
        names,
        bound=bound or {},
        workers=workers,
        teams=teams_of_project,
        price_items=price_items,
    )
    charges = list(ticket.charges.select_related("price_item"))
    scope = scope_for(request.user)
    context: dict[str, Any] = {
        "ticket": ticket,
        "now": now,
        "clocks": rows,
        "events": events,
        "pauses": pauses,
        "attachments": list(ticket.attachments.select_related("uploaded_by")),
        "charges": [c for c in charges if c.chargeable],
        "materials": [c for c in charges if not c.chargeable],
        "deviation": fee_deviation(ticket) if any(c.chargeable for c in charges) else None,
        "visits": list(ticket.return_visits.select_related("actor", "follow_up_ticket")),
        "rework": list(ticket.rework_tickets.only("pk", "number", "state", "project_id")),
        "actions": names,
        "forms": forms,
        "action_items": action_items(forms),
        "open_form": next(iter(bound), None) if bound else None,
        "can_reveal": scope.can(ticket.project_id, Capability.VIEW_PERSONAL_DATA),
        "screen": screen,
    }
    if "dispatch" in names:
        context["suggestions"] = dispatch_suggestions(ticket)
        context["workload"] = sorted(
            (WorkloadRow(u, load.get(u.pk, 0)) for u in workers),
            key=lambda r: (r.open_tickets, r.user.get_username()),
        )
    return context


@staff_view
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, pk)
    return render(request, "servicedesk/desk/ticket.html", ticket_page_context(request, ticket))


def render_ticket(
    request: HttpRequest, ticket: Ticket, bound: dict[str, Form], status: int = 200
) -> HttpResponse:
    """The ticket page again, with a posted form and its errors (no redirect)."""
    return render(
        request,
        "servicedesk/desk/ticket.html",
        ticket_page_context(request, ticket, bound=bound),
        status=status,
    )


@never_cache
@require_POST
@staff_view
def reporter_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's full phone, once; the view is recorded in the audit log."""
    ticket = access_ticket(request.user, pk)
    require(request.user, ticket.project_id, Capability.VIEW_PERSONAL_DATA)
    audit_record(
        actor=request.user, action="servicedesk.ticket.personal_data_viewed", instance=ticket
    )
    return render(
        request,
        "servicedesk/desk/_phone.html",
        {"ticket": ticket, "revealed": ticket.reporter_phone, "can_reveal": True},
    )
