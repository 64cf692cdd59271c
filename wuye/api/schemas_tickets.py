"""Request and response shapes of the service-desk endpoints (``routers/tickets.py``).

Same rules as :mod:`wuye.api.schemas`: responses are plain pydantic models fed with dicts,
the reporter's phone passes through the masking type, and input schemas reject unknown
fields. The one place a full phone number leaves the API is ``reporter_phone_full`` of
``GET /tickets/{id}``, filled only for callers holding ``view_personal_data`` (audited).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from wuye.api.schemas import MaskedPhone, Out, PageParams, _In
from wuye.servicedesk.models import (
    AttachmentKind,
    AttachmentStage,
    Channel,
    ChargeKind,
    ClockKindChoices,
    ClockStateChoices,
    FeeState,
    FollowUp,
    PauseReasonChoices,
    ReturnVisitMethod,
    ReturnVisitOutcome,
    TicketKind,
    TicketState,
    TimeBasisChoices,
    Urgency,
)

# --- query parameters ------------------------------------------------------------------------


class TicketFilters(PageParams):
    project_id: int | None = None
    state: list[TicketState] | None = Field(
        None, description="One state or several (repeat the parameter: state=a&state=b)."
    )
    kind: TicketKind | None = None
    category_id: int | None = None
    urgency: Urgency | None = None
    assignee_id: int | None = None
    unit_id: int | None = None
    open: bool = Field(
        False, description="true: only tickets not yet completed, closed or cancelled."
    )
    overdue: bool = Field(False, description="true: only tickets with a running clock past due.")
    q: str = Field(
        "",
        description="Ticket number, last four digits or full phone of the reporter, "
        "or words of the description.",
    )
    created_from: dt.datetime | None = Field(
        None, description="Created at or after (ISO 8601; without offset: Asia/Shanghai)."
    )
    created_to: dt.datetime | None = Field(None, description="Created before (exclusive).")


class ReturnVisitQueueFilters(PageParams):
    project_id: int | None = None


class SuggestionParams(Schema):
    limit: int = Field(5, ge=1, le=20)


# --- tickets ---------------------------------------------------------------------------------


class TicketOut(Out):
    """A ticket as listed; also the body of ``POST /tickets``."""

    id: int
    number: str
    project_id: int
    project_name: str
    kind: TicketKind
    category_id: int | None
    category_name: str | None
    urgency: Urgency
    state: TicketState
    channel: Channel
    unit_id: int | None
    unit_number: str | None
    building_id: int | None
    building_name: str | None
    place: str
    reporter_id: int | None
    reporter_name: str
    reporter_phone: MaskedPhone
    description: str
    assignee_id: int | None
    assignee_name: str | None
    team_id: int | None
    team_name: str | None
    appointment_at: dt.datetime | None
    fee_state: FeeState
    fee_total: Decimal = Field(description="Decimal string, yuan.")
    rating: int | None
    reopened_from_id: int | None = Field(description="The original of a rework ticket.")
    next_due_at: dt.datetime | None = Field(
        description="Earliest deadline among the clocks still running (paused ones included)."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None


class TicketPage(Out):
    items: list[TicketOut]
    next_cursor: str | None


class ClockOut(Out):
    kind: ClockKindChoices
    basis: TimeBasisChoices
    state: ClockStateChoices = Field(description="At the time of the request.")
    started_at: dt.datetime
    due_at: dt.datetime = Field(description="While paused: the deadline if resumed now.")
    stopped_at: dt.datetime | None
    breached_at: dt.datetime | None
    voided: bool = Field(description="Stopped by a cancellation; left out of SLA attainment.")
    remaining_seconds: int = Field(
        description="due_at minus now (stopped clocks: minus the stop); negative when late."
    )
    remaining_in_basis_seconds: int = Field(
        description="The same in the clock's own time (working time for working-time clocks)."
    )
    paused_seconds: int = Field(description="Wall-clock time of the pauses this clock honours.")


class EventOut(Out):
    id: int
    at: dt.datetime
    code: str = Field(description="e.g. servicedesk.ticket.dispatched")
    from_state: str
    to_state: str
    note: str
    actor_id: int | None
    actor_name: str | None
    data: dict[str, Any]


class AttachmentOut(Out):
    id: int
    kind: AttachmentKind
    stage: AttachmentStage
    name: str
    content_type: str
    size: int
    created_at: dt.datetime
    url: str | None = Field(
        description="The file for a signed-in browser (console and portal session)."
    )
    api_url: str = Field(description="The file for API clients (bearer token).")


class ChargeOut(Out):
    id: int
    price_item_id: int | None
    kind: ChargeKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    list_price: Decimal | None = Field(description="Price-list unit price when proposed.")
    chargeable: bool = Field(description="false: materials used on a free repair.")
    amount: Decimal


class ReturnVisitOut(Out):
    id: int
    ticket_id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str | None
    method: ReturnVisitMethod
    outcome: ReturnVisitOutcome
    rating: int | None
    comment: str
    follow_up: FollowUp
    follow_up_ticket_id: int | None


class ReturnVisitList(Out):
    items: list[ReturnVisitOut]


class TicketDetailOut(TicketOut):
    reporter_phone_full: str | None = Field(
        description="Only in GET /tickets/{id}, only for callers with view_personal_data; "
        "every such view is audited."
    )
    resume_state: str = Field(description="The state a paused ticket returns to.")
    cancel_reason: str
    return_visit_outcome: str
    fee_confirmed_at: dt.datetime | None
    receipt_number: str
    paid_at: dt.datetime | None
    clocks: list[ClockOut]
    events: list[EventOut] = Field(description="The timeline, oldest first.")
    attachments: list[AttachmentOut]
    charges: list[ChargeOut]
    return_visits: list[ReturnVisitOut]


class ReturnVisitDueOut(TicketOut):
    return_visit_due: dt.datetime = Field(description="When the return visit is due.")
    overdue: bool
    attempts: int = Field(description="Return-visit attempts so far (unreachable, call again).")
    last_attempt_at: dt.datetime | None
    last_outcome: ReturnVisitOutcome | None


class ReturnVisitQueuePage(Out):
    items: list[ReturnVisitDueOut]
    next_cursor: str | None


class SuggestionOut(Out):
    user_id: int
    name: str
    score: int = Field(description="Skill +3, zone +2, minus one per open ticket held.")
    reasons: list[str]
    open_tickets: int
    teams: list[str]


class SuggestionList(Out):
    items: list[SuggestionOut]


# --- input -----------------------------------------------------------------------------------


class TicketCreateIn(_In):
    """Where: ``unit_id`` or ``building_id`` (the project follows) or ``project_id``."""

    project_id: int | None = None
    kind: TicketKind
    description: str = Field(max_length=5000)
    category_id: int | None = None
    urgency: Urgency = Urgency.NORMAL
    channel: Channel = Field(
        Channel.API, description="Residents: api, app or portal. Default: api."
    )
    unit_id: int | None = None
    building_id: int | None = None
    place: str = Field("", max_length=200)
    reporter_id: int | None = Field(
        None, description="Staff: an occupant of the project. Residents: leave out."
    )
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=20)
    appointment_at: dt.datetime | None = Field(None, description="Preferred time.")


class DispatchIn(_In):
    """Neither: the project's grab pool; ``team_id`` only: that team's pool."""

    assignee_id: int | None = None
    team_id: int | None = None
    note: str = ""


class ReassignIn(_In):
    assignee_id: int
    reason: str
    team_id: int | None = None


class PauseIn(_In):
    reason: PauseReasonChoices
    note: str = ""
    appointment_at: dt.datetime | None = None


class NoteIn(_In):
    note: str = ""


class ReasonIn(_In):
    reason: str


class ResultIn(_In):
    note: str


class ConfirmIn(_In):
    satisfied: bool
    note: str = ""


class ReturnVisitIn(_In):
    outcome: ReturnVisitOutcome
    rating: int | None = Field(None, ge=1, le=5)
    comment: str = ""
    method: ReturnVisitMethod = ReturnVisitMethod.PHONE
    follow_up: FollowUp = Field(
        FollowUp.NONE, description="rework: reopen as rework; complaint: raise a complaint."
    )


class RateIn(_In):
    rating: int = Field(ge=1, le=5)
    comment: str = ""


class ChargeIn(_In):
    price_item_id: int | None = None
    kind: ChargeKind = ChargeKind.LABOUR
    description: str = Field("", max_length=200)
    quantity: Decimal = Field(Decimal("1"), gt=0, max_digits=10, decimal_places=2)
    unit_price: Decimal | None = Field(
        None, ge=0, max_digits=10, decimal_places=2, description="Default: the list price."
    )


class FeeProposalIn(_In):
    lines: list[ChargeIn] = Field(min_length=1)


class MaterialsIn(_In):
    lines: list[ChargeIn] = Field(min_length=1)


class FeeConfirmIn(_In):
    accepted: bool
    note: str = ""
