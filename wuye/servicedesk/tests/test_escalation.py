"""The escalation sweep: warn → breach → second level, each once per clock, also when two
sweeps run at the same moment; paused and stopped clocks stay quiet.

The ticket is a minor repair registered Tuesday 24 November 2026 10:00 (conftest ``T0``):
response and arrival are due 10:30 (warned at 10:20), completion at midnight (warned 16:00).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from wuye.core.scheduling import entries
from wuye.messaging.models import Message
from wuye.servicedesk import escalation
from wuye.servicedesk import services as s
from wuye.servicedesk.clocks import clock_live_status
from wuye.servicedesk.escalation import SweepResult, escalation_sweep, escalation_sweep_task
from wuye.servicedesk.models import Team, Ticket, TicketClock, TicketEscalation, TicketKind
from wuye.servicedesk.policies import desk_settings
from wuye.servicedesk.tests.conftest import T0, TZ, at, clocks

pytestmark = pytest.mark.django_db


def _dispatched(world, register, **kwargs) -> Ticket:
    return s.ticket_dispatch(
        actor=world.desk, ticket=register(), assignee=world.tech, now=at(1), **kwargs
    )


def _outbox():
    """Messages by e-mail or console; each also rings the in-app bell (tested below)."""
    return Message.objects.exclude(channel="in_app")


def _messages(user) -> list[Message]:
    return list(_outbox().filter(recipient_user=user).order_by("id"))


def _levels(ticket: Ticket) -> set[tuple[str, str]]:
    return set(TicketEscalation.objects.filter(ticket=ticket).values_list("clock__kind", "level"))


@pytest.fixture
def tech_email(world):
    world.tech.email = "tech@example.com"
    world.tech.save(update_fields=["email"])


def test_warn_then_breach_then_second_level_each_to_the_right_people(world, register, tech_email):
    ticket = _dispatched(world, register)
    # Nothing before the warning time
    assert escalation_sweep(now=at(19)) == SweepResult()
    # At 10:20 the assignee is warned about the response and arrival clocks, by e-mail
    assert escalation_sweep(now=at(20)) == SweepResult(warned=2)
    warnings = _messages(world.tech)
    assert [(m.channel, m.recipient) for m in warnings] == [("email", "tech@example.com")] * 2
    assert all(ticket.number in m.subject and m.project == world.p1 for m in warnings)
    # At 10:31 both are overdue: the supervisor is told — no team, so customer service,
    # on the console channel (the desk has no e-mail address)
    assert escalation_sweep(now=at(31)) == SweepResult(breached=2)
    breaches = _messages(world.desk)
    assert [(m.channel, m.recipient) for m in breaches] == [("console", "desk")] * 2
    response = clocks(ticket)["response"]
    assert (response.state, response.breached_at) == ("breached", at(30))
    # Two hours after the deadline it is still exactly the breach: no second level yet
    assert escalation_sweep(now=at(150)) == SweepResult()
    # then the project manager hears of it
    assert escalation_sweep(now=at(151)) == SweepResult(second=2)
    assert len(_messages(world.manager)) == 2
    # and at 16:00 the same-day completion clock warns the assignee
    assert escalation_sweep(now=at(6 * 60)) == SweepResult(warned=1)
    assert _levels(ticket) == {
        ("response", "warn"),
        ("response", "breach"),
        ("response", "second"),
        ("arrival", "warn"),
        ("arrival", "breach"),
        ("arrival", "second"),
        ("completion", "warn"),
    }
    events = ticket.events.filter(code="servicedesk.ticket.escalated").order_by("id")
    assert [e.data["level"] for e in events] == ["warn"] * 2 + ["breach"] * 2 + ["second"] * 2 + [
        "warn"
    ]
    assert events[2].data["recipients"] == [{"id": world.desk.pk, "name": "desk"}]
    # Every message names its escalation row and recipient: never queued twice
    keys = set(_outbox().values_list("dedupe_key", flat=True))
    assert len(keys) == _outbox().count() == 7
    assert all(k.startswith("servicedesk.escalation.") for k in keys)


def test_running_the_sweep_twice_at_the_same_moment_sends_each_warning_once(world, register):
    _dispatched(world, register)
    first = escalation_sweep(now=at(25))
    second = escalation_sweep(now=at(25))
    assert (first, second) == (SweepResult(warned=2), SweepResult())
    assert _outbox().count() == 2
    # and later sweeps never warn again, whatever happens to the clock
    assert escalation_sweep(now=at(29)) == SweepResult()
    assert _outbox().count() == 2


def test_a_late_sweep_skips_the_warning_and_reports_the_breach(world, register):
    ticket = _dispatched(world, register)
    assert escalation_sweep(now=at(45)) == SweepResult(breached=2)
    assert _levels(ticket) == {("response", "breach"), ("arrival", "breach")}
    assert escalation_sweep(now=at(46)) == SweepResult()


def test_the_second_level_delay_is_the_projects_setting(world, register):
    row = desk_settings(world.p1)
    row.second_level_after = dt.timedelta(minutes=30)
    row.save()
    _dispatched(world, register)
    assert escalation_sweep(now=at(61)) == SweepResult(breached=2, second=2)
    # p2's tickets keep the default two hours
    other = register(project=world.p2, unit=world.u2, reporter=world.occupant2, actor=world.admin)
    assert escalation_sweep(now=at(61)) == SweepResult(breached=2)
    assert escalation_sweep(now=at(151)) == SweepResult(second=2)
    assert {m.recipient_user for m in _outbox().filter(project=world.p2)} == {world.manager2}
    assert other.project == world.p2


def test_the_team_leader_is_warned_without_an_assignee_and_told_at_breach(world, register):
    # Given a ticket in the plumbers' pool; the guard leads the team
    team = Team.objects.create(project=world.p1, name="水电班", leader=world.guard)
    team.members.add(world.tech)
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), team=team, now=at(1))
    # Then with nobody assigned the warning goes to the leader, and so does the breach
    assert escalation_sweep(now=at(21)) == SweepResult(warned=2)
    assert escalation_sweep(now=at(31)) == SweepResult(breached=2)
    assert len(_messages(world.guard)) == 4
    assert _messages(world.tech) == [] and _messages(world.desk) == []
    assert ticket.team == team


def test_an_unassigned_ticket_warns_customer_service(world, register):
    register()  # registered, not dispatched
    assert escalation_sweep(now=at(21)) == SweepResult(warned=2)
    assert len(_messages(world.desk)) == 2


def test_a_paused_ticket_is_not_escalated_and_warns_after_resuming(world, register):
    # Given a ticket in progress since 10:20, waiting for parts from 11:00
    ticket = s.ticket_accept(actor=world.tech, ticket=_dispatched(world, register), now=at(5))
    ticket = s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(15))
    ticket = s.ticket_start(actor=world.tech, ticket=ticket, now=at(20))
    ticket = s.ticket_pause(actor=world.tech, ticket=ticket, reason="waiting_parts", now=at(60))
    next_morning = dt.datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
    # Then past its warning time and its deadline (midnight) nothing is sent
    assert escalation_sweep(now=next_morning) == SweepResult()
    # even if the cached state were stale: the engine's state decides
    TicketClock.objects.filter(ticket=ticket, kind="completion").update(state="running")
    assert escalation_sweep(now=next_morning) == SweepResult()
    assert _outbox().count() == 0
    # When work resumes at 09:00 the deadline moved by the 7 working hours paused (→ 15:30)
    ticket = s.ticket_resume(actor=world.tech, ticket=ticket, now=next_morning)
    assert clocks(ticket)["completion"].due_at == dt.datetime(2026, 11, 25, 15, 30, tzinfo=TZ)
    # and, past its new warning time, it warns once
    assert escalation_sweep(now=next_morning + dt.timedelta(minutes=1)) == SweepResult(warned=1)


def test_no_message_once_the_clock_stopped(world, register):
    # Given the tech accepted at 10:05, arrived at 10:15 and completed at 11:00
    ticket = s.ticket_accept(actor=world.tech, ticket=_dispatched(world, register), now=at(5))
    ticket = s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(15))
    ticket = s.ticket_start(actor=world.tech, ticket=ticket, now=at(16))
    ticket = s.ticket_complete(actor=world.tech, ticket=ticket, now=at(60))
    # Then no sweep that day says anything about response, arrival or completion
    for minutes in (20, 31, 151, 6 * 60, 14 * 60):
        assert escalation_sweep(now=at(minutes)) == SweepResult()
    assert _outbox().count() == 0
    # the return-visit clock (3 days, warned a day before) is customer service's job
    assert escalation_sweep(now=at(60 + 2 * 24 * 60)) == SweepResult(warned=1)
    assert [m.recipient_user for m in _outbox().all()] == [world.desk]


def test_a_cancelled_ticket_is_not_escalated(world, register):
    ticket = _dispatched(world, register)
    s.ticket_cancel(actor=world.desk, ticket=ticket, reason="Duplicate", now=at(2))
    assert escalation_sweep(now=at(40)) == SweepResult()


def test_a_complaint_without_handler_goes_to_customer_service(world, register):
    register(kind=TicketKind.COMPLAINT, description="Noise")
    # first feedback: 1 working hour, warned 15 minutes before
    assert escalation_sweep(now=at(45)) == SweepResult(warned=1)
    assert escalation_sweep(now=at(61)) == SweepResult(breached=1)
    assert len(_messages(world.desk)) == 2


def test_the_sweep_works_through_batches(world, register):
    tickets = [_dispatched(world, register) for _ in range(3)]
    assert escalation_sweep(now=at(21), batch_size=1) == SweepResult(warned=6)
    assert escalation_sweep(now=at(31), batch_size=2) == SweepResult(breached=6)
    assert all(len(_levels(t)) == 4 for t in tickets)


def test_an_idle_sweep_costs_two_queries(world, register, django_assert_num_queries):
    _dispatched(world, register)
    escalation_sweep(now=at(21))
    with django_assert_num_queries(2):
        assert escalation_sweep(now=at(22)) == SweepResult()


def test_the_task_is_scheduled_every_minute_and_sweeps(world, register):
    entry = next(e for e in entries() if e.name == "servicedesk.escalation_sweep")
    assert entry.every == dt.timedelta(minutes=1)
    assert entry.task is escalation_sweep_task
    _dispatched(world, register)
    with time_machine.travel(T0 + dt.timedelta(minutes=21), tick=False):
        assert escalation_sweep_task.call() == {"warned": 2, "breached": 0, "second": 0}


# --- two sweeps at once ----------------------------------------------------------------------


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _run_at_once(*calls):
    """As in test_concurrency: real threads; on SQLite (shared-cache in-memory database,
    whose locks fail instead of waiting) the calls are serialised, as SQLite serialises
    writers anyway — the second sweep then meets the first one's committed rows."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    writer = threading.Lock() if connection.vendor == "sqlite" else _NoLock()

    def run(i, fn):
        try:
            barrier.wait()
            with writer:
                results[i] = fn()
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_send_each_warning_once(world, register):
    # Given eight dispatched tickets, each with two clocks in their warning window
    tickets = [_dispatched(world, register) for _ in range(8)]
    # When two sweeps run at the same moment, in two threads, small batches
    results = _run_at_once(
        lambda: escalation_sweep(now=at(21), batch_size=3),
        lambda: escalation_sweep(now=at(21), batch_size=3),
    )
    assert all(isinstance(r, SweepResult) for r in results), results
    # Then between them they warned each clock once, with one message each
    assert sum(r.warned for r in results) == 16
    assert TicketEscalation.objects.count() == 16
    assert _outbox().count() == 16
    assert _outbox().filter(recipient_user=world.tech).count() == 16
    assert all(len(_levels(t)) == 2 for t in tickets)
    # and the breach a little later, again from two sweeps at once, once per clock
    results = _run_at_once(
        lambda: escalation_sweep(now=at(31)), lambda: escalation_sweep(now=at(31))
    )
    assert sum(r.breached for r in results) == 16
    assert _outbox().filter(recipient_user=world.desk).count() == 16


def test_the_unique_constraint_refuses_a_level_recorded_meanwhile(world, register):
    # Given a sweep that decided to warn, while another sweep recorded the warning first
    ticket = _dispatched(world, register)
    clock = ticket.clocks.get(kind="response")
    status = clock_live_status(clock, now=at(21))
    assert escalation._record(ticket, clock, "warn", status, at(21)) is True
    # When it inserts its own row: the constraint refuses it, nothing else is written
    assert escalation._record(ticket, clock, "warn", status, at(21)) is False
    assert _outbox().count() == 1
    assert ticket.events.filter(code="servicedesk.ticket.escalated").count() == 1
    # and the transaction goes on (the loser's insert ran in a savepoint)
    assert TicketEscalation.objects.filter(clock=clock).count() == 1


def test_every_escalation_also_rings_the_bell_once(world, register):
    _dispatched(world, register)
    escalation_sweep(now=at(25))
    escalation_sweep(now=at(25))

    bells = Message.objects.filter(channel="in_app")
    assert bells.count() == _outbox().count() > 0
    assert {m.recipient_user for m in bells} == {m.recipient_user for m in _outbox()}
    assert all(m.status == "queued" and m.event == "servicedesk.escalation" for m in bells)
