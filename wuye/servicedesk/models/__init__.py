"""Service-desk tickets: the ticket, its events, pauses and SLA clocks.

The lifecycle lives in :mod:`wuye.servicedesk.services` (one function per transition); these
models only store. One ``state`` field serves every kind; which transitions a ticket may take
depends on its kind's family (:func:`Ticket.family`): complaints run acknowledged → handling →
result reported, every other kind the repair path registered → dispatched → … → closed.
"""

from wuye.servicedesk.models.policy import (
    DeskSettings,
    EscalationLevel,
    SlaClockRule,
    SlaPolicy,
    Team,
    TicketEscalation,
)
from wuye.servicedesk.models.service import (
    AttachmentKind,
    AttachmentStage,
    ChargeKind,
    FollowUp,
    PriceItem,
    ReturnVisit,
    ReturnVisitMethod,
    TicketAttachment,
    TicketCharge,
    _attachment_path,
)
from wuye.servicedesk.models.tickets import (
    Category,
    Channel,
    ClockKindChoices,
    ClockStateChoices,
    Family,
    FeeState,
    PauseReasonChoices,
    ReturnVisitOutcome,
    Ticket,
    TicketClock,
    TicketEvent,
    TicketKind,
    TicketPause,
    TicketSequence,
    TicketState,
    TimeBasisChoices,
    Urgency,
    rule_of,
)

__all__ = [
    "AttachmentKind",
    "AttachmentStage",
    "Category",
    "Channel",
    "ChargeKind",
    "ClockKindChoices",
    "ClockStateChoices",
    "DeskSettings",
    "EscalationLevel",
    "Family",
    "FeeState",
    "FollowUp",
    "PauseReasonChoices",
    "PriceItem",
    "ReturnVisit",
    "ReturnVisitMethod",
    "ReturnVisitOutcome",
    "SlaClockRule",
    "SlaPolicy",
    "Team",
    "Ticket",
    "TicketAttachment",
    "TicketCharge",
    "TicketClock",
    "TicketEscalation",
    "TicketEvent",
    "TicketKind",
    "TicketPause",
    "TicketSequence",
    "TicketState",
    "TimeBasisChoices",
    "Urgency",
    "_attachment_path",
    "rule_of",
]
