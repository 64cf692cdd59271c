"""Return visits (回访): the desk's attempts, the resident's portal rating, the follow-ups of
"not satisfied", complaints' return visits, and the queue of due visits."""

from __future__ import annotations

import datetime as dt

import pytest

from wuye.core.errors import DomainError, PermissionDenied
from wuye.servicedesk import services as s
from wuye.servicedesk.models import ReturnVisit, Ticket, TicketKind, TicketState
from wuye.servicedesk.selectors_visits import return_visit_queue
from wuye.servicedesk.tests.conftest import at, clocks, codes
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db

DAY = 24 * 60


def _completed(world, ticket: Ticket, minutes: float = 60, desk=None, tech=None) -> Ticket:
    desk, tech = desk or world.desk, tech or world.tech
    ticket = s.ticket_dispatch(actor=desk, ticket=ticket, assignee=tech, now=at(2))
    ticket = s.ticket_accept(actor=tech, ticket=ticket, now=at(5))
    ticket = s.ticket_arrive(actor=tech, ticket=ticket, now=at(20))
    ticket = s.ticket_start(actor=tech, ticket=ticket, now=at(21))
    return s.ticket_complete(actor=tech, ticket=ticket, now=at(minutes))


def _complaint_completed(world, register) -> Ticket:
    ticket = register(kind=TicketKind.COMPLAINT, description="Noise at night")
    ticket = s.ticket_acknowledge(actor=world.desk, ticket=ticket, now=at(10))
    ticket = s.ticket_report_result(actor=world.desk, ticket=ticket, note="Talked", now=at(60))
    return s.ticket_confirm(actor=world.resident, ticket=ticket, satisfied=True, now=at(120))


# --- every completed repair and complaint gets a return-visit clock --------------------------


def test_every_completed_repair_kind_gets_a_return_visit_clock(world, register):
    for kind, urgency in (
        (TicketKind.REPAIR_UNIT, "normal"),
        (TicketKind.REPAIR_PUBLIC, "urgent"),
        (TicketKind.REPAIR_UNIT, "appointment"),
    ):
        ticket = _completed(world, register(kind=kind, urgency=urgency))
        clock = clocks(ticket)["return_visit"]
        assert (clock.state, clock.started_at) == ("running", at(60)), (kind, urgency)
        assert clock.due_at == at(60) + dt.timedelta(days=3)


def test_a_complaint_confirmed_satisfied_is_completed_with_a_return_visit_clock(world, register):
    ticket = _complaint_completed(world, register)
    assert ticket.state == TicketState.COMPLETED
    assert ticket.completed_at == at(120)
    assert clocks(ticket)["complaint_final_reply"].stopped_at == at(120)
    assert clocks(ticket)["return_visit"].state == "running"


def test_a_complaint_without_a_return_visit_clock_closes_once_completed(world, register):
    ticket = _complaint_completed(world, register)
    ticket.clocks.filter(kind="return_visit").delete()  # a policy without a return visit
    assert s.ticket_close(actor=world.desk, ticket=ticket, now=at(121)).state == "closed"


# --- the desk's return visit -----------------------------------------------------------------


def test_satisfied_visit_stops_the_clock_and_stores_the_outcome(world, register):
    # Given a completed repair
    ticket = _completed(world, register())
    # When customer service reaches the customer, who is satisfied
    visit = s.ticket_return_visit_record(
        actor=world.desk,
        ticket=ticket,
        outcome="satisfied",
        rating=5,
        comment="Fixed well",
        method="visit",
        now=at(DAY),
    )
    # Then the attempt is recorded, the ticket is return visited and its clock met
    assert isinstance(visit, ReturnVisit)
    assert (visit.outcome, visit.rating, visit.method, visit.actor) == (
        "satisfied",
        5,
        "visit",
        world.desk,
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RETURN_VISITED
    assert (ticket.return_visit_outcome, ticket.rating) == ("satisfied", 5)
    clock = clocks(ticket)["return_visit"]
    assert (clock.state, clock.stopped_at) == ("met", at(DAY))
    event = ticket.events.order_by("-id").first()
    assert (event.code, event.from_state, event.to_state, event.note) == (
        "servicedesk.ticket.return_visited",
        "completed",
        "return_visited",
        "Fixed well",
    )
    assert event.data["return_visit"] == visit.pk
    assert s.ticket_close(actor=world.desk, ticket=ticket, now=at(DAY + 1)).state == "closed"


def test_an_unreachable_attempt_keeps_the_clock_running_and_counts_as_an_attempt(world, register):
    ticket = _completed(world, register())
    first = s.ticket_return_visit_record(
        actor=world.desk, ticket=ticket, outcome="unreachable", now=at(120)
    )
    second = s.ticket_return_visit_record(
        actor=world.desk, ticket=ticket, outcome="retry", comment="Call after 18:00", now=at(180)
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.COMPLETED
    assert ticket.return_visit_outcome == ""
    clock = clocks(ticket)["return_visit"]
    assert (clock.state, clock.stopped_at) == ("running", None)
    assert list(ticket.return_visits.values_list("pk", flat=True)) == [first.pk, second.pk]
    assert codes(ticket)[-2:] == ["servicedesk.ticket.return_visit_attempted"] * 2
    # the customer is reached later: the third attempt finishes it
    s.ticket_return_visit_record(
        actor=world.desk, ticket=ticket, outcome="satisfied", rating=4, now=at(DAY)
    )
    assert clocks(ticket)["return_visit"].stopped_at == at(DAY)


def test_bad_input_is_refused_on_its_field(world, register):
    ticket = _completed(world, register())
    cases = [
        ({"outcome": "happy"}, "outcome"),
        ({"outcome": "satisfied", "rating": 6}, "rating"),
        ({"outcome": "satisfied", "rating": 0}, "rating"),
        ({"outcome": "unreachable", "rating": 3}, "rating"),
        ({"outcome": "satisfied", "method": "portal"}, "method"),
        ({"outcome": "satisfied", "follow_up": "rework", "comment": "x"}, "follow_up"),
        ({"outcome": "not_satisfied", "follow_up": "lawsuit", "comment": "x"}, "follow_up"),
        ({"outcome": "not_satisfied", "follow_up": "rework", "comment": "  "}, "comment"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as err:
            s.ticket_return_visit_record(actor=world.desk, ticket=ticket, now=at(DAY), **kwargs)
        assert err.value.field == field, kwargs
    assert not ticket.return_visits.exists()


def test_only_customer_service_records_a_return_visit_and_only_when_completed(world, register):
    ticket = register()
    with pytest.raises(DomainError) as err:
        s.ticket_return_visit_record(actor=world.desk, ticket=ticket, outcome="satisfied")
    assert err.value.code == "invalid_transition"
    ticket = _completed(world, ticket)
    for actor in (world.tech, world.resident, world.manager2, world.district):
        with pytest.raises(PermissionDenied):
            s.ticket_return_visit_record(
                actor=actor, ticket=ticket, outcome="satisfied", now=at(DAY)
            )
    s.ticket_return_visit_record(
        actor=world.quality, ticket=ticket, outcome="satisfied", rating=5, now=at(DAY)
    )
    with pytest.raises(DomainError) as err:  # once return visited, no second visit
        s.ticket_return_visit_record(
            actor=world.desk, ticket=ticket, outcome="satisfied", now=at(DAY)
        )
    assert err.value.code == "invalid_transition"


def test_not_satisfied_with_rework_reopens_the_ticket(world, register):
    # Given a completed repair
    original = _completed(world, register())
    # When the customer is not satisfied and customer service has it redone
    visit = s.ticket_return_visit_record(
        actor=world.desk,
        ticket=original,
        outcome="not_satisfied",
        rating=2,
        comment="Still drips at night",
        follow_up="rework",
        now=at(DAY),
    )
    # Then a rework ticket linked to the original is registered with its own clocks
    rework = visit.follow_up_ticket
    assert rework is not None and rework.pk != original.pk
    assert rework.reopened_from_id == original.pk
    assert rework.state == TicketState.REGISTERED
    assert {"response", "arrival", "completion"} <= set(clocks(rework))
    assert visit.follow_up == "rework"
    # and the original is return visited (not satisfied) with a reopened event quoting why
    original.refresh_from_db()
    assert (original.state, original.return_visit_outcome, original.rating) == (
        "return_visited",
        "not_satisfied",
        2,
    )
    reopened = original.events.get(code="servicedesk.ticket.reopened")
    assert reopened.note == "Still drips at night"
    assert reopened.data == {"rework_ticket": rework.number}
    assert ReturnVisit.objects.get(pk=visit.pk).follow_up_ticket_id == rework.pk


def test_not_satisfied_with_a_complaint_registers_one_quoting_the_ticket(world, register):
    original = _completed(world, register())
    visit = s.ticket_return_visit_record(
        actor=world.desk,
        ticket=original,
        outcome="not_satisfied",
        rating=1,
        comment="The technician was rude",
        follow_up="complaint",
        now=at(DAY),
    )
    complaint = visit.follow_up_ticket
    assert complaint.kind == TicketKind.COMPLAINT
    assert (complaint.project, complaint.unit, complaint.reporter, complaint.channel) == (
        world.p1,
        world.u1,
        world.occupant1,
        "phone",
    )
    assert original.number in complaint.description
    assert "The technician was rude" in complaint.description
    assert complaint.number.startswith("TS-")
    assert set(clocks(complaint)) == {"complaint_first_feedback", "complaint_final_reply"}
    event = original.events.get(code="servicedesk.ticket.complaint_raised")
    assert event.data == {"complaint": complaint.number}
    assert not original.rework_tickets.exists()


def test_a_failed_follow_up_leaves_nothing_behind(world, register):
    # A rework reopened already by the resident: the desk's rework follow-up is refused and
    # the return visit is not recorded either.
    original = _completed(world, register())
    s.ticket_reopen(actor=world.resident, ticket=original, reason="Leaks", now=at(120))
    with pytest.raises(DomainError):
        s.ticket_return_visit_record(
            actor=world.desk,
            ticket=original,
            outcome="not_satisfied",
            comment="Leaks",
            follow_up="rework",
            now=at(DAY),
        )
    original.refresh_from_db()
    assert original.state == TicketState.COMPLETED
    assert not original.return_visits.exists()


def test_a_complaints_return_visit_may_reopen_it(world, register):
    ticket = _complaint_completed(world, register)
    visit = s.ticket_return_visit_record(
        actor=world.desk,
        ticket=ticket,
        outcome="not_satisfied",
        comment="Noise is back",
        follow_up="rework",
        now=at(DAY),
    )
    assert visit.follow_up_ticket.kind == TicketKind.COMPLAINT
    assert visit.follow_up_ticket.reopened_from_id == ticket.pk


# --- the resident's rating in the portal -----------------------------------------------------


def test_the_residents_rating_is_the_return_visit(world, register):
    ticket = _completed(world, register(actor=world.resident, channel="portal"))
    visit = s.ticket_rate(
        actor=world.resident, ticket=ticket, rating=4, comment=" Quick ", now=at(DAY)
    )
    assert (visit.method, visit.outcome, visit.rating, visit.comment, visit.actor) == (
        "portal",
        "satisfied",
        4,
        "Quick",
        world.resident,
    )
    ticket.refresh_from_db()
    assert (ticket.state, ticket.rating, ticket.return_visit_outcome) == (
        "return_visited",
        4,
        "satisfied",
    )
    assert clocks(ticket)["return_visit"].stopped_at == at(DAY)
    event = ticket.events.order_by("-id").first()
    assert (event.code, event.data["method"]) == ("servicedesk.ticket.return_visited", "portal")


@pytest.mark.parametrize(
    ("rating", "outcome"), [(1, "not_satisfied"), (2, "not_satisfied"), (3, "satisfied")]
)
def test_a_low_rating_is_not_satisfied(world, register, rating, outcome):
    ticket = _completed(world, register())
    assert s.ticket_rate(actor=world.resident, ticket=ticket, rating=rating).outcome == outcome


def test_a_return_visited_ticket_cannot_be_rated(world, register):
    ticket = _completed(world, register())
    s.ticket_return_visit_record(
        actor=world.desk, ticket=ticket, outcome="satisfied", rating=5, now=at(DAY)
    )
    with pytest.raises(DomainError) as err:
        s.ticket_rate(actor=world.resident, ticket=ticket, rating=1, now=at(DAY + 1))
    assert err.value.code == "already_rated"
    assert ticket.number in str(err.value.message)
    ticket.refresh_from_db()
    assert ticket.rating == 5


def test_only_the_reporter_rates_a_completed_ticket_from_1_to_5(world, register):
    ticket = register()
    with pytest.raises(DomainError) as err:
        s.ticket_rate(actor=world.resident, ticket=ticket, rating=5, now=at(1))
    assert err.value.code == "invalid_transition"
    ticket = _completed(world, ticket)
    other = f.UserFactory(username="neighbour")
    for actor in (other, world.desk, world.outsider):
        with pytest.raises(PermissionDenied):
            s.ticket_rate(actor=actor, ticket=ticket, rating=5, now=at(DAY))
    for bad in (0, 6, None, "5", True):
        with pytest.raises(DomainError) as err:
            s.ticket_rate(actor=world.resident, ticket=ticket, rating=bad, now=at(DAY))
        assert err.value.field == "rating"


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_lists_due_visits_soonest_first_with_attempts(world, register):
    # Given three completed repairs (completed at different times) and one still open
    early = _completed(world, register(), minutes=60)
    late = _completed(world, register(), minutes=90)
    done = _completed(world, register(), minutes=100)
    register()
    s.ticket_return_visit_record(actor=world.desk, ticket=late, outcome="unreachable", now=at(200))
    s.ticket_return_visit_record(actor=world.desk, ticket=late, outcome="retry", now=at(300))
    s.ticket_return_visit_record(
        actor=world.desk, ticket=done, outcome="satisfied", rating=5, now=at(300)
    )
    # When the desk opens the queue four days later
    queue = list(return_visit_queue(user=world.desk, now=at(60 + 4 * DAY)))
    # Then the tickets whose clock runs are listed soonest due first, with the attempts
    assert [t.pk for t in queue] == [early.pk, late.pk]
    first, second = queue
    assert (first.attempts, first.last_attempt_at, first.last_outcome) == (0, None, None)
    assert (second.attempts, second.last_attempt_at, second.last_outcome) == (2, at(300), "retry")
    assert first.return_visit_due == at(60) + dt.timedelta(days=3)
    assert first.overdue is True
    assert second.masked_reporter_phone == "138****1111"


def test_the_queue_holds_complaints_and_is_scoped_to_customer_service(world, register):
    complaint = _complaint_completed(world, register)
    other = register(project=world.p2, unit=world.u2, reporter=world.occupant2, actor=world.admin)
    in_p2 = _completed(world, other, desk=world.manager2, tech=world.manager2)
    assert [t.pk for t in return_visit_queue(user=world.desk)] == [complaint.pk]
    assert [t.pk for t in return_visit_queue(user=world.manager2)] == [in_p2.pk]
    assert {t.pk for t in return_visit_queue(user=world.admin)} == {complaint.pk, in_p2.pk}
    assert [t.pk for t in return_visit_queue(user=world.admin, project_id=world.p1.pk)] == [
        complaint.pk
    ]
    for user in (world.tech, world.district, world.admin_b, world.resident, world.outsider):
        assert list(return_visit_queue(user=user)) == [], user


def test_the_queue_is_one_query_for_1_or_20_tickets(world, register, django_assert_num_queries):
    def load():
        rows = list(return_visit_queue(user=world.desk, now=at(DAY)))
        shown = [
            (r.masked_reporter_phone, r.unit.number, r.project.name, r.category, r.assignee)
            for r in rows
        ]
        assert all(phone == "138****1111" for phone, *_ in shown)
        return rows

    _completed(world, register())
    load()  # the user's scope is computed once per user object
    with django_assert_num_queries(1):
        assert len(load()) == 1
    for _ in range(19):
        ticket = _completed(world, register())
        s.ticket_return_visit_record(
            actor=world.desk, ticket=ticket, outcome="unreachable", now=at(120)
        )
    with django_assert_num_queries(1):
        assert len(load()) == 20
