"""Paid services: the price list, the fee proposal, the customer's confirmation before work,
payment with a receipt, the deviation from the price list, materials of free repairs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from wuye.accounts.models import User
from wuye.audit.models import AuditEvent
from wuye.core.errors import DomainError, PermissionDenied
from wuye.servicedesk import services as s
from wuye.servicedesk.models import (
    Category,
    DeskSettings,
    FeeState,
    PriceItem,
    Ticket,
    TicketCharge,
    TicketKind,
    TicketState,
)
from wuye.servicedesk.selectors_fees import price_list, receipt_data
from wuye.servicedesk.services import ChargeInput
from wuye.servicedesk.tests.conftest import at
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def prices(world):
    """The p1 price list: a tap replacement (labour 50 + material 30) and a pipe metre."""
    tap = PriceItem.objects.create(
        project=world.p1,
        code="tap",
        name="更换水龙头",
        labour_price=D("50.00"),
        material_price=D("30.00"),
    )
    pipe = PriceItem.objects.create(
        project=world.p1, code="pipe", name="水管", unit="米", material_price=D("12.50")
    )
    return tap, pipe


def _arrived(world, ticket: Ticket) -> Ticket:
    ticket = s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(2))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(5))
    return s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(20))


@pytest.fixture
def home_repair(world, register):
    return _arrived(world, register(kind=TicketKind.HOME_REPAIR, description="Replace the tap"))


def _propose(world, ticket, lines, actor=None, minutes=25):
    return s.fee_propose(actor=actor or world.tech, ticket=ticket, lines=lines, now=at(minutes))


# --- price list ------------------------------------------------------------------------------


def test_the_price_list_is_per_project_and_published_only(world, prices):
    PriceItem.objects.create(project=world.p1, code="old", name="旧项目", active=False)
    PriceItem.objects.create(project=world.p2, code="tap", name="别的项目", labour_price=D("1"))
    assert [i.code for i in price_list(world.p1.pk)] == ["pipe", "tap"]
    assert [i.code for i in price_list(world.p1.pk, include_unpublished=True)] == [
        "old",
        "pipe",
        "tap",
    ]
    assert prices[0].price == D("80.00")


# --- proposal --------------------------------------------------------------------------------


def test_the_technician_proposes_a_fee_from_the_price_list(world, home_repair, prices):
    tap, pipe = prices
    # When the technician on site proposes a tap and 2.5 m of pipe
    ticket = _propose(
        world,
        home_repair,
        [ChargeInput(price_item=tap), ChargeInput(price_item=pipe, quantity="2.5")],
    )
    # Then the lines carry the list prices and the total is their sum
    assert (ticket.fee_state, ticket.fee_total) == (FeeState.PROPOSED, D("111.25"))
    lines = list(ticket.charges.order_by("id"))
    assert [(c.description, c.kind, c.quantity, c.unit_price, c.list_price) for c in lines] == [
        ("更换水龙头", "labour", D("1.00"), D("80.00"), D("80.00")),
        ("水管", "material", D("2.50"), D("12.50"), D("12.50")),
    ]
    assert all(c.chargeable for c in lines)
    event = ticket.events.order_by("-id").first()
    assert event.code == "servicedesk.ticket.fee_proposed"
    assert event.actor == world.tech
    assert event.data["total"] == "111.25"
    assert [line["amount"] for line in event.data["lines"]] == ["80.00", "31.25"]
    assert event.data["previous"] == {"fee_state": "", "fee_total": "0.00"}


def test_amounts_round_half_up_to_the_fen(world, home_repair):
    ticket = _propose(
        world,
        home_repair,
        [ChargeInput(kind="other", description="Small part", quantity="0.5", unit_price="0.25")],
    )
    assert ticket.fee_total == D("0.13")  # 0.125 → 0.13 (half-even would give 0.12)


def test_a_new_proposal_replaces_the_earlier_lines(world, home_repair, prices):
    tap, pipe = prices
    _propose(world, home_repair, [ChargeInput(price_item=tap), ChargeInput(price_item=pipe)])
    ticket = _propose(
        world, home_repair, [ChargeInput(price_item=tap, unit_price="70")], actor=world.desk
    )
    assert ticket.fee_total == D("70.00")
    assert list(ticket.charges.values_list("unit_price", "list_price")) == [
        (D("70.00"), D("80.00"))
    ]
    event = ticket.events.order_by("-id").first()
    assert event.data["previous"] == {"fee_state": "proposed", "fee_total": "92.50"}


def test_a_proposal_is_checked_line_by_line(world, home_repair, prices):
    tap, _pipe = prices
    elsewhere = PriceItem.objects.create(project=world.p2, code="x", name="x", labour_price=D(1))
    retired = PriceItem.objects.create(project=world.p1, code="r", name="r", active=False)
    cases = [
        ([], "lines"),
        ([ChargeInput(price_item=elsewhere)], "price_item"),
        ([ChargeInput(price_item=retired)], "price_item"),
        ([ChargeInput(price_item=tap, quantity="0")], "quantity"),
        ([ChargeInput(price_item=tap, quantity="abc")], "quantity"),
        ([ChargeInput(price_item=tap, quantity="NaN")], "quantity"),
        ([ChargeInput(price_item=tap, unit_price="-1")], "unit_price"),
        ([ChargeInput(kind="other", description="Extra")], "unit_price"),
        ([ChargeInput(kind="other", unit_price="5")], "description"),
        ([ChargeInput(price_item=tap, kind="bribe")], "kind"),
    ]
    for lines, field in cases:
        with pytest.raises(DomainError) as err:
            _propose(world, home_repair, lines)
        assert err.value.field == field, lines
    with pytest.raises(DomainError) as err:
        _propose(
            world,
            home_repair,
            [ChargeInput(price_item=tap), ChargeInput(price_item=tap, quantity="-2")],
        )
    assert err.value.params == {"line": 2}
    assert not TicketCharge.objects.exists()
    assert Ticket.objects.get(pk=home_repair.pk).fee_state == FeeState.NONE


def test_only_paid_kinds_before_completion_by_the_assignee_or_the_desk(world, register, prices):
    tap, _ = prices
    repair = _arrived(world, register())
    with pytest.raises(DomainError) as err:
        _propose(world, repair, [ChargeInput(price_item=tap)])
    assert err.value.code == "not_a_paid_service"
    ticket = _arrived(world, register(kind=TicketKind.HOME_REPAIR))
    for stranger in (world.cleaner, world.resident, world.manager2, world.district):
        with pytest.raises(PermissionDenied):
            _propose(world, ticket, [ChargeInput(price_item=tap)], actor=stranger)
    _propose(world, ticket, [ChargeInput(price_item=tap)])
    s.fee_confirm(actor=world.resident, ticket=ticket, accepted=True, now=at(26))
    ticket = s.ticket_start(actor=world.tech, ticket=ticket, now=at(27))
    ticket = s.ticket_complete(actor=world.tech, ticket=ticket, now=at(60))
    with pytest.raises(DomainError) as err:
        _propose(world, ticket, [ChargeInput(price_item=tap)], minutes=61)
    assert err.value.code == "invalid_transition"


# --- confirmation before work ----------------------------------------------------------------


def test_a_home_repair_starts_only_once_the_customer_confirmed_the_fee(world, home_repair, prices):
    tap, _ = prices
    # Without a fee, and with a fee only proposed, the work does not start
    for _attempt in range(2):
        with pytest.raises(DomainError) as err:
            s.ticket_start(actor=world.tech, ticket=home_repair, now=at(30))
        assert err.value.code == "fee_not_confirmed"
        assert home_repair.number in str(err.value.message)
        _propose(world, home_repair, [ChargeInput(price_item=tap)])
    with pytest.raises(DomainError) as err:  # nor is it completed past the fee
        s.ticket_complete(actor=world.tech, ticket=home_repair, now=at(30))
    assert err.value.code == "fee_not_confirmed"
    # When the reporting resident confirms in the portal
    ticket = s.fee_confirm(actor=world.resident, ticket=home_repair, accepted=True, now=at(31))
    assert (ticket.fee_state, ticket.fee_confirmed_at) == (FeeState.CONFIRMED, at(31))
    event = ticket.events.order_by("-id").first()
    assert (event.code, event.data) == (
        "servicedesk.ticket.fee_confirmed",
        {"total": "80.00", "by": "customer"},
    )
    # Then the work starts
    assert s.ticket_start(actor=world.tech, ticket=ticket, now=at(32)).state == "in_progress"


def test_a_special_service_needs_a_confirmation_only_when_a_fee_is_proposed(
    world, register, prices
):
    tap, _ = prices
    free = _arrived(world, register(kind=TicketKind.SPECIAL_SERVICE))
    assert s.ticket_start(actor=world.tech, ticket=free, now=at(30)).state == "in_progress"
    paid = _arrived(world, register(kind=TicketKind.SPECIAL_SERVICE))
    _propose(world, paid, [ChargeInput(price_item=tap)])
    with pytest.raises(DomainError) as err:
        s.ticket_start(actor=world.tech, ticket=paid, now=at(30))
    assert err.value.code == "fee_not_confirmed"


def test_the_desk_confirms_on_the_customers_behalf_with_a_note(world, home_repair, prices):
    tap, _ = prices
    _propose(world, home_repair, [ChargeInput(price_item=tap)])
    with pytest.raises(DomainError) as err:
        s.fee_confirm(actor=world.desk, ticket=home_repair, accepted=True, now=at(30))
    assert err.value.field == "note"
    ticket = s.fee_confirm(
        actor=world.desk,
        ticket=home_repair,
        accepted=True,
        note="Confirmed by phone",
        now=at(30),
    )
    event = ticket.events.order_by("-id").first()
    assert (event.note, event.data["by"], event.actor) == ("Confirmed by phone", "desk", world.desk)


def test_a_resident_cannot_answer_another_residents_fee(world, home_repair, prices):
    tap, _ = prices
    _propose(world, home_repair, [ChargeInput(price_item=tap)])
    neighbour = f.UserFactory(username="neighbour", mobile="13800003333")
    world.occupant3.user = neighbour
    world.occupant3.save(update_fields=["user"])
    for actor in (neighbour, world.tech, world.outsider, world.manager2):
        with pytest.raises(PermissionDenied):
            s.fee_confirm(actor=actor, ticket=home_repair, accepted=True, note="x", now=at(30))
    assert Ticket.objects.get(pk=home_repair.pk).fee_state == FeeState.PROPOSED


def test_a_declined_fee_may_be_proposed_again_or_the_ticket_cancelled(world, register, prices):
    tap, _ = prices
    ticket = _arrived(world, register(kind=TicketKind.HOME_REPAIR))
    with pytest.raises(DomainError) as err:  # nothing proposed yet
        s.fee_confirm(actor=world.resident, ticket=ticket, accepted=True, now=at(21))
    assert err.value.code == "invalid_transition"
    _propose(world, ticket, [ChargeInput(price_item=tap)])
    ticket = s.fee_confirm(actor=world.resident, ticket=ticket, accepted=False, now=at(30))
    assert (ticket.fee_state, ticket.fee_confirmed_at) == (FeeState.DECLINED, None)
    assert ticket.events.order_by("-id").first().code == "servicedesk.ticket.fee_declined"
    with pytest.raises(DomainError) as err:
        s.ticket_start(actor=world.tech, ticket=ticket, now=at(31))
    assert err.value.code == "fee_not_confirmed"
    # a cheaper proposal, accepted
    ticket = _propose(world, ticket, [ChargeInput(price_item=tap, unit_price="60")], minutes=32)
    assert ticket.fee_state == FeeState.PROPOSED
    ticket = s.fee_confirm(actor=world.resident, ticket=ticket, accepted=True, now=at(33))
    assert ticket.fee_total == D("60.00")
    # or, another time, the customer declines and the ticket is cancelled
    other = _arrived(world, register(kind=TicketKind.HOME_REPAIR))
    _propose(world, other, [ChargeInput(price_item=tap)])
    s.fee_confirm(actor=world.resident, ticket=other, accepted=False, now=at(30))
    other = s.ticket_cancel(actor=world.resident, ticket=other, reason="Too expensive", now=at(31))
    assert other.state == TicketState.CANCELLED


# --- payment and receipt ---------------------------------------------------------------------


def _done(world, ticket, lines) -> Ticket:
    _propose(world, ticket, lines)
    s.fee_confirm(actor=world.resident, ticket=ticket, accepted=True, now=at(30))
    ticket = s.ticket_start(actor=world.tech, ticket=ticket, now=at(31))
    return s.ticket_complete(actor=world.tech, ticket=ticket, now=at(90))


def test_payment_after_completion_gives_a_receipt(world, register, home_repair, prices):
    tap, pipe = prices
    _propose(world, home_repair, [ChargeInput(price_item=tap)])
    s.fee_confirm(actor=world.resident, ticket=home_repair, accepted=True, now=at(30))
    with pytest.raises(DomainError) as err:  # not before the work is done
        s.fee_record_payment(actor=world.desk, ticket=home_repair, now=at(31))
    assert err.value.code == "invalid_transition"
    ticket = s.ticket_start(actor=world.tech, ticket=home_repair, now=at(31))
    ticket = s.ticket_complete(actor=world.tech, ticket=ticket, now=at(90))
    with pytest.raises(PermissionDenied):
        s.fee_record_payment(actor=world.tech, ticket=ticket, now=at(95))
    ticket = s.fee_record_payment(actor=world.desk, ticket=ticket, now=at(95))
    assert (ticket.fee_state, ticket.paid_at) == (FeeState.PAID, at(95))
    assert ticket.receipt_number == "SJ-20261124-0001"
    event = ticket.events.order_by("-id").first()
    assert (event.code, event.data) == (
        "servicedesk.ticket.fee_paid",
        {"total": "80.00", "receipt_number": "SJ-20261124-0001"},
    )
    with pytest.raises(DomainError) as err:
        s.fee_record_payment(actor=world.desk, ticket=ticket, now=at(96))
    assert err.value.code == "already_paid"
    with pytest.raises(DomainError) as err:
        _propose(world, ticket, [ChargeInput(price_item=pipe)], minutes=97)
    assert err.value.code == "already_paid"
    # A second paid ticket of the day has its own receipt number
    second = _done(
        world,
        _arrived(world, register(kind=TicketKind.HOME_REPAIR)),
        [ChargeInput(price_item=pipe)],
    )
    second = s.fee_record_payment(actor=world.desk, ticket=second, now=at(100))
    assert second.receipt_number == "SJ-20261124-0002"


def test_an_unconfirmed_or_empty_fee_is_not_paid(world, register, prices):
    tap, _ = prices
    free = _done(
        world,
        _arrived(world, register(kind=TicketKind.HOME_REPAIR)),
        [ChargeInput(price_item=tap, unit_price="0")],
    )
    with pytest.raises(DomainError) as err:
        s.fee_record_payment(actor=world.desk, ticket=free, now=at(100))
    assert err.value.code == "nothing_to_pay"
    special = _arrived(world, register(kind=TicketKind.SPECIAL_SERVICE))
    special = s.ticket_start(actor=world.tech, ticket=special, now=at(30))
    special = s.ticket_complete(actor=world.tech, ticket=special, now=at(40))
    with pytest.raises(DomainError) as err:
        s.fee_record_payment(actor=world.desk, ticket=special, now=at(100))
    assert err.value.code == "fee_not_confirmed"


def test_receipt_data_shows_lines_list_prices_totals_and_times(world, register, prices):
    tap, pipe = prices
    ticket = _done(
        world,
        _arrived(world, register(kind=TicketKind.HOME_REPAIR)),
        [
            ChargeInput(price_item=tap, unit_price="85"),
            ChargeInput(price_item=pipe, quantity="2"),
            ChargeInput(kind="other", description="Disposal", unit_price="5"),
        ],
    )
    ticket = s.fee_record_payment(actor=world.desk, ticket=ticket, now=at(100))
    ticket = Ticket.objects.select_related("project", "unit").get(pk=ticket.pk)
    receipt = receipt_data(ticket)
    assert (receipt.receipt_number, receipt.ticket_number) == (
        "SJ-20261124-0001",
        ticket.number,
    )
    assert (receipt.project_name, receipt.place, receipt.customer) == ("阳光新邸", "1-101", "张三")
    assert [
        (line.description, line.unit, line.quantity, line.unit_price, line.list_price, line.amount)
        for line in receipt.lines
    ] == [
        ("更换水龙头", "次", D("1.00"), D("85.00"), D("80.00"), D("85.00")),
        ("水管", "米", D("2.00"), D("12.50"), D("12.50"), D("25.00")),
        ("Disposal", "", D("1.00"), D("5.00"), None, D("5.00")),
    ]
    assert (receipt.total, receipt.list_total) == (D("115.00"), D("105.00"))
    assert (receipt.confirmed_at, receipt.paid_at) == (at(30), at(100))
    assert receipt.fee_state == "paid"


# --- deviation from the price list -----------------------------------------------------------


def test_a_fee_within_the_tolerance_is_not_deviating(world, home_repair, prices):
    tap, _ = prices
    # 84 against a list price of 80 is +5 %, within the default 10 %
    ticket = _propose(world, home_repair, [ChargeInput(price_item=tap, unit_price="84")])
    deviation = s.fee_deviation(ticket)
    assert (deviation.list_total, deviation.charged_total, deviation.percent) == (
        D("80.00"),
        D("84.00"),
        D("5.00"),
    )
    assert (deviation.tolerance, deviation.deviating) == (D("10.00"), False)
    assert ticket.events.order_by("-id").first().data["deviating"] is False


def test_a_fee_above_the_tolerance_is_deviating(world, home_repair, prices):
    tap, pipe = prices
    # 100 against 80 is +25 %; the line not on the price list is left out of the comparison
    ticket = _propose(
        world,
        home_repair,
        [
            ChargeInput(price_item=tap, unit_price="100"),
            ChargeInput(kind="other", description="Night call", unit_price="50"),
        ],
    )
    deviation = s.fee_deviation(ticket)
    assert (deviation.percent, deviation.deviating, deviation.unlisted_total) == (
        D("25.00"),
        True,
        D("50.00"),
    )
    event = ticket.events.order_by("-id").first()
    assert (event.data["deviation_percent"], event.data["deviating"]) == ("25.00", True)
    # a project that tolerates 30 % does not report it; undercharging far is reported too
    DeskSettings.objects.update_or_create(project=world.p1, defaults={"fee_tolerance": D("30")})
    assert s.fee_deviation(ticket).deviating is False
    ticket = _propose(world, ticket, [ChargeInput(price_item=tap, unit_price="40")], minutes=40)
    assert (s.fee_deviation(ticket).percent, s.fee_deviation(ticket).deviating) == (
        D("-50.00"),
        True,
    )


# --- materials of free repairs ---------------------------------------------------------------


def test_materials_of_a_free_repair_are_recorded_and_not_charged(world, register, prices):
    _tap, pipe = prices
    ticket = _arrived(world, register())
    ticket = s.ticket_start(actor=world.tech, ticket=ticket, now=at(30))
    created = s.materials_record(
        actor=world.tech,
        ticket=ticket,
        lines=[
            ChargeInput(price_item=pipe, quantity="1.5"),
            ChargeInput(description="Sealing tape", unit_price="3"),
        ],
        now=at(40),
    )
    assert [(c.kind, c.chargeable, c.quantity) for c in created] == [
        ("material", False, D("1.50")),
        ("material", False, D("1.00")),
    ]
    ticket.refresh_from_db()
    assert (ticket.fee_state, ticket.fee_total) == (FeeState.NONE, D("0.00"))
    event = ticket.events.order_by("-id").first()
    assert (event.code, event.data["value"]) == ("servicedesk.ticket.materials_recorded", "21.75")
    # recorded again (the whole list): replaces; still possible once completed
    ticket = s.ticket_complete(actor=world.tech, ticket=ticket, now=at(50))
    s.materials_record(
        actor=world.tech, ticket=ticket, lines=[ChargeInput(price_item=pipe)], now=at(51)
    )
    assert ticket.charges.count() == 1
    with pytest.raises(PermissionDenied):
        s.materials_record(
            actor=world.resident, ticket=ticket, lines=[ChargeInput(price_item=pipe)], now=at(52)
        )


def test_materials_do_not_touch_the_fee_lines(world, home_repair, prices):
    tap, pipe = prices
    _propose(world, home_repair, [ChargeInput(price_item=tap)])
    s.materials_record(
        actor=world.tech, ticket=home_repair, lines=[ChargeInput(price_item=pipe)], now=at(26)
    )
    _propose(world, home_repair, [ChargeInput(price_item=tap, quantity="2")], minutes=27)
    assert sorted(home_repair.charges.values_list("chargeable", "quantity")) == [
        (False, D("1.00")),
        (True, D("2.00")),
    ]
    assert s.fee_deviation(home_repair).list_total == D("160.00")


# --- admin -----------------------------------------------------------------------------------


def test_the_price_list_admin_lists_by_project_and_audits_changes(client, world, prices):
    client.force_login(User.objects.create_superuser("root", password=f.PASSWORD))
    listing = client.get(
        reverse("admin:servicedesk_priceitem_changelist"),
        {"q": "水管", "project__id__exact": world.p1.pk},
    )
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "水管" in body and "更换水龙头" not in body
    water = Category.objects.create(project=world.p1, name="水管维修", code="s2-pipes")
    lift = Category.objects.create(project=world.p2, name="电梯维修", code="s2-lift")
    form = {
        "project": world.p1.pk,
        "code": "valve",
        "name": "更换阀门",
        "unit": "个",
        "labour_price": "40.00",
        "material_price": "25.00",
        "active": "on",
        "note": "",
    }
    refused = client.post(reverse("admin:servicedesk_priceitem_add"), {**form, "category": lift.pk})
    assert refused.status_code == 200 and not PriceItem.objects.filter(code="valve").exists()
    created = client.post(
        reverse("admin:servicedesk_priceitem_add"), {**form, "category": water.pk}
    )
    assert created.status_code == 302
    valve = PriceItem.objects.get(code="valve")
    assert valve.price == D("65.00")
    assert AuditEvent.objects.filter(
        action="servicedesk.priceitem.created", object_id=str(valve.pk)
    ).exists()


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_payments_at_once_pay_once_with_distinct_receipts(world, register, prices):
    from wuye.servicedesk.tests.test_concurrency import _run_at_once

    tap, _ = prices
    first, second = (
        _done(
            world,
            _arrived(world, register(kind=TicketKind.HOME_REPAIR)),
            [ChargeInput(price_item=tap)],
        )
        for _ in range(2)
    )
    # Two clerks record the first ticket's payment at once while a third pays the second one
    results = _run_at_once(
        lambda: s.fee_record_payment(actor=world.desk, ticket=first, now=at(100)),
        lambda: s.fee_record_payment(actor=world.manager, ticket=first, now=at(100)),
        lambda: s.fee_record_payment(actor=world.quality, ticket=second, now=at(100)),
    )
    paid = [r for r in results if isinstance(r, Ticket)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(paid), len(refused)) == (2, 1), results
    assert refused[0].code == "already_paid"
    assert sorted(t.receipt_number for t in paid) == ["SJ-20261124-0001", "SJ-20261124-0002"]
    assert (
        Ticket.objects.get(pk=first.pk).events.filter(code="servicedesk.ticket.fee_paid").count()
        == 1
    )
