"""Ticket lifecycle: every transition, its event, and the SLA clocks it starts and stops."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from wuye.core.errors import Conflict, DomainError, PermissionDenied
from wuye.servicedesk import services as s
from wuye.servicedesk.clocks import clock_live_status
from wuye.servicedesk.models import Category, Ticket, TicketKind, TicketState, Urgency
from wuye.servicedesk.tests.conftest import TZ, at, clocks, codes

pytestmark = pytest.mark.django_db


def _to_in_progress(world, ticket: Ticket) -> Ticket:
    ticket = s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(2))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(5))
    ticket = s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(20))
    return s.ticket_start(actor=world.tech, ticket=ticket, now=at(21))


def test_register_numbers_the_ticket_and_starts_its_clocks(world, register):
    # Given a minor repair reported at the desk on a working morning
    # When it is registered
    ticket = register()
    # Then it is numbered for the project's day, registered, with one event
    assert ticket.number == "BX-20261124-0001"
    assert ticket.state == TicketState.REGISTERED
    assert codes(ticket) == ["servicedesk.ticket.registered"]
    assert ticket.reporter_phone_tail == "1111"
    assert "1111" in ticket.masked_reporter_phone and "0000" not in ticket.masked_reporter_phone
    # and the minor-repair clocks run: response and arrival 30 working minutes, same-day completion
    running = clocks(ticket)
    assert set(running) == {"response", "arrival", "completion"}
    assert running["response"].due_at == at(30)
    assert running["completion"].due_at == dt.datetime(2026, 11, 24, 23, 59, 59, 999999, tzinfo=TZ)
    assert {c.state for c in running.values()} == {"running"}


def test_numbers_are_unique_and_sequential_per_project_day(world, register):
    first, second = register(), register()
    other = register(project=world.p2, unit=world.u2, reporter=world.occupant2, actor=world.admin)
    complaint = register(kind=TicketKind.COMPLAINT)
    assert [first.number, second.number] == ["BX-20261124-0001", "BX-20261124-0002"]
    assert other.number == "BX-20261124-0001"  # another project counts on its own
    assert complaint.number == "TS-20261124-0003"


def test_register_with_the_same_idempotency_key_returns_the_first_ticket(world, register):
    first = register(idempotency_key="abc-1")
    again = register(idempotency_key="abc-1", description="a retry")
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1
    # another user's key is their own
    assert register(actor=world.manager, idempotency_key="abc-1").pk != first.pk


def test_register_refuses_an_outsider_and_another_projects_unit(world, register):
    with pytest.raises(PermissionDenied):
        register(actor=world.outsider)
    with pytest.raises(DomainError) as err:
        register(unit=world.u2)
    assert err.value.field == "unit"
    lifts = Category.objects.create(project=world.p2, name="电梯", code="lift")
    with pytest.raises(DomainError) as err:
        register(category=lifts)
    assert err.value.field == "category"


def test_a_resident_can_report_for_themselves(world, register):
    ticket = register(actor=world.resident, channel="portal")
    assert ticket.created_by == world.resident


def test_the_whole_repair_path_writes_events_and_stops_each_clock(world, register):
    ticket = _to_in_progress(world, register())
    ticket = s.ticket_complete(actor=world.tech, ticket=ticket, now=at(60))
    s.ticket_return_visit_record(
        actor=world.desk, ticket=ticket, outcome="satisfied", rating=5, now=at(24 * 60)
    )
    ticket = s.ticket_close(actor=world.desk, ticket=ticket, now=at(24 * 60 + 1))

    assert ticket.state == TicketState.CLOSED
    assert ticket.rating == 5
    assert codes(ticket) == [
        f"servicedesk.ticket.{c}"
        for c in (
            "registered",
            "dispatched",
            "accepted",
            "arrived",
            "started",
            "completed",
            "return_visited",
            "closed",
        )
    ]
    last = ticket.events.order_by("-at", "-id").first()
    assert (last.from_state, last.to_state, last.actor) == ("return_visited", "closed", world.desk)
    by_kind = clocks(ticket)
    assert by_kind["response"].stopped_at == at(5)
    assert by_kind["arrival"].stopped_at == at(20)
    assert by_kind["completion"].stopped_at == at(60)
    assert by_kind["return_visit"].started_at == at(60)
    assert by_kind["return_visit"].stopped_at == at(24 * 60)
    assert {c.state for c in by_kind.values()} == {"met"}


def test_a_late_arrival_is_breached(world, register):
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    ticket = s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(45))
    arrival = clocks(ticket)["arrival"]
    assert arrival.state == "breached"
    assert arrival.breached_at == at(30)


def test_an_invalid_transition_answers_a_translated_error_with_a_stable_code(world, register):
    ticket = register()
    with translation.override("zh-hans"), pytest.raises(DomainError) as err:
        s.ticket_arrive(actor=world.desk, ticket=ticket, now=at(1))
    assert err.value.code == "invalid_transition"
    assert "不能" in str(err.value.message)
    assert ticket.number in str(err.value.message)
    with pytest.raises(DomainError) as err:
        s.ticket_complete(actor=world.desk, ticket=ticket, now=at(1))
    assert err.value.code == "invalid_transition"


def test_only_the_assignee_or_the_desk_works_a_ticket(world, register):
    ticket = register()
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    for outsider in (world.guard, world.district, world.manager2):
        with pytest.raises(DomainError) as err:
            s.ticket_arrive(actor=outsider, ticket=ticket, now=at(3))
        assert err.value.code == "permission_denied"
    assert s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(3)).state == "arrived"


def test_a_district_supervisor_sees_but_cannot_dispatch(world, register):
    ticket = register()
    with pytest.raises(DomainError) as err:
        s.ticket_dispatch(actor=world.district, ticket=ticket, assignee=world.tech, now=at(1))
    assert err.value.code == "permission_denied"


def test_dispatch_only_to_staff_of_the_project(world, register):
    ticket = register()
    for stranger in (world.manager2, world.outsider, world.resident):
        with pytest.raises(DomainError) as err:
            s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=stranger, now=at(1))
        assert err.value.field == "assignee"
    with pytest.raises(PermissionDenied):
        s.ticket_dispatch(actor=world.manager2, ticket=ticket, assignee=world.tech, now=at(1))


def test_only_the_assignee_accepts(world, register):
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    with pytest.raises(PermissionDenied):
        s.ticket_accept(actor=world.cleaner, ticket=ticket, now=at(2))


def test_reassigning_records_the_previous_assignee(world, register):
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    ticket = s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.cleaner, now=at(2))
    assert ticket.assignee == world.cleaner
    assert ticket.events.last().data == {
        "assignee": world.cleaner.pk,
        "previous_assignee": world.tech.pk,
    }


def test_pause_for_parts_stops_completion_not_arrival_and_resumes_with_the_time_left(
    world, register
):
    # Given an accepted minor repair (arrival still running)
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    # When it waits two working hours for parts
    ticket = s.ticket_pause(actor=world.tech, ticket=ticket, reason="waiting_parts", now=at(10))
    paused = clocks(ticket)
    # Then the completion clock is paused; arrival (which only an appointment pauses) runs on
    assert ticket.state == TicketState.PAUSED
    assert paused["completion"].state == "paused"
    assert paused["arrival"].state == "running"
    ticket = s.ticket_resume(actor=world.tech, ticket=ticket, now=at(130))
    # And on resume it is back where it was, due two working hours after today's midnight
    assert ticket.state == TicketState.ACCEPTED
    resumed = clocks(ticket)
    assert resumed["completion"].state == "running"
    assert resumed["completion"].due_at == dt.datetime(2026, 11, 25, 10, 30, tzinfo=TZ)
    assert resumed["arrival"].due_at == at(30)
    assert ticket.pauses.get().ended_at == at(130)
    assert codes(ticket)[-2:] == ["servicedesk.ticket.paused", "servicedesk.ticket.resumed"]


def test_an_appointment_pauses_the_arrival_clock(world, register):
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    ticket = s.ticket_pause(
        actor=world.tech,
        ticket=ticket,
        reason="appointment",
        appointment_at=at(24 * 60),
        now=at(10),
    )
    assert clocks(ticket)["arrival"].state == "paused"
    assert ticket.appointment_at == at(24 * 60)


def test_pause_with_an_unknown_reason_and_resume_when_not_paused_fail(world, register):
    ticket = _to_in_progress(world, register())
    with pytest.raises(DomainError):
        s.ticket_pause(actor=world.tech, ticket=ticket, reason="lunch", now=at(30))
    with pytest.raises(DomainError) as err:
        s.ticket_resume(actor=world.tech, ticket=ticket, now=at(30))
    assert err.value.code == "invalid_transition"


def test_grab_from_the_pool_lets_one_technician_win(world, register):
    # Given a ticket dispatched to nobody (the grab pool)
    pool = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=None, now=at(1))
    stale = Ticket.objects.get(pk=pool.pk)
    # When the technician grabs it
    won = s.ticket_grab(actor=world.tech, ticket=pool, now=at(3))
    # Then they hold it, accepted, and the response clock stopped
    assert (won.state, won.assignee) == (TicketState.ACCEPTED, world.tech)
    assert clocks(won)["response"].stopped_at == at(3)
    assert codes(won)[-1] == "servicedesk.ticket.grabbed"
    # and a second grab on the same (stale) view of the order loses
    with pytest.raises(Conflict) as err:
        s.ticket_grab(actor=world.cleaner, ticket=stale, now=at(3))
    assert err.value.code == "already_taken"
    assert Ticket.objects.get(pk=pool.pk).assignee == world.tech


def test_the_grab_claim_is_a_conditional_update(world, register):
    # A ticket dispatched to someone is not in the pool: the conditional UPDATE matches no row.
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    with pytest.raises(Conflict) as err:
        s.ticket_grab(actor=world.cleaner, ticket=ticket, now=at(2))
    assert err.value.code == "already_taken"
    assert Ticket.objects.get(pk=ticket.pk).assignee == world.tech


def test_cancel_needs_a_reason_and_voids_the_running_clocks(world, register):
    ticket = register()
    with pytest.raises(DomainError) as err:
        s.ticket_cancel(actor=world.desk, ticket=ticket, reason="  ", now=at(1))
    assert err.value.field == "reason"
    ticket = s.ticket_cancel(actor=world.desk, ticket=ticket, reason="Duplicate call", now=at(1))
    assert ticket.state == TicketState.CANCELLED
    assert all(c.voided and c.stopped_at == at(1) for c in ticket.clocks.all())
    with pytest.raises(DomainError) as err:
        s.ticket_cancel(actor=world.desk, ticket=ticket, reason="again", now=at(2))
    assert err.value.code == "invalid_transition"


def test_declining_a_special_service_is_its_reply(world, register):
    ticket = register(kind=TicketKind.SPECIAL_SERVICE)
    assert set(clocks(ticket)) == {"special_reply"}
    ticket = s.ticket_cancel(actor=world.desk, ticket=ticket, reason="Not offered", now=at(60))
    reply = clocks(ticket)["special_reply"]
    assert (reply.state, reply.voided) == ("met", False)


def test_return_visit_not_reached_keeps_the_clock_running(world, register):
    ticket = s.ticket_complete(
        actor=world.tech, ticket=_to_in_progress(world, register()), now=at(60)
    )
    visit = s.ticket_return_visit_record(
        actor=world.desk, ticket=ticket, outcome="unreachable", now=at(120)
    )
    ticket = visit.ticket
    assert ticket.state == TicketState.COMPLETED
    assert clocks(ticket)["return_visit"].stopped_at is None
    assert codes(ticket)[-1] == "servicedesk.ticket.return_visit_attempted"
    with pytest.raises(DomainError):
        s.ticket_return_visit_record(
            actor=world.desk, ticket=ticket, outcome="satisfied", rating=6, now=at(121)
        )
    with pytest.raises(DomainError) as err:
        s.ticket_close(actor=world.desk, ticket=ticket, now=at(122))
    assert err.value.code == "invalid_transition"


def test_an_inquiry_runs_no_clock_and_closes_once_completed(world, register):
    ticket = register(kind=TicketKind.INQUIRY, urgency=Urgency.NORMAL)
    assert ticket.number.startswith("ZX-")
    ticket = _to_in_progress(world, ticket)
    ticket = s.ticket_complete(actor=world.desk, ticket=ticket, now=at(30))
    assert not ticket.clocks.exists()
    assert s.ticket_close(actor=world.desk, ticket=ticket, now=at(31)).state == "closed"


def test_reopen_creates_a_linked_rework_ticket(world, register):
    original = s.ticket_complete(
        actor=world.tech, ticket=_to_in_progress(world, register()), now=at(60)
    )
    rework = s.ticket_reopen(
        actor=world.resident, ticket=original, reason="Leaks again", now=at(3 * 24 * 60)
    )
    assert rework.pk != original.pk
    assert rework.reopened_from == original
    assert rework.state == TicketState.REGISTERED
    assert rework.number == "BX-20261127-0001"
    assert {"response", "arrival", "completion"} <= set(clocks(rework))
    original.refresh_from_db()
    assert original.state == TicketState.COMPLETED
    event = original.events.order_by("-id").first()
    assert (event.code, event.note) == ("servicedesk.ticket.reopened", "Leaks again")
    assert event.data == {"rework_ticket": rework.number}
    # once only
    with pytest.raises(DomainError) as err:
        s.ticket_reopen(actor=world.desk, ticket=original, reason="again", now=at(3 * 24 * 60))
    assert err.value.code == "invalid_transition"


def test_reopen_after_the_window_is_refused(world, register):
    original = s.ticket_complete(
        actor=world.tech, ticket=_to_in_progress(world, register()), now=at(60)
    )
    with pytest.raises(DomainError) as err:
        s.ticket_reopen(actor=world.desk, ticket=original, reason="late", now=at(31 * 24 * 60))
    assert err.value.code == "reopen_window_passed"
    with pytest.raises(PermissionDenied):
        s.ticket_reopen(actor=world.outsider, ticket=original, reason="x", now=at(61))


def test_complaint_path_until_the_customer_is_satisfied(world, register):
    # Given a complaint: first feedback (1 working hour) and final reply (10 days) run
    ticket = register(kind=TicketKind.COMPLAINT, description="Noise at night")
    assert set(clocks(ticket)) == {"complaint_first_feedback", "complaint_final_reply"}
    with pytest.raises(DomainError) as err:
        s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    assert err.value.code == "invalid_transition"
    # When the desk acknowledges, handles and reports a result the customer rejects
    ticket = s.ticket_acknowledge(actor=world.desk, ticket=ticket, now=at(20))
    assert ticket.assignee == world.desk
    assert clocks(ticket)["complaint_first_feedback"].state == "met"
    ticket = s.ticket_start(actor=world.desk, ticket=ticket, now=at(30))
    assert ticket.state == TicketState.HANDLING
    with pytest.raises(DomainError):
        s.ticket_report_result(actor=world.desk, ticket=ticket, note="", now=at(40))
    ticket = s.ticket_report_result(
        actor=world.desk, ticket=ticket, note="Talked to 2-301", now=at(2 * 24 * 60)
    )
    ticket = s.ticket_confirm(
        actor=world.resident, ticket=ticket, satisfied=False, now=at(3 * 24 * 60)
    )
    # Then it is handled again with the final-reply clock still running
    assert ticket.state == TicketState.HANDLING
    assert clocks(ticket)["complaint_final_reply"].stopped_at is None
    # and once the customer is satisfied it is completed, the final reply met, and its
    # return visit due
    ticket = s.ticket_report_result(
        actor=world.desk, ticket=ticket, note="Fixed hours", now=at(4 * 24 * 60)
    )
    ticket = s.ticket_confirm(
        actor=world.resident, ticket=ticket, satisfied=True, now=at(5 * 24 * 60)
    )
    assert ticket.state == TicketState.COMPLETED
    assert ticket.completed_at == at(5 * 24 * 60)
    final = clocks(ticket)["complaint_final_reply"]
    assert (final.state, final.stopped_at) == ("met", at(5 * 24 * 60))
    visit_clock = clocks(ticket)["return_visit"]
    assert (visit_clock.state, visit_clock.started_at) == ("running", at(5 * 24 * 60))
    with pytest.raises(DomainError) as err:
        s.ticket_close(actor=world.desk, ticket=ticket, now=at(5 * 24 * 60 + 1))
    assert err.value.code == "invalid_transition"
    # When customer service calls back and the customer is satisfied, it closes
    s.ticket_return_visit_record(
        actor=world.desk, ticket=ticket, outcome="satisfied", rating=4, now=at(6 * 24 * 60)
    )
    ticket = s.ticket_close(actor=world.desk, ticket=ticket, now=at(6 * 24 * 60 + 1))
    assert ticket.state == TicketState.CLOSED
    assert clocks(ticket)["return_visit"].state == "met"
    assert codes(ticket) == [
        f"servicedesk.ticket.{c}"
        for c in (
            "registered",
            "acknowledged",
            "started",
            "result_reported",
            "not_satisfied",
            "result_reported",
            "confirmed",
            "return_visited",
            "closed",
        )
    ]


def test_only_staff_or_the_reporter_confirms_a_complaint(world, register):
    ticket = s.ticket_acknowledge(
        actor=world.desk, ticket=register(kind=TicketKind.COMPLAINT), now=at(1)
    )
    ticket = s.ticket_report_result(actor=world.desk, ticket=ticket, note="Done", now=at(2))
    with pytest.raises(PermissionDenied):
        s.ticket_confirm(actor=world.outsider, ticket=ticket, satisfied=True, now=at(3))


def test_a_paused_clock_shows_frozen_remaining_time(world, register):
    # Given a minor repair paused for parts at 10:10 (completion due at the day's end)
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    ticket = s.ticket_pause(actor=world.tech, ticket=ticket, reason="waiting_parts", now=at(10))
    completion = ticket.clocks.select_related("ticket__project").get(kind="completion")
    # When the screen asks an hour and two hours later
    one = clock_live_status(completion, now=at(70))
    two = clock_live_status(completion, now=at(130))
    # Then the clock is paused, the pause time grows and the working time left stays put
    assert one.state == two.state == "paused"
    assert (one.paused_total, two.paused_total) == (dt.timedelta(hours=1), dt.timedelta(hours=2))
    assert one.remaining_in_basis == two.remaining_in_basis
