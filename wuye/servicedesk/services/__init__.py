"""Ticket writes: registration and one service per lifecycle transition.

Every transition: precondition (state per the kind's family, actor) → ``DomainError`` with a
stable code → the change inside ``transaction.atomic()`` on the row locked with
``select_for_update()`` → one :class:`TicketEvent` → the SLA clocks started, stopped or
refreshed. All take ``actor=`` and ``now=``; each returns the ticket as stored afterwards.

Clock rules (``sla.ClockKind``): response and special-service reply stop on accept or grab;
arrival on arrive; completion on complete (which also stops a response or arrival clock still
running — the work is done); return visit starts on complete and stops on a return visit that
reached the customer; complaint first feedback stops on acknowledge, final reply when the
customer confirms satisfied. Cancelling stops every running clock as *voided* (left out of
attainment) — except the special-service reply, for which a cancellation with a reason *is*
the reply (decline with reason, seed part 3 §4.5).
"""

from wuye.servicedesk.services._common import REOPEN_WITHIN
from wuye.servicedesk.services.attachments import attachment_add, signature_add
from wuye.servicedesk.services.complaints import (
    ticket_acknowledge,
    ticket_confirm,
    ticket_report_result,
)
from wuye.servicedesk.services.dispatch import ticket_dispatch, ticket_grab, ticket_reassign
from wuye.servicedesk.services.fees import (
    ChargeInput,
    Deviation,
    fee_confirm,
    fee_deviation,
    fee_propose,
    fee_record_payment,
    materials_record,
)
from wuye.servicedesk.services.register import ticket_register
from wuye.servicedesk.services.visits import ticket_rate, ticket_return_visit_record
from wuye.servicedesk.services.work import (
    ticket_accept,
    ticket_arrive,
    ticket_cancel,
    ticket_close,
    ticket_complete,
    ticket_pause,
    ticket_reopen,
    ticket_resume,
    ticket_start,
)

__all__ = [
    "ChargeInput",
    "Deviation",
    "attachment_add",
    "fee_confirm",
    "fee_deviation",
    "fee_propose",
    "fee_record_payment",
    "materials_record",
    "signature_add",
    "ticket_rate",
    "REOPEN_WITHIN",
    "ticket_accept",
    "ticket_acknowledge",
    "ticket_arrive",
    "ticket_cancel",
    "ticket_close",
    "ticket_complete",
    "ticket_confirm",
    "ticket_dispatch",
    "ticket_grab",
    "ticket_pause",
    "ticket_reassign",
    "ticket_reopen",
    "ticket_register",
    "ticket_report_result",
    "ticket_resume",
    "ticket_return_visit_record",
    "ticket_start",
]
