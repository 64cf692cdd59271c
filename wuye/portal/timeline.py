"""A ticket's history told to the resident who reported it.

Each :class:`~wuye.servicedesk.models.TicketEvent` becomes one plain sentence ("师傅 王五 已接单").
Staff notes stay inside the company: a note is shown only for the events whose note is
addressed to the customer or written by them (a cancellation or reopening reason, the result
of a complaint, the resident's own verdict or fee decision). Events a resident has no use
for (an unanswered return-visit call, codes this module does not know) are left out.

Clock promises ("预计完成时间") come from the running clocks: see :func:`promises`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuye.servicedesk.models import (
    Family,
    PauseReasonChoices,
    ReturnVisitMethod,
    ReturnVisitOutcome,
    Ticket,
    TicketClock,
    TicketEvent,
)
from wuye.servicedesk.sla import ClockKind, ClockState

PREFIX = "servicedesk.ticket."
#: Kinds a technician repairs; the others (inquiries, special services…) are "handled".
REPAIR_KINDS = {"repair_unit", "repair_public", "home_repair"}


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    text: str
    note: str = ""
    tone: str = ""  # "" | "done" (a milestone reached) | "warn" (cancelled, not satisfied)


def _name(people: dict[int, str], who: Any) -> str:
    """A staff member's name (never their phone): ``who`` is a user id, or the
    ``{"id": …, "name": …}`` a reassignment stores."""
    if isinstance(who, dict):
        who = who.get("id")
    return people.get(who, "") if isinstance(who, int) else ""


def _sentence(
    event: TicketEvent, ticket: Ticket, *, user: Any, people: dict[int, str]
) -> Entry | None:
    code = event.code.removeprefix(PREFIX)
    data = event.data if isinstance(event.data, dict) else {}
    mine = event.actor_id is not None and event.actor_id == getattr(user, "pk", None)
    complaint = ticket.family == Family.COMPLAINT
    repair = ticket.kind in REPAIR_KINDS
    note = ""
    tone = ""
    text: str
    if code == "registered":
        if data.get("reopened_from"):
            text = _("Registered again as rework of ticket %(number)s.") % {
                "number": data["reopened_from"]
            }
        elif mine:
            text = _("You reported this in the resident portal.")
        else:
            text = _("The service centre registered your report.")
    elif code in ("dispatched", "reassigned"):
        who = _name(people, data.get("assignee"))
        if who and repair:
            text = _("Assigned to technician %(name)s.") % {"name": who}
        elif who:
            text = _("Passed to %(name)s.") % {"name": who}
        else:
            text = _("Sent to the maintenance team; a technician will take it shortly.")
    elif code in ("accepted", "grabbed"):
        who = _name(people, event.actor_id) or _name(people, ticket.assignee_id)
        if not who:
            text = _("A technician took the job.") if repair else _("Our staff took it on.")
        elif repair:
            text = _("Technician %(name)s took the job.") % {"name": who}
        else:
            text = _("%(name)s took it on.") % {"name": who}
    elif code == "arrived":
        text = _("The technician arrived.")
        tone = "done"
    elif code == "started":
        if complaint:
            text = _("Handling of your complaint began.")
        else:
            text = _("Work began.") if repair else _("Handling began.")
    elif code == "paused":
        reason = data.get("reason", "")
        label = PauseReasonChoices(reason).label if reason in PauseReasonChoices.values else ""
        text = _("Work paused: %(reason)s.") % {"reason": label} if label else _("Work paused.")
    elif code == "resumed":
        text = _("Work resumed.")
    elif code == "completed":
        if complaint:
            text = _("Your complaint was resolved.")
        else:
            text = _("The work was completed.") if repair else _("Your request was dealt with.")
        tone = "done"
    elif code == "return_visited" and data.get("method") == ReturnVisitMethod.PORTAL:
        stars = "★" * int(data.get("rating") or 0)
        text = _("You rated the service %(stars)s.") % {"stars": stars}
        note, tone = (event.note if mine else ""), "done"
    elif code == "return_visited":
        outcome = data.get("outcome", "")
        if outcome == ReturnVisitOutcome.NOT_SATISFIED:
            text = _("Return visit: you were not satisfied; we will follow it up.")
            tone = "warn"
        else:
            text = _("Return visit: you were satisfied. Thank you!")
            tone = "done"
    elif code == "complaint_raised":
        text = _("We registered a complaint (%(number)s) to follow this up.") % {
            "number": data.get("complaint", "")
        }
    elif code == "closed":
        text = _("The ticket was closed.")
        tone = "done"
    elif code == "cancelled":
        text = _("You cancelled the ticket.") if mine else _("The ticket was cancelled.")
        note, tone = event.note, "warn"
    elif code == "reopened":
        number = data.get("rework_ticket", "")
        text = (
            _("Reopened as rework: new ticket %(number)s.") % {"number": number}
            if number
            else _("Reopened as rework.")
        )
        note, tone = event.note, "warn"
    elif code == "acknowledged":
        text = _("We received your complaint and are looking into it.")
    elif code == "result_reported":
        text = _("We reported the result to you. Please tell us whether you are satisfied.")
        note = event.note
    elif code == "confirmed":
        text = _("You confirmed you are satisfied with the result.")
        note, tone = (event.note if mine else ""), "done"
    elif code == "not_satisfied":
        text = _("You were not satisfied with the result; we keep handling it.")
        note, tone = (event.note if mine else ""), "warn"
    elif code == "fee_proposed":
        text = _("The technician proposed a fee. Please confirm it before work starts.")
    elif code == "fee_confirmed":
        text = (
            _("You accepted the fee.")
            if mine
            else _("The fee was confirmed with the service centre.")
        )
        tone = "done"
    elif code == "fee_declined":
        text = (
            _("You declined the fee.")
            if mine
            else _("The fee was declined with the service centre.")
        )
        note, tone = (event.note if mine else ""), "warn"
    elif code == "fee_paid":
        text = _("Payment received.")
        if number := data.get("receipt_number"):
            text = _("Payment received, receipt %(number)s.") % {"number": number}
        tone = "done"
    else:
        # Unknown or internal codes: shown only when the state changed, as that state.
        if not event.to_state or event.to_state == event.from_state:
            return None
        text = _("Status: %(state)s.") % {"state": state_label(ticket, event.to_state)}
    return Entry(at=event.at, text=text, note=note, tone=tone)


def timeline(
    ticket: Ticket, events: Iterable[TicketEvent], *, user: Any, people: dict[int, str]
) -> list[Entry]:
    """The events as sentences, oldest first."""
    entries = (_sentence(e, ticket, user=user, people=people) for e in events)
    return [entry for entry in entries if entry is not None]


# --- states as a resident reads them -------------------------------------------------------

_WORK_STATES: dict[str, Promise] = {
    "registered": gettext_lazy("Received"),
    "dispatched": gettext_lazy("Assigning a technician"),
    "accepted": gettext_lazy("Technician on the way"),
    "arrived": gettext_lazy("Technician on site"),
    "in_progress": gettext_lazy("Being repaired"),
    "paused": gettext_lazy("Paused"),
    "completed": gettext_lazy("Completed"),
    "return_visited": gettext_lazy("Completed"),
    "closed": gettext_lazy("Closed"),
    "cancelled": gettext_lazy("Cancelled"),
}
_SERVICE_STATES: dict[str, Promise] = {
    # inquiries, suggestions, praise and special services are not "repaired"
    "accepted": gettext_lazy("Being handled"),
    "arrived": gettext_lazy("Being handled"),
    "in_progress": gettext_lazy("Being handled"),
    "dispatched": gettext_lazy("Passed to the team"),
}
_COMPLAINT_STATES: dict[str, Promise] = {
    "registered": gettext_lazy("Received"),
    "acknowledged": gettext_lazy("Being looked into"),
    "handling": gettext_lazy("Being handled"),
    "result_reported": gettext_lazy("Awaiting your confirmation"),
    "completed": gettext_lazy("Resolved"),
    "return_visited": gettext_lazy("Resolved"),
    "closed": gettext_lazy("Closed"),
    "cancelled": gettext_lazy("Cancelled"),
}


def state_label(ticket: Ticket, state: str | None = None) -> str:
    state = state or ticket.state
    if ticket.family == Family.COMPLAINT:
        label = _COMPLAINT_STATES.get(state)
    elif ticket.kind not in REPAIR_KINDS and state in _SERVICE_STATES:
        label = _SERVICE_STATES[state]
    else:
        label = _WORK_STATES.get(state)
    return str(label) if label is not None else state


def state_tone(ticket: Ticket) -> str:
    """A CSS modifier for the state badge: open, action (the resident should act), done,
    cancelled."""
    if ticket.state == "cancelled":
        return "cancelled"
    if ticket.state == "result_reported" or ticket.fee_state == "proposed":
        return "action"
    if ticket.state in ("completed", "return_visited", "closed"):
        return "done"
    return "open"


# --- promises --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromiseLine:
    label: str
    due_at: dt.datetime | None
    state: str  # running | paused | late


_PROMISES: dict[str, Promise] = {
    ClockKind.ARRIVAL.value: gettext_lazy("Technician expected by"),
    ClockKind.COMPLETION.value: gettext_lazy("Expected completion"),
    ClockKind.SPECIAL_REPLY.value: gettext_lazy("We reply whether we can do it by"),
    ClockKind.COMPLAINT_FIRST_FEEDBACK.value: gettext_lazy("First reply by"),
    ClockKind.COMPLAINT_FINAL_REPLY.value: gettext_lazy("Final reply by"),
}


def promises(clocks: Iterable[TicketClock], *, now: dt.datetime) -> list[PromiseLine]:
    """What we promised the resident and have not yet done: the running (or paused)
    customer-facing clocks. Response and return-visit clocks are internal and left out."""
    lines = []
    for clock in clocks:
        label = _PROMISES.get(clock.kind)
        if label is None or clock.stopped_at is not None:
            continue
        if clock.state == ClockState.PAUSED.value:
            lines.append(PromiseLine(str(label), None, "paused"))
        elif clock.due_at < now:
            lines.append(PromiseLine(str(label), clock.due_at, "late"))
        else:
            lines.append(PromiseLine(str(label), clock.due_at, "running"))
    return lines
