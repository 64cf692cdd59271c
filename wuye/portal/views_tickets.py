"""报事报修 in the resident portal: report, my tickets, the ticket page and its actions.

A resident sees only the tickets they reported (``selectors.resident_ticket`` → 404 for any
other). Every form works without JavaScript (post/redirect/get; a form with errors is shown
again on the ticket page); htmx only narrows the category choices when the unit changes.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wuye.core.errors import DomainError
from wuye.core.http import AuthenticatedHttpRequest
from wuye.portal import selectors, services
from wuye.portal.forms import (
    KIND_LABELS,
    REPORT_KINDS,
    PhotosForm,
    RatingForm,
    ReasonForm,
    TicketReportForm,
    VerdictForm,
)
from wuye.portal.timeline import REPAIR_KINDS, promises, state_label, state_tone, timeline
from wuye.portal.views import resident_required
from wuye.servicedesk.models import Family, FeeState, Ticket, TicketState
from wuye.servicedesk.selectors import OPEN_STATES
from wuye.servicedesk.services import fee_confirm, ticket_confirm, ticket_rate, ticket_reopen

PAGE_SIZE = 20

S = TicketState
_FINISHED = {S.COMPLETED, S.RETURN_VISITED, S.CLOSED}


def _apply(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, forms.ValidationError(str(exc.message), code=exc.code))


# --- my tickets ------------------------------------------------------------------------------


@resident_required
def ticket_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Tabs: in progress (default), finished, all; chips narrow to one of my units."""
    tab = request.GET.get("tab", "open")
    tab = tab if tab in selectors.TICKET_TABS else "open"
    units = selectors.resident_report_units(user=request.user)
    raw_unit = request.GET.get("unit", "")
    unit_id = int(raw_unit) if raw_unit.isdigit() else None
    if unit_id not in {entry.unit.pk for entry in units}:
        unit_id = None
    tickets = selectors.resident_ticket_list(user=request.user, tab=tab, unit_id=unit_id)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "ticket": t,
            "kind": KIND_LABELS.get(t.kind, t.get_kind_display()),
            "state": state_label(t),
            "tone": state_tone(t),
        }
        for t in page.object_list
    ]
    return render(
        request,
        "portal/tickets/list.html",
        {"page": page, "rows": rows, "tab": tab, "units": units, "unit_id": unit_id},
    )


# --- report ----------------------------------------------------------------------------------


def _report_form(request: AuthenticatedHttpRequest, data: Any = None, files: Any = None) -> Any:
    units = selectors.resident_report_units(user=request.user)
    source = data if data is not None else request.GET
    raw_unit = str(source.get("unit", ""))
    chosen = next((e for e in units if str(e.unit.pk) == raw_unit), None)
    if chosen is None and len(units) == 1:
        chosen = units[0]
    project_ids = {chosen.unit.project_id} if chosen else {e.unit.project_id for e in units}
    categories = selectors.resident_categories(project_ids=project_ids)
    initial: dict[str, Any] = {"idempotency_key": uuid.uuid4()}
    if chosen is not None:
        initial["unit"] = chosen.unit.pk
    kind = request.GET.get("kind", "")
    if kind in KIND_LABELS:
        initial["kind"] = kind
    return TicketReportForm(
        data,
        files,
        units=units,
        categories=categories,
        now=timezone.now(),
        initial=initial,
    )


@resident_required
@require_http_methods(["GET", "POST"])
def ticket_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = _report_form(request, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            entry = form.unit_entry
            report = services.Report(
                unit=entry.unit,
                reporter=entry.occupant,
                kind=data["kind"],
                description=data["description"],
                category=form.chosen_category,
                place=data["place"],
                urgent=data["urgent"],
                appointment_at=data["appointment_at"],
            )
            try:
                ticket = services.ticket_report(
                    actor=request.user,
                    report=report,
                    photos=data["photos"],
                    idempotency_key=str(data["idempotency_key"]),
                )
            except DomainError as exc:
                _apply(form, exc)
            else:
                messages.success(
                    request,
                    _("Thank you. Your report %(number)s was received.")
                    % {"number": ticket.number},
                )
                return redirect("portal:ticket-detail", ticket.pk)
    else:
        form = _report_form(request)
    photos_lost = request.method == "POST" and bool(request.FILES) and not form.is_valid()
    return render(
        request,
        "portal/tickets/report.html",
        {
            "form": form,
            "kinds": [
                (kind, label, hint, form["kind"].value() == kind)
                for kind, label, hint in REPORT_KINDS
            ],
            "photos_lost": photos_lost,
        },
    )


# --- the ticket page -------------------------------------------------------------------------


def _result(page: selectors.TicketPage) -> str:
    """The complaint result last reported to the resident."""
    for event in reversed(page.events):
        if event.code == "servicedesk.ticket.result_reported":
            return event.note
    return ""


def _state_with_pause(ticket: Ticket, page: selectors.TicketPage) -> str:
    """The state as the resident reads it; a pause says what it waits for."""
    label = state_label(ticket)
    if ticket.state == S.PAUSED and page.open_pause is not None:
        return f"{label} · {page.open_pause.get_reason_display()}"
    return label


def _detail(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    page = selectors.resident_ticket_page(user=request.user, ticket_id=pk)
    ticket = page.ticket
    now = timezone.now()
    open_rework = [t for t in page.rework if t.state != S.CANCELLED]
    can = {
        "cancel": services.can_cancel(ticket),
        "reopen": ticket.state in _FINISHED
        and not open_rework
        and page.reopen_until is not None
        and now <= page.reopen_until,
        "rate": ticket.state == S.COMPLETED and not ticket.return_visit_outcome,
        "confirm": ticket.family == Family.COMPLAINT and ticket.state == S.RESULT_REPORTED,
        "fee": ticket.fee_state == FeeState.PROPOSED,
        "photos": ticket.state in OPEN_STATES,
    }
    forms_ = {
        "cancel": ReasonForm(prefix="cancel"),
        "reopen": ReasonForm(prefix="reopen"),
        "rate": RatingForm(),
        "confirm": VerdictForm(prefix="confirm"),
        "fee": VerdictForm(prefix="fee"),
        "photos": PhotosForm(),
    }
    forms_.update(bound or {})
    return render(
        request,
        "portal/tickets/detail.html",
        {
            "ticket": ticket,
            "page": page,
            "kind": KIND_LABELS.get(ticket.kind, ticket.get_kind_display()),
            "state": _state_with_pause(ticket, page),
            "tone": state_tone(ticket),
            "timeline": timeline(ticket, page.events, user=request.user, people=page.people),
            "promises": promises(page.clocks, now=now),
            "technician": page.people.get(ticket.assignee_id or 0, ""),
            "is_repair": ticket.kind in REPAIR_KINDS,
            "result": _result(page) if ticket.family == Family.COMPLAINT else "",
            "can": can,
            "forms": forms_,
            "open_rework": open_rework,
        },
    )


@resident_required
def ticket_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _act(
    request: AuthenticatedHttpRequest,
    pk: int,
    name: str,
    form: forms.Form,
    action: Any,
) -> HttpResponse:
    """Validate ``form``, run ``action(ticket, cleaned_data)``; on success flash its message
    and redirect to the ticket it returns. Input errors show the ticket page with the form
    and its errors; a refusal of the service (the ticket moved on meanwhile, the window
    passed) is flashed on the ticket page, whose offered actions are then up to date."""
    ticket = selectors.resident_ticket(user=request.user, ticket_id=pk)
    if form.is_valid():
        try:
            target, message = action(ticket, form.cleaned_data)
        except DomainError as exc:
            if exc.field not in form.fields:
                messages.error(request, str(exc.message))
                return redirect("portal:ticket-detail", ticket.pk)
            _apply(form, exc)
        else:
            messages.success(request, message)
            return redirect("portal:ticket-detail", target.pk)
    return _detail(request, pk, bound={name: form})


@resident_required
@require_POST
def ticket_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> tuple[Ticket, str]:
        services.resident_ticket_cancel(actor=request.user, ticket=ticket, reason=data["reason"])
        return ticket, _("The ticket was cancelled.")

    return _act(request, pk, "cancel", ReasonForm(request.POST, prefix="cancel"), action)


@resident_required
@require_POST
def ticket_reopen_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> tuple[Ticket, str]:
        rework = ticket_reopen(actor=request.user, ticket=ticket, reason=data["reason"])
        return rework, _("We reopened it as rework: ticket %(number)s.") % {"number": rework.number}

    return _act(request, pk, "reopen", ReasonForm(request.POST, prefix="reopen"), action)


@resident_required
@require_POST
def ticket_rate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> tuple[Ticket, str]:
        ticket_rate(
            actor=request.user, ticket=ticket, rating=data["rating"], comment=data["comment"]
        )
        return ticket, _("Thank you for your rating.")

    return _act(request, pk, "rate", RatingForm(request.POST), action)


@resident_required
@require_POST
def ticket_confirm_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> tuple[Ticket, str]:
        satisfied = data["answer"] == "yes"
        ticket_confirm(actor=request.user, ticket=ticket, satisfied=satisfied, note=data["note"])
        if satisfied:
            return ticket, _("Thank you. We are glad it was resolved.")
        return ticket, _("We are sorry. We keep handling your complaint.")

    return _act(request, pk, "confirm", VerdictForm(request.POST, prefix="confirm"), action)


@resident_required
@require_POST
def ticket_fee(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> tuple[Ticket, str]:
        accepted = data["answer"] == "yes"
        fee_confirm(actor=request.user, ticket=ticket, accepted=accepted, note=data["note"])
        if accepted:
            return ticket, _("You accepted the fee; the technician can start.")
        return ticket, _("You declined the fee. The service centre will contact you.")

    return _act(request, pk, "fee", VerdictForm(request.POST, prefix="fee"), action)


@resident_required
@require_POST
def ticket_photos(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> tuple[Ticket, str]:
        services.ticket_photos_add(actor=request.user, ticket=ticket, photos=data["photos"])
        return ticket, _("Photos added.")

    return _act(request, pk, "photos", PhotosForm(request.POST, request.FILES), action)


@resident_required
def price_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The published price lists of the resident's projects (paid home repairs)."""
    lists = selectors.resident_price_lists(user=request.user)
    return render(request, "portal/tickets/prices.html", {"lists": lists})
