"""The ticket seeder of the benchmark: rows as the services would write them, idempotent,
and usable by the services, the sweep and the reports afterwards."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count

from wuye.accounts.access import Capability, scope_for
from wuye.demo.seed_tickets import seed_tickets, seeded_at
from wuye.servicedesk import sla
from wuye.servicedesk.escalation import escalation_sweep
from wuye.servicedesk.models import (
    ReturnVisit,
    Ticket,
    TicketClock,
    TicketEscalation,
    TicketEvent,
    TicketPause,
    TicketSequence,
    TicketState,
)
from wuye.servicedesk.reports import report_filter, sla_report, technician_report
from wuye.servicedesk.services import ticket_register

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
FINISHED = {TicketState.CLOSED, TicketState.CANCELLED}


@pytest.fixture
def seeded():
    return seed_tickets(tickets=1200, now=NOW, per_project=600, units_per_project=60)


def test_tickets_spread_over_projects_kinds_and_states_with_a_share_open(seeded):
    assert seeded.tickets_created == 1200
    assert [p.code for p in seeded.projects] == ["tk01", "tk02"]
    per_project = Counter(Ticket.objects.values_list("project__code", flat=True))
    assert set(per_project) == {"tk01", "tk02"} and min(per_project.values()) > 450
    kinds = Counter(Ticket.objects.values_list("kind", flat=True))
    assert kinds["repair_unit"] > kinds["complaint"] > kinds["praise"] > 0
    states = Counter(Ticket.objects.values_list("state", flat=True))
    open_share = sum(n for s, n in states.items() if s not in FINISHED) / 1200
    assert 0.03 < open_share < 0.12
    assert states[TicketState.CLOSED] > 0.8 * 1200 and states[TicketState.CANCELLED] > 0
    assert Ticket.objects.filter(created_at__gt=NOW).count() == 0
    assert Ticket.objects.filter(reopened_from__isnull=False).exists()
    paid = Ticket.objects.filter(fee_state="paid")
    assert paid.exists() and all(re.fullmatch(r"SJ-\d{8}-\d{4}", t.receipt_number) for t in paid)


def test_every_ticket_has_its_events_and_clocks_and_the_numbers_continue(seeded):
    # the event trail ends in the ticket's state
    for ticket in Ticket.objects.order_by("?")[:50]:
        moves = [e for e in ticket.events.order_by("at", "id") if e.to_state]
        assert moves[0].code == "servicedesk.ticket.registered"
        assert moves[-1].to_state == ticket.state, ticket.number
    assert TicketEvent.objects.count() > 5 * 1200
    # repairs and complaints run clocks; closed repairs were visited
    assert not Ticket.objects.filter(kind="complaint", clocks=None).exists()
    visited = Ticket.objects.filter(state=TicketState.CLOSED, kind="repair_unit")
    assert not visited.filter(return_visits=None).exists()
    assert ReturnVisit.objects.filter(outcome="unreachable").exists()
    assert TicketPause.objects.exists()
    # a ticket registered now through the service gets the next number of the day
    project = seeded.projects[0]
    day = NOW.date()
    counter = TicketSequence.objects.filter(project=project, day=day).first()
    last = counter.last if counter else 0
    ticket = ticket_register(
        actor=seeded.user, project=project, kind="inquiry", description="咨询", now=NOW
    )
    assert ticket.number.endswith(f"-{day:%Y%m%d}-{last + 1:04d}")
    numbers = Ticket.objects.values("project", "number").annotate(n=Count("id"))
    assert not numbers.filter(n__gt=1).exists()


def test_running_clocks_agree_with_the_engine_and_the_sweep_has_nothing_left(seeded):
    running = TicketClock.objects.filter(stopped_at__isnull=True).select_related("ticket__project")
    assert running.count() > 20
    for clock in running:
        pauses = [p.as_pause() for p in clock.ticket.pauses.all()]
        status = sla.clock_status(
            clock.rule, clock.started_at, clock.ticket.project, pauses, now=NOW
        )
        assert clock.due_at == status.due_at, clock.ticket.number
        assert clock.state == status.state.value, clock.ticket.number
    assert TicketEscalation.objects.filter(level="breach").exists()
    # levels due before the last ten minutes are recorded as sent: the sweep at the seeding
    # moment has (almost) nothing to do, an hour later it has that hour's levels
    assert seeded_at(seeded.projects[0]) == NOW
    first = escalation_sweep(now=NOW)
    assert first.warned + first.breached + first.second <= 5
    assert escalation_sweep(now=NOW) == type(first)()


def test_the_reports_and_the_bench_user_work_on_the_seeded_tickets(seeded):
    scope = scope_for(seeded.user)
    assert scope.can(seeded.projects[0].pk, Capability.SERVICE_DESK)
    f = report_filter(
        user=seeded.user, project_id=seeded.projects[0].pk, period="last_month", now=NOW
    )
    rows = {row.kind: row for row in sla_report(f).rows}
    assert rows["arrival"].met > rows["arrival"].breached > 0
    assert any(row.finished for row in technician_report(f))


def test_rerunning_does_nothing_and_a_larger_n_tops_up():
    out = io.StringIO()
    call_command("seed", "--tickets", "300", stdout=out)
    assert "300 created" in out.getvalue() and "API token (shown once)" in out.getvalue()
    before = (Ticket.objects.count(), TicketClock.objects.count(), TicketEvent.objects.count())

    out = io.StringIO()
    call_command("seed", "--tickets", "300", stdout=out)
    assert "0 created" in out.getvalue() and "API token" not in out.getvalue()
    assert before == (
        Ticket.objects.count(),
        TicketClock.objects.count(),
        TicketEvent.objects.count(),
    )

    call_command("seed", "--tickets", "450", stdout=io.StringIO())
    assert Ticket.objects.count() == 450
    numbers = Ticket.objects.values("project", "number").annotate(n=Count("id"))
    assert not numbers.filter(n__gt=1).exists()
