"""Paid services (特约服务 / 家政维修): fee proposal from the price list, the customer's
confirmation before work, payment with a receipt, and the materials of free repairs.

Flow: the assignee (or the desk) proposes fee lines — each usually a line of the project's
published price list (:class:`PriceItem`), its list price snapshotted — → the customer
confirms or declines (the resident in the portal, or the desk on their behalf with a note
such as "confirmed by phone") → a home repair may start only once confirmed (also a special
service that has a proposal) → after completion the desk records the payment: state *paid*,
a receipt number. A declined fee may be proposed again, or the ticket cancelled.

Money is ``Decimal``; every amount is rounded half-up to the fen by
:func:`wuye.servicedesk.selectors_fees.money` — the one place of rounding for fees
(CONVENTIONS §6). The reads (price list, receipt, deviation) are in
:mod:`wuye.servicedesk.selectors_fees`; ``fee_deviation`` and ``Deviation`` are re-exported here. Every change writes a ticket event with the
amounts (as strings, exact).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import DomainError, PermissionDenied
from wuye.servicedesk.models import (
    ChargeKind,
    FeeState,
    PriceItem,
    Ticket,
    TicketCharge,
    TicketKind,
)
from wuye.servicedesk.selectors_fees import (
    CENT,
    Deviation,
    fee_deviation,
    line_amount,
    lines_total,
    money,
)
from wuye.servicedesk.services._common import (
    _OPEN_WORK,
    S,
    _event,
    _is_desk,
    _is_reporter,
    _locked,
    _now,
    _require_desk,
    _require_worker,
)

#: Columns are DecimalField(max_digits=10, decimal_places=2).
_MAX = Decimal("99999999.99")

#: Kinds that carry a fee. A home repair always needs a confirmed fee before work; a special
#: service only when a fee was proposed (many special services are free).
__all__ = [
    "PAID_KINDS",
    "ChargeInput",
    "Deviation",
    "fee_check_work_allowed",
    "fee_confirm",
    "fee_deviation",
    "fee_propose",
    "fee_record_payment",
    "materials_record",
    "receipt_number_for",
]

PAID_KINDS = (TicketKind.HOME_REPAIR, TicketKind.SPECIAL_SERVICE)

#: A fee may be proposed (again) until the work is completed.
_BEFORE_COMPLETION = {S.REGISTERED, S.DISPATCHED, S.PAUSED, *_OPEN_WORK}
#: Payment is recorded once the work is done.
_DONE = {S.COMPLETED, S.RETURN_VISITED, S.CLOSED}
#: Materials are recorded during the work or right after it.
_MATERIALS = {S.PAUSED, S.COMPLETED, *_OPEN_WORK}


@dataclass(frozen=True, kw_only=True)
class ChargeInput:
    """One fee line (or material) as entered.

    ``price_item``: a line of the project's price list; ``unit_price`` defaults to its list
    price (labour + material) and ``description`` to its name. ``kind`` (labour / material /
    other) defaults to what the price item is (material when it has only a material price),
    else *other*.
    """

    price_item: PriceItem | None = None
    kind: str = ""
    description: str = ""
    quantity: Decimal | int | str = Decimal("1")
    unit_price: Decimal | int | str | None = None


# --- checks ----------------------------------------------------------------------------------


def _decimal(value: Any, *, field_name: str, line: int) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("Line %(line)d: enter a number.") % {"line": line},
            field=field_name,
            params={"line": line},
        ) from None
    if not number.is_finite():
        raise DomainError(
            _("Line %(line)d: enter a number.") % {"line": line},
            field=field_name,
            params={"line": line},
        )
    return money(number)


def _build_lines(
    ticket: Ticket, lines: Sequence[ChargeInput], *, chargeable: bool, now: dt.datetime
) -> list[TicketCharge]:
    if not lines:
        raise DomainError(_("Add at least one line."), field="lines")
    built = []
    for number, line in enumerate(lines, start=1):
        item = line.price_item
        if item is not None and (item.project_id != ticket.project_id or not item.active):
            raise DomainError(
                _("Line %(line)d: this item is not on the project's price list.")
                % {"line": number},
                field="price_item",
                params={"line": number},
            )
        quantity = _decimal(line.quantity, field_name="quantity", line=number)
        if not CENT <= quantity <= _MAX:
            raise DomainError(
                _("Line %(line)d: the quantity must be more than zero.") % {"line": number},
                field="quantity",
                params={"line": number},
            )
        if line.unit_price is None and item is None:
            raise DomainError(
                _("Line %(line)d: enter the unit price of a line not on the price list.")
                % {"line": number},
                field="unit_price",
                params={"line": number},
            )
        list_price = money(item.price) if item is not None else None
        unit_price = (
            _decimal(line.unit_price, field_name="unit_price", line=number)
            if line.unit_price is not None
            else list_price
        )
        assert unit_price is not None
        if not Decimal("0") <= unit_price <= _MAX:
            raise DomainError(
                _("Line %(line)d: the unit price cannot be negative.") % {"line": number},
                field="unit_price",
                params={"line": number},
            )
        description = line.description.strip() or (item.name if item is not None else "")
        if not description:
            raise DomainError(
                _("Line %(line)d: describe the line.") % {"line": number},
                field="description",
                params={"line": number},
            )
        kind = line.kind or _kind_of(item)
        if kind not in ChargeKind.values:
            raise DomainError(
                _("Line %(line)d: choose a valid kind.") % {"line": number},
                field="kind",
                params={"line": number},
            )
        built.append(
            TicketCharge(
                ticket=ticket,
                price_item=item,
                kind=kind,
                description=description[:200],
                quantity=quantity,
                unit_price=unit_price,
                list_price=list_price,
                chargeable=chargeable,
                created_at=now,
            )
        )
    return built


def _kind_of(item: PriceItem | None) -> str:
    if item is None:
        return ChargeKind.OTHER
    if item.labour_price == 0 and item.material_price > 0:
        return ChargeKind.MATERIAL
    return ChargeKind.LABOUR


def _lines_data(charges: Sequence[TicketCharge]) -> list[dict[str, Any]]:
    return [
        {
            "price_item": c.price_item_id,
            "kind": c.kind,
            "description": c.description,
            "quantity": str(c.quantity),
            "unit_price": str(c.unit_price),
            "list_price": None if c.list_price is None else str(c.list_price),
            "amount": str(line_amount(c)),
        }
        for c in charges
    ]


def fee_check_work_allowed(ticket: Ticket) -> None:
    """Raise ``DomainError`` (code ``fee_not_confirmed``) when work on ``ticket`` may not
    start or be completed yet: a home repair without a confirmed fee, or a special service
    with a fee proposed or declined. Called by ``ticket_start`` and ``ticket_complete``."""
    confirmed = ticket.fee_state in (FeeState.CONFIRMED, FeeState.PAID)
    if ticket.kind == TicketKind.HOME_REPAIR and not confirmed:
        raise DomainError(
            _(
                "The customer has not confirmed the fee of %(number)s yet: propose the fee "
                "and have it confirmed before the work starts."
            )
            % {"number": ticket.number},
            code="fee_not_confirmed",
        )
    if ticket.kind == TicketKind.SPECIAL_SERVICE and ticket.fee_state in (
        FeeState.PROPOSED,
        FeeState.DECLINED,
    ):
        raise DomainError(
            _("The customer has not confirmed the fee of %(number)s yet.")
            % {"number": ticket.number},
            code="fee_not_confirmed",
        )


def _require_paid_kind(ticket: Ticket) -> None:
    if ticket.kind not in PAID_KINDS:
        raise DomainError(
            _("Only home repairs and special services carry a fee."), code="not_a_paid_service"
        )


# --- services --------------------------------------------------------------------------------


def fee_propose(
    *,
    actor: Any,
    ticket: Ticket,
    lines: Sequence[ChargeInput],
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Propose the fee of a home repair or special service (the assignee or the desk), before
    the work is completed. Replaces the lines of any earlier proposal; ``fee_total`` is the sum
    of the lines; the fee waits for the customer (state *proposed*, also after a confirmed or
    declined earlier proposal). A paid fee cannot change."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_worker(actor, t)
        _require_paid_kind(t)
        if t.fee_state == FeeState.PAID:
            raise DomainError(_("This fee has been paid already."), code="already_paid")
        if t.state not in _BEFORE_COMPLETION:
            raise DomainError(
                _("A fee can only be proposed before the work is completed."),
                code="invalid_transition",
            )
        charges = _build_lines(t, lines, chargeable=True, now=at)
        total = lines_total(charges)
        if total > _MAX:
            raise DomainError(_("The total is too large."), field="lines")
        TicketCharge.objects.filter(ticket=t, chargeable=True).delete()
        TicketCharge.objects.bulk_create(charges)
        previous = {"fee_state": t.fee_state, "fee_total": str(t.fee_total)}
        t.fee_state = FeeState.PROPOSED
        t.fee_total = total
        t.fee_confirmed_at = None
        t.updated_at = at
        t.save(update_fields=["fee_state", "fee_total", "fee_confirmed_at", "updated_at"])
        deviation = fee_deviation(t, charges=charges)
        _event(
            t,
            actor=actor,
            now=at,
            code="fee_proposed",
            note=note.strip(),
            data={
                "total": str(total),
                "list_total": str(deviation.list_total),
                "deviation_percent": None if deviation.percent is None else str(deviation.percent),
                "deviating": deviation.deviating,
                "previous": previous,
                "lines": _lines_data(charges),
            },
        )
        return t


def fee_confirm(
    *,
    actor: Any,
    ticket: Ticket,
    accepted: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """The customer confirms (``accepted``) or declines the proposed fee: the reporting
    resident, or customer service on their behalf with a ``note`` saying how (e.g.
    "confirmed by phone"). Anyone else: ``PermissionDenied``."""
    at = _now(now)
    note = note.strip()
    with transaction.atomic():
        t = _locked(ticket)
        by_customer = _is_reporter(actor, t)
        if not by_customer:
            if not _is_desk(actor, t.project_id):
                raise PermissionDenied(
                    _("Only the customer, or customer service on their behalf, can do this.")
                )
            if not note:
                raise DomainError(
                    _("Say how the customer gave their answer (e.g. “confirmed by phone”)."),
                    field="note",
                )
        _require_paid_kind(t)
        if t.fee_state != FeeState.PROPOSED:
            raise DomainError(_("There is no proposed fee to answer."), code="invalid_transition")
        if t.state in (S.CANCELLED, S.CLOSED):
            raise DomainError(_("The ticket is closed or cancelled."), code="invalid_transition")
        t.fee_state = FeeState.CONFIRMED if accepted else FeeState.DECLINED
        t.fee_confirmed_at = at if accepted else None
        t.updated_at = at
        t.save(update_fields=["fee_state", "fee_confirmed_at", "updated_at"])
        _event(
            t,
            actor=actor,
            now=at,
            code="fee_confirmed" if accepted else "fee_declined",
            note=note,
            data={"total": str(t.fee_total), "by": "customer" if by_customer else "desk"},
        )
        return t


_NUMBER = re.compile(r"^[A-Z]+-(\d{8}-\d{4,})$")


def receipt_number_for(ticket: Ticket) -> str:
    """``SJ-YYYYMMDD-NNNN``: the ticket's own day and counter under the receipt prefix.

    Ticket numbers are unique per project and their ``YYYYMMDD-NNNN`` part is too (one
    counter per project and day across every kind), and a ticket is paid at most once — so
    the receipt number needs no sequence of its own and cannot collide under concurrency.
    The date is the day the ticket was registered.
    """
    match = _NUMBER.match(ticket.number)
    return f"SJ-{match.group(1)}" if match else f"SJ-{ticket.number}"


def fee_record_payment(*, actor: Any, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Customer service records that the confirmed fee of a completed ticket was paid: fee
    state *paid*, ``paid_at`` and the receipt number (:func:`receipt_number_for`)."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        _require_paid_kind(t)
        if t.fee_state == FeeState.PAID:
            raise DomainError(_("This fee has been paid already."), code="already_paid")
        if t.fee_state != FeeState.CONFIRMED:
            raise DomainError(
                _("Only a fee the customer confirmed can be paid."), code="fee_not_confirmed"
            )
        if t.state not in _DONE:
            raise DomainError(
                _("The payment is recorded once the work is completed."),
                code="invalid_transition",
            )
        if t.fee_total <= 0:
            raise DomainError(_("There is nothing to pay."), code="nothing_to_pay")
        t.fee_state = FeeState.PAID
        t.paid_at = at
        t.receipt_number = receipt_number_for(t)
        t.updated_at = at
        t.save(update_fields=["fee_state", "paid_at", "receipt_number", "updated_at"])
        _event(
            t,
            actor=actor,
            now=at,
            code="fee_paid",
            data={"total": str(t.fee_total), "receipt_number": t.receipt_number},
        )
        return t


def materials_record(
    *,
    actor: Any,
    ticket: Ticket,
    lines: Sequence[ChargeInput],
    now: dt.datetime | None = None,
) -> list[TicketCharge]:
    """Record the materials used on a repair (not charged to the customer: the lines are
    ``chargeable=False``), by the assignee or the desk, during the work or once completed.
    Replaces the materials recorded before (the form sends the whole list); returns them."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_worker(actor, t)
        if t.state not in _MATERIALS:
            raise DomainError(
                _("Materials are recorded during the work or when it is completed."),
                code="invalid_transition",
            )
        charges = _build_lines(
            t,
            [line if line.kind else _as_material(line) for line in lines],
            chargeable=False,
            now=at,
        )
        TicketCharge.objects.filter(ticket=t, chargeable=False).delete()
        created = TicketCharge.objects.bulk_create(charges)
        _event(
            t,
            actor=actor,
            now=at,
            code="materials_recorded",
            data={"value": str(lines_total(charges)), "lines": _lines_data(charges)},
        )
        return created


def _as_material(line: ChargeInput) -> ChargeInput:
    return ChargeInput(
        price_item=line.price_item,
        kind=ChargeKind.MATERIAL,
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
    )
