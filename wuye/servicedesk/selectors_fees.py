"""Reads of paid services: the price list, a ticket's fee as a receipt, the deviation of a
fee from the price list (seed part 4 家庭维修: 收费合理性).

Money is ``Decimal``; :func:`money` (half-up to the fen) is the one place fee amounts are
rounded — the services in :mod:`wuye.servicedesk.services.fees` use it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from wuye.servicedesk.models import (
    ChargeKind,
    FeeState,
    PriceItem,
    Ticket,
    TicketCharge,
)
from wuye.servicedesk.policies import desk_settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    """Round half-up to the fen: the rounding rule of every fee amount."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(charge: TicketCharge) -> Decimal:
    """``quantity × unit_price`` of one line, rounded half-up (``TicketCharge.amount``
    rounds with the context's half-even; use this for money)."""
    return money(charge.quantity * charge.unit_price)


def lines_total(charges: Sequence[TicketCharge]) -> Decimal:
    return money(sum((line_amount(c) for c in charges), ZERO))


@dataclass(frozen=True)
class Deviation:
    """Charged against list prices, over the chargeable lines that reference a price item.

    ``percent`` is ``(charged - list) / list × 100``, rounded to 0.01 (``None`` when the list
    total is zero); ``deviating`` when its absolute value exceeds ``tolerance`` (the project's
    ``DeskSettings.fee_tolerance``) — or, with a zero list total, when anything is charged.
    ``unlisted_total`` sums the chargeable lines not on the list (nothing to compare them to).
    """

    list_total: Decimal
    charged_total: Decimal
    percent: Decimal | None
    tolerance: Decimal = Decimal("0")
    deviating: bool = False
    unlisted_total: Decimal = ZERO


def _fee_tolerance(project_id: int) -> Decimal:
    return desk_settings(project_id).fee_tolerance


def fee_deviation(
    ticket: Ticket,
    *,
    charges: Sequence[TicketCharge] | None = None,
    tolerance: Decimal | None = None,
) -> Deviation:
    """How far the fee of ``ticket`` is from the price list.

    Compares ``quantity × unit_price`` with ``quantity × list_price`` (the list price
    snapshotted when the fee was proposed) over the chargeable lines that reference a price
    item. ``tolerance`` (percent) defaults to the project's ``DeskSettings.fee_tolerance``;
    pass ``charges`` (the ticket's lines) to skip reading them.
    """
    if charges is None:
        charges = list(TicketCharge.objects.filter(ticket=ticket, chargeable=True))
    listed = [c for c in charges if c.chargeable and c.list_price is not None]
    unlisted = [c for c in charges if c.chargeable and c.list_price is None]
    list_total = money(sum((c.quantity * (c.list_price or ZERO) for c in listed), ZERO))
    charged_total = lines_total(listed)
    if tolerance is None:
        tolerance = _fee_tolerance(ticket.project_id)
    percent: Decimal | None = None
    if list_total > 0:
        percent = money((charged_total - list_total) / list_total * 100)
        deviating = abs(percent) > tolerance
    else:
        deviating = charged_total > 0
    return Deviation(
        list_total=list_total,
        charged_total=charged_total,
        percent=percent,
        tolerance=tolerance,
        deviating=deviating,
        unlisted_total=lines_total(unlisted),
    )


def price_list(project_id: int, *, include_unpublished: bool = False) -> list[PriceItem]:
    """The published price list of a project (labour and materials), by code. The caller
    has scoped the project (``access_project`` or the resident's own unit)."""
    qs = PriceItem.objects.filter(project_id=project_id).select_related("category")
    if not include_unpublished:
        qs = qs.filter(active=True)
    return list(qs.order_by("code", "id"))


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    kind: str
    kind_label: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    list_price: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class Receipt:
    """What a receipt (or the fee panel of a ticket) shows."""

    ticket_number: str
    receipt_number: str
    project_name: str
    place: str
    customer: str
    fee_state: str
    fee_state_label: str
    lines: list[ReceiptLine] = field(default_factory=list)
    total: Decimal = ZERO
    list_total: Decimal = ZERO
    deviation: Deviation | None = None
    confirmed_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None


def receipt_data(ticket: Ticket, *, tolerance: Decimal | None = None) -> Receipt:
    """The fee of ``ticket`` for a screen or a printed receipt: the chargeable lines with
    their list prices, the total, the deviation from the list, when it was confirmed and paid.

    Pass a ticket read with ``project`` and ``unit`` (``access_ticket`` does). Queries: the
    lines (with their price items) and, unless ``tolerance`` is given, the desk settings.
    """
    charges = list(
        TicketCharge.objects.filter(ticket=ticket, chargeable=True)
        .select_related("price_item")
        .order_by("id")
    )
    lines = [
        ReceiptLine(
            description=c.description,
            kind=c.kind,
            kind_label=str(ChargeKind(c.kind).label),
            quantity=c.quantity,
            unit=c.price_item.unit if c.price_item is not None else "",
            unit_price=c.unit_price,
            list_price=c.list_price,
            amount=line_amount(c),
        )
        for c in charges
    ]
    deviation = fee_deviation(ticket, charges=charges, tolerance=tolerance)
    return Receipt(
        ticket_number=ticket.number,
        receipt_number=ticket.receipt_number,
        project_name=ticket.project.name,
        place=ticket.unit.number if ticket.unit is not None else ticket.place,
        customer=ticket.reporter_name,
        fee_state=ticket.fee_state,
        fee_state_label=str(FeeState(ticket.fee_state).label),
        lines=lines,
        total=lines_total(charges),
        list_total=deviation.list_total,
        deviation=deviation,
        confirmed_at=ticket.fee_confirmed_at,
        paid_at=ticket.paid_at,
    )
