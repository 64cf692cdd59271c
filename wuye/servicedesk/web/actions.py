"""Ticket actions of the console: which ones a user may take now, their forms, and the one
view that runs them (``POST /console/desk/tickets/<id>/do/<action>/``).

``available_actions`` mirrors the services' preconditions so that the pages offer only what
would work; the services stay the judges — an action that has become impossible meanwhile
answers with the service's own message. Every form is a plain POST that works without
JavaScript; the desk page and the technician's order page post to the same view (``screen``
says which page to show again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wuye.accounts.access import Capability, scope_for
from wuye.accounts.models import User
from wuye.console.views.common import apply_errors, safe_next, staff_view
from wuye.core.errors import DomainError, PermissionDenied
from wuye.servicedesk.models import (
    AttachmentKind,
    AttachmentStage,
    Family,
    FeeState,
    PriceItem,
    Team,
    Ticket,
    TicketKind,
    TicketState,
)
from wuye.servicedesk.selectors import access_ticket
from wuye.servicedesk.selectors_fees import price_list
from wuye.servicedesk.services import (
    ChargeInput,
    attachment_add,
    fee_confirm,
    fee_propose,
    fee_record_payment,
    materials_record,
    signature_add,
    ticket_accept,
    ticket_acknowledge,
    ticket_arrive,
    ticket_cancel,
    ticket_close,
    ticket_complete,
    ticket_confirm,
    ticket_dispatch,
    ticket_grab,
    ticket_pause,
    ticket_reassign,
    ticket_reopen,
    ticket_report_result,
    ticket_resume,
    ticket_return_visit_record,
    ticket_start,
)
from wuye.servicedesk.web.forms import (
    ActionForm,
    ChargesForm,
    CompleteForm,
    ConfirmForm,
    DispatchForm,
    EmptyForm,
    FeeConfirmForm,
    NoteForm,
    PauseForm,
    PhotoForm,
    ReasonForm,
    ReassignForm,
    ResultForm,
    ReturnVisitForm,
    SignatureForm,
)

S = TicketState
OPEN_WORK = {S.ACCEPTED, S.ARRIVED, S.IN_PROGRESS}
REASSIGNABLE = {S.DISPATCHED, S.ACCEPTED, S.ARRIVED, S.IN_PROGRESS, S.PAUSED}
FINISHED = {S.COMPLETED, S.RETURN_VISITED, S.CLOSED}
NOT_CANCELLABLE = {S.COMPLETED, S.RETURN_VISITED, S.CLOSED, S.CANCELLED, S.RESULT_REPORTED}
PAID_KINDS = {TicketKind.HOME_REPAIR, TicketKind.SPECIAL_SERVICE}

Data = dict[str, Any]
Runner = Callable[[Any, Ticket, Data], Any]


def _photos_stage(ticket: Ticket) -> str:
    if ticket.state in (S.REGISTERED, S.DISPATCHED):
        return AttachmentStage.REPORT
    if ticket.state in FINISHED:
        return AttachmentStage.COMPLETION
    return AttachmentStage.WORK


def _add_photos(actor: Any, ticket: Ticket, photos: Sequence[Any], stage: str) -> None:
    for photo in photos:
        attachment_add(
            actor=actor, ticket=ticket, upload=photo, kind=AttachmentKind.PHOTO, stage=stage
        )


def _complete(actor: Any, ticket: Ticket, d: Data) -> Ticket:
    """Photos, the customer's signature and the completion in one transaction: a refused
    completion keeps no half of it."""
    with transaction.atomic():
        _add_photos(actor, ticket, d.get("photos") or [], AttachmentStage.COMPLETION)
        if d.get("signature"):
            signature_add(actor=actor, ticket=ticket, data_url=d["signature"])
        return ticket_complete(actor=actor, ticket=ticket, note=d.get("note", ""))


def _charges(actor: Any, ticket: Ticket, d: Data) -> Any:
    lines = [
        ChargeInput(
            price_item=line.get("price_item"),
            kind=line.get("kind") or "",
            description=line.get("description") or "",
            quantity=line.get("quantity") or 1,
            unit_price=line.get("unit_price"),
        )
        for line in d["lines"]
    ]
    if d["purpose"] == "materials":
        return materials_record(actor=actor, ticket=ticket, lines=lines)
    return fee_propose(actor=actor, ticket=ticket, lines=lines)


@dataclass(frozen=True)
class ActionSpec:
    label: Promise
    form: type[ActionForm]
    run: Runner
    done: Promise
    style: str = ""  # "primary" (the next step) or "danger"


ACTIONS: dict[str, ActionSpec] = {
    "dispatch": ActionSpec(
        gettext_lazy("Dispatch"),
        DispatchForm,
        lambda a, t, d: ticket_dispatch(
            actor=a, ticket=t, assignee=d.get("assignee"), team=d.get("team"), note=d["note"]
        ),
        gettext_lazy("Dispatched."),
        "primary",
    ),
    "reassign": ActionSpec(
        gettext_lazy("Reassign"),
        ReassignForm,
        lambda a, t, d: ticket_reassign(
            actor=a, ticket=t, assignee=d.get("assignee"), team=d.get("team"), reason=d["reason"]
        ),
        gettext_lazy("Reassigned."),
    ),
    "grab": ActionSpec(
        gettext_lazy("Take this order"),
        EmptyForm,
        lambda a, t, d: ticket_grab(actor=a, ticket=t),
        gettext_lazy("The order is yours."),
        "primary",
    ),
    "accept": ActionSpec(
        gettext_lazy("Accept"),
        EmptyForm,
        lambda a, t, d: ticket_accept(actor=a, ticket=t),
        gettext_lazy("Accepted."),
        "primary",
    ),
    "arrive": ActionSpec(
        gettext_lazy("Arrived on site"),
        EmptyForm,
        lambda a, t, d: ticket_arrive(actor=a, ticket=t),
        gettext_lazy("Arrival recorded."),
        "primary",
    ),
    "start": ActionSpec(
        gettext_lazy("Start work"),
        EmptyForm,
        lambda a, t, d: ticket_start(actor=a, ticket=t),
        gettext_lazy("Work started."),
        "primary",
    ),
    "acknowledge": ActionSpec(
        gettext_lazy("Acknowledge"),
        NoteForm,
        lambda a, t, d: ticket_acknowledge(actor=a, ticket=t, note=d["note"]),
        gettext_lazy("Acknowledged."),
        "primary",
    ),
    "report_result": ActionSpec(
        gettext_lazy("Report the result"),
        ResultForm,
        lambda a, t, d: ticket_report_result(actor=a, ticket=t, note=d["note"]),
        gettext_lazy("The result was reported."),
        "primary",
    ),
    "confirm": ActionSpec(
        gettext_lazy("Record the customer's confirmation"),
        ConfirmForm,
        lambda a, t, d: ticket_confirm(actor=a, ticket=t, satisfied=d["satisfied"], note=d["note"]),
        gettext_lazy("The customer's answer was recorded."),
        "primary",
    ),
    "pause": ActionSpec(
        gettext_lazy("Pause"),
        PauseForm,
        lambda a, t, d: ticket_pause(
            actor=a,
            ticket=t,
            reason=d["reason"],
            note=d["note"],
            appointment_at=d.get("appointment_at"),
        ),
        gettext_lazy("Paused."),
    ),
    "resume": ActionSpec(
        gettext_lazy("Resume"),
        NoteForm,
        lambda a, t, d: ticket_resume(actor=a, ticket=t, note=d["note"]),
        gettext_lazy("Resumed."),
        "primary",
    ),
    "complete": ActionSpec(
        gettext_lazy("Complete"),
        CompleteForm,
        _complete,
        gettext_lazy("Completed."),
        "primary",
    ),
    "return_visit": ActionSpec(
        gettext_lazy("Return visit"),
        ReturnVisitForm,
        lambda a, t, d: ticket_return_visit_record(
            actor=a,
            ticket=t,
            outcome=d["outcome"],
            rating=d.get("rating"),
            comment=d["comment"],
            method=d["method"],
            follow_up=d.get("follow_up") or "",
        ),
        gettext_lazy("The return visit was recorded."),
        "primary",
    ),
    "close": ActionSpec(
        gettext_lazy("Close"),
        NoteForm,
        lambda a, t, d: ticket_close(actor=a, ticket=t, note=d["note"]),
        gettext_lazy("Closed."),
        "primary",
    ),
    "fee_confirm": ActionSpec(
        gettext_lazy("Record the customer's answer to the fee"),
        FeeConfirmForm,
        lambda a, t, d: fee_confirm(actor=a, ticket=t, accepted=d["accepted"], note=d["note"]),
        gettext_lazy("The customer's answer was recorded."),
    ),
    "fee_pay": ActionSpec(
        gettext_lazy("Record the payment"),
        EmptyForm,
        lambda a, t, d: fee_record_payment(actor=a, ticket=t),
        gettext_lazy("The payment was recorded."),
    ),
    "charges": ActionSpec(
        gettext_lazy("Fee and materials"),
        ChargesForm,
        _charges,
        gettext_lazy("The lines were saved."),
    ),
    "photo": ActionSpec(
        gettext_lazy("Add photos"),
        PhotoForm,
        lambda a, t, d: _add_photos(a, t, d["photos"], _photos_stage(t)),
        gettext_lazy("Photos added."),
    ),
    "signature": ActionSpec(
        gettext_lazy("Customer's signature"),
        SignatureForm,
        lambda a, t, d: signature_add(actor=a, ticket=t, data_url=d["signature"]),
        gettext_lazy("The signature was saved."),
    ),
    "reopen": ActionSpec(
        gettext_lazy("Reopen as rework"),
        ReasonForm,
        lambda a, t, d: ticket_reopen(actor=a, ticket=t, reason=d["reason"]),
        gettext_lazy("Reopened."),
    ),
    "cancel": ActionSpec(
        gettext_lazy("Cancel"),
        ReasonForm,
        lambda a, t, d: ticket_cancel(actor=a, ticket=t, reason=d["reason"]),
        gettext_lazy("Cancelled."),
        "danger",
    ),
}


@dataclass
class ActionItem:
    """One action as a page shows it: a lone button, or a panel with its form."""

    name: str
    label: Promise
    style: str
    form: Form
    has_fields: bool
    multipart: bool
    open: bool = False


def action_items(forms: dict[str, Form]) -> list[ActionItem]:
    return [
        ActionItem(
            name=name,
            label=ACTIONS[name].label,
            style=ACTIONS[name].style,
            form=form,
            has_fields=bool(form.visible_fields()) or name == "signature",
            multipart=form.is_multipart(),
            # the return visit is the one thing to do on a completed ticket: open it
            open=name == "return_visit",
        )
        for name, form in forms.items()
    ]


def _in_team(user: Any, team_id: int) -> bool:
    return Team.members.through.objects.filter(team_id=team_id, user_id=user.pk).exists()


def available_actions(user: Any, ticket: Ticket, *, has_return_clock: bool) -> list[str]:
    """The actions ``user`` may take on ``ticket`` in its current state (in ``ACTIONS``
    order). A read-only user (district supervisor) gets none."""
    scope = scope_for(user)
    pid = ticket.project_id
    desk = scope.can(pid, Capability.SERVICE_DESK)
    field = scope.can(pid, Capability.FIELD_WORK)
    if not (desk or field):
        return []
    mine = ticket.assignee_id is not None and ticket.assignee_id == user.pk
    worker = desk or (mine and field)
    s = ticket.state
    work = ticket.family == Family.WORK
    pooled = s == S.DISPATCHED and ticket.assignee_id is None
    can: set[str] = set()
    if work:
        if desk and (s == S.REGISTERED or pooled):
            can.add("dispatch")
        if desk and s in REASSIGNABLE and ticket.assignee_id is not None:
            can.add("reassign")
        if field and pooled and (ticket.team_id is None or _in_team(user, ticket.team_id)):
            can.add("grab")
        if mine and s == S.DISPATCHED:
            can.add("accept")
        if worker and s == S.ACCEPTED:
            can.add("arrive")
        if worker and s == S.ARRIVED:
            can.add("start")
        if worker and s in OPEN_WORK:
            can |= {"pause", "complete"}
        if worker and s == S.PAUSED:
            can.add("resume")
        if worker and s in OPEN_WORK | {S.PAUSED, S.COMPLETED}:
            can.add("signature")
        if worker and charge_purposes(ticket):
            can.add("charges")
    else:
        if desk and s == S.REGISTERED:
            can.add("acknowledge")
        if worker and s == S.ACKNOWLEDGED:
            can.add("start")
        if desk and s in (S.ACKNOWLEDGED, S.HANDLING):
            can.add("report_result")
        if desk and s == S.RESULT_REPORTED:
            can.add("confirm")
    if desk and s == S.COMPLETED and has_return_clock:
        can.add("return_visit")
    if desk and (s == S.RETURN_VISITED or (s == S.COMPLETED and not has_return_clock)):
        can.add("close")
    if desk and s in FINISHED:
        can.add("reopen")
    if desk and s not in NOT_CANCELLABLE:
        can.add("cancel")
    if worker and s not in (S.CLOSED, S.CANCELLED):
        can.add("photo")
    if desk and ticket.fee_state == FeeState.PROPOSED and s not in (S.CLOSED, S.CANCELLED):
        can.add("fee_confirm")
    if desk and ticket.fee_state == FeeState.CONFIRMED and s in FINISHED:
        can.add("fee_pay")
    return [name for name in ACTIONS if name in can]


def _form_kwargs(
    ticket: Ticket,
    *,
    workers: Sequence[User] = (),
    teams: Sequence[Team] = (),
    price_items: Sequence[PriceItem] = (),
) -> dict[str, Any]:
    return {"ticket": ticket, "workers": workers, "teams": teams, "price_items": price_items}


def charge_purposes(ticket: Ticket) -> list[str]:
    """What fee lines may be entered now: a fee (home repair, special service; until the work
    is completed and while not paid) and/or the materials used (during the work or after)."""
    purposes = []
    if (
        ticket.kind in PAID_KINDS
        and ticket.fee_state != FeeState.PAID
        and ticket.state in {S.REGISTERED, S.DISPATCHED, S.PAUSED, *OPEN_WORK}
    ):
        purposes.append("fee")
    if ticket.family == Family.WORK and ticket.state in {S.PAUSED, S.COMPLETED, *OPEN_WORK}:
        purposes.append("materials")
    return purposes


def _charges_choices(form: Form, ticket: Ticket) -> None:
    field = form.fields["purpose"]
    allowed = charge_purposes(ticket)
    field.choices = [c for c in field.choices if c[0] in allowed]  # type: ignore[attr-defined]
    if allowed:
        field.initial = allowed[0]


def make_form(
    name: str,
    ticket: Ticket,
    data: Any = None,
    files: Any = None,
    **choices: Any,
) -> ActionForm:
    form = ACTIONS[name].form(data, files, prefix=name, **_form_kwargs(ticket, **choices))
    if name == "charges":
        _charges_choices(form, ticket)
    return form


def action_forms(
    ticket: Ticket,
    names: Sequence[str],
    *,
    bound: dict[str, Form],
    workers: Sequence[User],
    teams: Sequence[Team],
    price_items: Sequence[PriceItem],
) -> dict[str, Form]:
    """One form per available action; a posted one with its errors in place of the blank."""
    forms: dict[str, Form] = {}
    for name in names:
        forms[name] = bound.get(name) or make_form(
            name, ticket, workers=workers, teams=teams, price_items=price_items
        )
    return forms


# Service errors name the argument; the form field may be named differently.
_FIELD_ALIASES = {"upload": "photos", "lines": None}


@require_POST
@staff_view
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one action on a ticket; back to the page it came from with a message, or the
    page again with the form's errors."""
    from wuye.servicedesk.web.desk import field_workers
    from wuye.servicedesk.web.technician import render_order
    from wuye.servicedesk.web.ticket import render_ticket

    ticket = access_ticket(request.user, pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    scope = scope_for(request.user)
    if not (
        scope.can(ticket.project_id, Capability.SERVICE_DESK)
        or scope.can(ticket.project_id, Capability.FIELD_WORK)
    ):
        raise PermissionDenied(_("You can look at this ticket but not change it."))
    screen = "tech" if request.POST.get("screen") == "tech" else "desk"
    page = reverse("desk:my-ticket" if screen == "tech" else "desk:ticket-detail", args=[ticket.pk])
    choices: dict[str, Any] = {}
    if action in ("dispatch", "reassign"):
        choices["workers"] = field_workers([ticket.project_id])
        choices["teams"] = list(Team.objects.filter(project_id=ticket.project_id, active=True))
    if action == "charges":
        choices["price_items"] = price_list(ticket.project_id)
    form = make_form(action, ticket, request.POST, request.FILES, **choices)

    def again() -> HttpResponse:
        if screen == "tech":
            return render_order(request, ticket, {action: form})
        return render_ticket(request, ticket, {action: form})

    if not form.is_valid():
        return again()
    data = dict(form.cleaned_data)
    if isinstance(form, ChargesForm):
        data["lines"] = form.filled_lines()
    try:
        result = spec.run(request.user, ticket, data)
    except PermissionDenied:
        raise
    except DomainError as exc:
        target = _FIELD_ALIASES.get(exc.field or "", exc.field)
        if target and target in form.fields:
            apply_errors(form, DomainError(exc.message, field=target, code=exc.code))
            return again()
        if isinstance(form, ChargesForm) and exc.field:
            apply_errors(form, DomainError(exc.message, code=exc.code))
            return again()
        messages.error(request, exc.message)
        return redirect(f"{page}#actions")
    messages.success(request, f"{ticket.number}: {spec.done}")
    if action == "reopen" and isinstance(result, Ticket):
        messages.info(
            request, _("Rework ticket %(number)s was registered.") % {"number": result.number}
        )
        if screen == "desk":
            return redirect("desk:ticket-detail", pk=result.pk)
    follow_up = getattr(result, "follow_up_ticket", None)
    if isinstance(follow_up, Ticket):
        messages.info(
            request, _("Follow-up ticket %(number)s was registered.") % {"number": follow_up.number}
        )
    return redirect(safe_next(request, page))
