"""``wuye demo``'s service desk: teams, price lists and a few hundred tickets made by the
services, in every state, with breaches, pauses, rework, return visits and fees.

The demo is loaded once for the module at a fixed moment (loading takes seconds) and rolled
back afterwards; each test runs in a savepoint of its own.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count, F

from wuye.accounts.models import User
from wuye.demo.data import tickets as data
from wuye.demo.services import demo_load
from wuye.servicedesk.models import (
    Category,
    Channel,
    FeeState,
    FollowUp,
    PriceItem,
    ReturnVisit,
    ReturnVisitMethod,
    ReturnVisitOutcome,
    Team,
    Ticket,
    TicketClock,
    TicketEvent,
    TicketKind,
    TicketPause,
    TicketSequence,
    TicketState,
    Urgency,
)
from wuye.servicedesk.policies import DEFAULT_CATEGORIES
from wuye.servicedesk.reports import complaint_report, report_filter
from wuye.servicedesk.selectors_fees import fee_deviation

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning; the 90 days before it span the National Day holidays.
NOW = dt.datetime(2026, 11, 25, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            started = time.process_time()
            result = demo_load(now=NOW)
            yield result, time.process_time() - started
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(loaded, db):
    return loaded[0]


def test_a_few_hundred_tickets_in_every_project_spread_over_90_days(demo):
    per_project = dict(Ticket.objects.values_list("project__code").annotate(n=Count("id")))
    assert set(per_project) == {"sunshine", "tower", "meizhou", "cuiyuan"}
    assert 200 <= sum(per_project.values()) <= 600
    assert per_project["sunshine"] > 100
    first, last = (
        Ticket.objects.order_by("created_at").values_list("created_at", flat=True)[i]
        for i in (0, Ticket.objects.count() - 1)
    )
    assert NOW - dt.timedelta(days=91) < first < NOW - dt.timedelta(days=80)
    assert NOW - dt.timedelta(hours=1) < last <= NOW
    # nothing happens after "now", and people mostly call in the daytime
    assert not TicketEvent.objects.filter(at__gt=NOW).exists()
    hours = [
        t.astimezone(SHANGHAI).hour for t in Ticket.objects.values_list("created_at", flat=True)
    ]
    assert sum(7 <= h < 22 for h in hours) > 0.9 * len(hours)


def test_tickets_are_in_every_state_of_every_kind_and_urgency(demo):
    states = set(Ticket.objects.values_list("state", flat=True))
    assert states == set(TicketState.values)
    assert set(Ticket.objects.values_list("kind", flat=True)) == set(TicketKind.values)
    assert set(Ticket.objects.values_list("urgency", flat=True)) == set(Urgency.values)
    # each ticket's events tell its story from registration to its state
    for ticket in Ticket.objects.order_by("?")[:40]:
        events = list(ticket.events.order_by("at", "id"))
        assert events[0].code == "servicedesk.ticket.registered"
        moves = [e for e in events if e.to_state and e.to_state != e.from_state]
        assert moves[-1].to_state == ticket.state, ticket.number


def test_clocks_were_met_and_breached_and_some_open_tickets_are_overdue_now(demo):
    stopped = TicketClock.objects.filter(stopped_at__isnull=False, voided=False)
    breached = set(stopped.filter(state="breached").values_list("kind", flat=True))
    assert {"response", "arrival", "completion", "return_visit", "special_reply"} <= breached
    assert (
        "complaint_final_reply" in breached
        or TicketClock.objects.filter(
            kind="complaint_final_reply", stopped_at__isnull=True, state="breached"
        ).exists()
    )
    met = stopped.filter(state="met").count()
    assert met > 3 * stopped.filter(state="breached").count()  # mostly on time
    # open tickets overdue right now, their cached state brought up to date
    overdue = TicketClock.objects.filter(stopped_at__isnull=True, due_at__lt=NOW, state="breached")
    kinds = set(overdue.values_list("kind", flat=True))
    assert {"arrival", "special_reply", "complaint_final_reply", "return_visit"} <= kinds
    assert overdue.values("ticket").distinct().count() >= 5
    assert TicketClock.objects.filter(stopped_at__isnull=True, state="paused").exists()


def test_pauses_for_parts_and_appointments_some_still_open(demo):
    reasons = set(TicketPause.objects.values_list("reason", flat=True))
    assert {"waiting_parts", "appointment"} <= reasons
    assert TicketPause.objects.filter(ended_at__isnull=False).count() > 10
    open_pauses = TicketPause.objects.filter(ended_at__isnull=True)
    assert set(open_pauses.values_list("ticket__state", flat=True)) == {TicketState.PAUSED}
    appointment = Ticket.objects.filter(urgency=Urgency.APPOINTMENT, appointment_at__isnull=False)
    assert appointment.count() >= 5


def test_return_visits_reach_satisfied_unsatisfied_and_unreachable_customers(demo):
    outcomes = dict(ReturnVisit.objects.values_list("outcome").annotate(n=Count("id")))
    assert outcomes[ReturnVisitOutcome.SATISFIED] > 5 * outcomes[ReturnVisitOutcome.NOT_SATISFIED]
    assert outcomes[ReturnVisitOutcome.NOT_SATISFIED] >= 3
    assert outcomes[ReturnVisitOutcome.UNREACHABLE] >= 3
    ratings = set(ReturnVisit.objects.exclude(rating=None).values_list("rating", flat=True))
    assert {1, 5} <= ratings or {2, 5} <= ratings
    assert ReturnVisit.objects.filter(method=ReturnVisitMethod.PORTAL).exists()
    # every closed repair was visited
    closed_repairs = Ticket.objects.filter(
        state=TicketState.CLOSED, kind__in=["repair_unit", "repair_public", "home_repair"]
    )
    assert not closed_repairs.filter(return_visits=None).exists()


def test_rework_from_reopening_and_from_unsatisfied_visits(demo):
    rework = Ticket.objects.filter(reopened_from__isnull=False)
    assert rework.count() >= 5
    assert rework.filter(
        unit=F("reopened_from__unit"), category=F("reopened_from__category")
    ).exists()
    follow_ups = ReturnVisit.objects.exclude(follow_up="")
    assert follow_ups.filter(follow_up=FollowUp.REWORK, follow_up_ticket__isnull=False).exists()
    assert follow_ups.filter(
        follow_up=FollowUp.COMPLAINT, follow_up_ticket__kind=TicketKind.COMPLAINT
    ).exists()
    # a reopened original keeps its state and says so in its timeline
    assert TicketEvent.objects.filter(code="servicedesk.ticket.reopened").count() >= 3


def test_paid_home_repairs_have_receipts_and_some_fees_deviate(demo):
    paid = Ticket.objects.filter(fee_state=FeeState.PAID)
    assert paid.count() >= 10
    for ticket in paid:
        assert re.fullmatch(r"SJ-\d{8}-\d{4}", ticket.receipt_number)
        assert ticket.paid_at is not None and ticket.fee_total > 0
        assert ticket.fee_total == sum(c.amount for c in ticket.charges.filter(chargeable=True))
    assert any(fee_deviation(t).deviating for t in paid)
    assert Ticket.objects.filter(fee_state=FeeState.DECLINED, state=TicketState.CANCELLED).exists()
    assert Ticket.objects.filter(fee_state=FeeState.PROPOSED).exists()  # waiting for the customer
    # materials used on free repairs are recorded, not charged
    assert Ticket.objects.filter(
        kind__in=["repair_unit", "repair_public"], charges__chargeable=False
    ).exists()


def test_complaints_rise_in_one_category_this_month_and_the_report_warns(demo):
    manager = User.objects.get(username="manager")
    f = report_filter(user=manager, now=NOW)
    warnings = complaint_report(f).warnings
    assert any(w.project_name == "阳光新邸" and w.name == "噪音" for w in warnings)


def test_teams_price_lists_and_categories(demo):
    repair = Team.objects.get(project__code="sunshine", name="维修班")
    assert repair.leader.username == "tech"
    assert set(repair.members.values_list("username", flat=True)) == {"tech", "tech2", "tech3"}
    assert "water" in set(repair.categories.values_list("code", flat=True))
    cleaning = Team.objects.get(project__code="sunshine", name="保洁班")
    assert set(cleaning.members.values_list("username", flat=True)) == {"cleaner", "cleaner2"}
    for code in ("sunshine", "tower", "meizhou", "cuiyuan"):
        items = PriceItem.objects.filter(project__code=code)
        assert items.count() == len(data.PRICE_LIST)
        codes = set(Category.objects.filter(project__code=code).values_list("code", flat=True))
        assert {c for c, _ in DEFAULT_CATEGORIES} <= codes
    faucet = PriceItem.objects.get(project__code="sunshine", code="faucet")
    assert (faucet.labour_price, faucet.material_price) == (Decimal("30.00"), Decimal("45.00"))
    # tickets were dispatched to people, to team pools (grabbed), and reassigned
    codes = set(TicketEvent.objects.values_list("code", flat=True))
    assert {
        "servicedesk.ticket.grabbed",
        "servicedesk.ticket.reassigned",
    } <= codes
    assert Ticket.objects.filter(team=repair, assignee__isnull=True, state="dispatched").exists()
    workers = set(
        Ticket.objects.filter(project__code="sunshine").values_list("assignee__username", flat=True)
    )
    assert {"tech", "tech2", "tech3", "cleaner", "guard"} <= workers


def test_the_demo_resident_has_tickets_to_follow_rate_and_confirm(demo):
    resident = User.objects.get(username="resident")
    mine = Ticket.objects.filter(reporter__user=resident)
    assert set(mine.values_list("channel", flat=True)) == {Channel.PORTAL}
    assert mine.filter(kind=TicketKind.COMPLAINT, state=TicketState.RESULT_REPORTED).exists()
    assert mine.filter(state=TicketState.COMPLETED).exists()  # to rate
    assert mine.filter(fee_state=FeeState.PAID, return_visits__method="portal").exists()


def test_loading_takes_seconds_not_minutes(loaded):
    _result, cpu_seconds = loaded
    assert cpu_seconds < 60


def test_running_again_creates_nothing_also_a_day_later(demo):
    counts = (Ticket.objects.count(), TicketEvent.objects.count(), Team.objects.count())
    assert demo_load(now=NOW).created_total == 0
    assert demo_load(now=NOW + dt.timedelta(days=1)).created_total == 0
    assert counts == (Ticket.objects.count(), TicketEvent.objects.count(), Team.objects.count())


def test_the_same_moment_gives_the_same_tickets(demo):
    def snapshot() -> list[tuple]:
        return list(
            Ticket.objects.order_by("project__code", "number").values_list(
                "project__code", "number", "kind", "state", "created_at", "assignee__username",
                "fee_total", "rating",
            )
        )  # fmt: skip

    before = snapshot()
    # start over: rework tickets first (they protect their originals), then the rest
    Ticket.objects.filter(reopened_from__isnull=False).delete()
    Ticket.objects.all().delete()
    TicketSequence.objects.all().delete()
    demo_load(now=NOW)
    assert snapshot() == before
