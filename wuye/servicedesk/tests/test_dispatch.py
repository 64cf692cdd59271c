"""Dispatch: to a person, a team's pool or the project's pool; grab; reassign; workload and
suggestions; the team admin."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from wuye.accounts.models import Membership, Role, User
from wuye.audit.models import AuditEvent
from wuye.core.errors import Conflict, DomainError, PermissionDenied
from wuye.servicedesk import services as s
from wuye.servicedesk.dispatching import dispatch_suggestions, workload
from wuye.servicedesk.models import Category, Team, Ticket, TicketState
from wuye.servicedesk.tests.conftest import at, clocks, codes
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db


def _category(world, code: str, project=None) -> Category:
    return Category.objects.get(project=project or world.p1, code=code)


def _technician(world, name: str, role: str = Role.ENGINEERING) -> User:
    user = f.UserFactory(username=name)
    Membership.objects.create(user=user, role=role, project=world.p1, company=world.company_a)
    return user


@pytest.fixture
def plumbers(world) -> Team:
    """水电班: water and electricity in building 1幢, led by the manager, with tech."""
    team = Team.objects.create(project=world.p1, name="水电班", leader=world.manager)
    team.members.add(world.tech)
    team.categories.add(_category(world, "water"), _category(world, "electricity"))
    team.buildings.add(world.b1)
    return team


# --- dispatch --------------------------------------------------------------------------------


def test_dispatch_to_a_teams_pool_lets_only_its_members_grab(world, register, plumbers):
    # Given a ticket dispatched to the plumbers' pool
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), team=plumbers, now=at(1))
    assert (ticket.state, ticket.assignee, ticket.team) == ("dispatched", None, plumbers)
    assert ticket.events.last().data == {"assignee": None, "team": plumbers.pk}
    # When the cleaner (a field worker, not in the team) tries to grab it
    with pytest.raises(PermissionDenied) as err, translation.override("en"):
        s.ticket_grab(actor=world.cleaner, ticket=ticket, now=at(2))
    with translation.override("en"):
        assert str(err.value.message) == (
            "This ticket is in the pool of team “水电班”: only its members can take it."
        )
    # Then the ticket is still in the pool, and a member takes it
    won = s.ticket_grab(actor=world.tech, ticket=ticket, now=at(3))
    assert (won.state, won.assignee, won.team) == (TicketState.ACCEPTED, world.tech, plumbers)
    assert clocks(won)["response"].stopped_at == at(3)


def test_dispatch_to_the_project_pool_and_to_a_person(world, register, plumbers):
    pool = s.ticket_dispatch(actor=world.desk, ticket=register(), now=at(1))
    assert (pool.assignee, pool.team) == (None, None)
    assert s.ticket_grab(actor=world.cleaner, ticket=pool, now=at(2)).assignee == world.cleaner
    person = s.ticket_dispatch(
        actor=world.desk, ticket=register(), assignee=world.tech, team=plumbers, now=at(3)
    )
    assert (person.assignee, person.team) == (world.tech, plumbers)
    # a person in a team's pool ticket is not grabbable by anyone: it is dispatched to them
    with pytest.raises(Conflict):
        s.ticket_grab(actor=world.guard, ticket=person, now=at(4))


def test_dispatch_refuses_a_non_member_of_the_team_and_another_projects_team(
    world, register, plumbers
):
    ticket = register()
    with pytest.raises(DomainError) as err:
        s.ticket_dispatch(
            actor=world.desk, ticket=ticket, assignee=world.cleaner, team=plumbers, now=at(1)
        )
    assert err.value.field == "assignee"
    elsewhere = Team.objects.create(project=world.p2, name="大厦工程部")
    with pytest.raises(DomainError) as err:
        s.ticket_dispatch(actor=world.desk, ticket=ticket, team=elsewhere, now=at(1))
    assert err.value.field == "team"
    plumbers.active = False
    plumbers.save()
    with pytest.raises(DomainError) as err:
        s.ticket_dispatch(actor=world.desk, ticket=ticket, team=plumbers, now=at(1))
    assert err.value.field == "team"
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.REGISTERED


# --- reassign --------------------------------------------------------------------------------


def _accepted(world, register) -> Ticket:
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    return s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))


def test_reassign_needs_a_reason_and_the_new_assignee_accepts_again(world, register):
    ticket = _accepted(world, register)
    with pytest.raises(DomainError) as err:
        s.ticket_reassign(actor=world.desk, ticket=ticket, assignee=world.guard, reason=" ")
    assert err.value.field == "reason"
    # When the desk reassigns the accepted ticket to the guard
    ticket = s.ticket_reassign(
        actor=world.desk, ticket=ticket, assignee=world.guard, reason="Tech is ill", now=at(5)
    )
    # Then it is dispatched to the guard, with an event naming both
    assert (ticket.state, ticket.assignee) == (TicketState.DISPATCHED, world.guard)
    event = ticket.events.last()
    assert (event.code, event.note, event.from_state, event.to_state) == (
        "servicedesk.ticket.reassigned",
        "Tech is ill",
        "accepted",
        "dispatched",
    )
    assert event.data["previous_assignee"] == {"id": world.tech.pk, "name": "tech"}
    assert event.data["assignee"] == {"id": world.guard.pk, "name": "guard"}
    # and only the guard can accept it now
    with pytest.raises(PermissionDenied):
        s.ticket_accept(actor=world.tech, ticket=ticket, now=at(6))
    ticket = s.ticket_accept(actor=world.guard, ticket=ticket, now=at(7))
    assert ticket.state == TicketState.ACCEPTED
    # the clocks were not restarted: the response clock stopped at the first accept
    assert clocks(ticket)["response"].stopped_at == at(2)


def test_reassign_a_paused_ticket_ends_the_pause(world, register):
    ticket = _accepted(world, register)
    ticket = s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(10))
    ticket = s.ticket_start(actor=world.tech, ticket=ticket, now=at(11))
    ticket = s.ticket_pause(actor=world.tech, ticket=ticket, reason="waiting_parts", now=at(20))
    assert clocks(ticket)["completion"].state == "paused"
    ticket = s.ticket_reassign(
        actor=world.desk, ticket=ticket, assignee=world.guard, reason="Has the part", now=at(80)
    )
    assert (ticket.state, ticket.resume_state) == (TicketState.DISPATCHED, "")
    assert ticket.pauses.get().ended_at == at(80)
    assert clocks(ticket)["completion"].state == "running"


def test_reassign_is_refused_when_nothing_changes_or_not_yet_dispatched(world, register):
    with pytest.raises(DomainError) as err:
        s.ticket_reassign(actor=world.desk, ticket=register(), assignee=world.tech, reason="x")
    assert err.value.code == "invalid_transition"
    ticket = _accepted(world, register)
    with pytest.raises(DomainError) as err:
        s.ticket_reassign(actor=world.desk, ticket=ticket, assignee=world.tech, reason="x")
    assert err.value.code == "unchanged"
    with pytest.raises(PermissionDenied):
        s.ticket_reassign(actor=world.tech, ticket=ticket, assignee=world.guard, reason="x")
    with pytest.raises(DomainError) as err:
        s.ticket_reassign(actor=world.desk, ticket=ticket, assignee=world.manager2, reason="x")
    assert err.value.field == "assignee"


def test_reassign_back_to_the_team_pool(world, register, plumbers):
    colleague = _technician(world, "plumber2")
    plumbers.members.add(colleague)
    ticket = s.ticket_dispatch(
        actor=world.desk, ticket=register(), assignee=world.tech, team=plumbers, now=at(1)
    )
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    # the team is kept when no other is given
    ticket = s.ticket_reassign(
        actor=world.desk, ticket=ticket, assignee=None, reason="Back to the pool", now=at(3)
    )
    assert (ticket.assignee, ticket.team) == (None, plumbers)
    assert s.ticket_grab(actor=colleague, ticket=ticket, now=at(4)).assignee == colleague
    # a new assignee outside the team takes the ticket out of the team
    ticket = s.ticket_reassign(
        actor=world.desk, ticket=ticket, assignee=world.guard, reason="Security matter", now=at(5)
    )
    assert (ticket.assignee, ticket.team) == (world.guard, None)
    assert codes(ticket)[-1] == "servicedesk.ticket.reassigned"


# --- workload and suggestions ----------------------------------------------------------------


def test_workload_counts_open_tickets_per_assignee_in_one_query(
    world, register, django_assert_num_queries
):
    for _ in range(3):
        s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    done = _accepted(world, register)
    s.ticket_complete(actor=world.tech, ticket=done, now=at(30))
    s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.guard, now=at(1))
    s.ticket_dispatch(actor=world.desk, ticket=register(), now=at(1))  # pool: nobody's
    with django_assert_num_queries(1):
        assert workload(world.p1.pk) == {world.tech.pk: 3, world.guard.pk: 1}
    with django_assert_num_queries(1):
        assert workload(world.p1.pk, [world.guard.pk, world.cleaner.pk]) == {world.guard.pk: 1}


def test_suggestions_rank_by_skill_zone_and_workload(world, register, plumbers):
    # Given the cleaners' team (cleaning, whole project) and a second plumber outside any team
    cleaners = Team.objects.create(project=world.p1, name="保洁班")
    cleaners.members.add(world.cleaner)
    cleaners.categories.add(_category(world, "cleaning"))
    loner = _technician(world, "loner")
    # and the tech already holding an open ticket
    s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    leak = register(category=_category(world, "water"))
    # When the desk asks who should take a leak in 1幢
    with translation.override("en"):
        ranked = dispatch_suggestions(leak)
    # Then the tech (skill + zone − 1) leads; the cleaner's team covers the whole project
    by_user = {sug.user: sug for sug in ranked}
    assert ranked[0].user == world.tech
    tech = by_user[world.tech]
    assert (tech.score, tech.open_tickets, tech.teams) == (3 + 2 - 1, 1, ["水电班"])
    assert tech.reasons == ["Skill match: 给排水", "Zone: 1幢", "1 open ticket"]
    cleaner = by_user[world.cleaner]
    assert (cleaner.score, cleaner.reasons) == (2, ["Zone: the whole project", "0 open tickets"])
    assert by_user[loner].score == 0
    assert by_user[world.guard].reasons == ["0 open tickets"]
    # and the project manager (team leader, no team membership, no field role) is not a
    # candidate, nor staff of other projects, nor the desk
    assert {world.manager, world.manager2, world.desk, world.quality}.isdisjoint(by_user)
    assert [sug.user for sug in ranked] == [world.tech, world.cleaner, world.guard, loner]


def test_a_project_manager_in_a_team_is_a_candidate(world, register, plumbers):
    plumbers.members.add(world.manager)
    ranked = dispatch_suggestions(register(category=_category(world, "water")), limit=2)
    assert [sug.user for sug in ranked] == [world.manager, world.tech]


def test_suggestion_queries_do_not_grow_with_staff_and_teams(
    world, register, plumbers, django_assert_num_queries
):
    leak = Ticket.objects.select_related("category", "building").get(
        pk=register(category=_category(world, "water")).pk
    )
    with django_assert_num_queries(4):
        assert len(dispatch_suggestions(leak, limit=20)) == 3
    # Given twenty more technicians in eight more teams
    for i in range(8):
        team = Team.objects.create(project=world.p1, name=f"班组{i}")
        team.categories.add(_category(world, "water"))
        team.buildings.add(world.b1)
        for j in range(20 if i == 0 else 1):
            team.members.add(_technician(world, f"t{i}-{j}"))
    with django_assert_num_queries(4):
        assert len(dispatch_suggestions(leak, limit=50)) == 30


# --- the team admin --------------------------------------------------------------------------


@pytest.fixture
def root(client, world):
    client.force_login(User.objects.create_superuser("root", password=f.PASSWORD))
    return client


def test_the_team_admin_edits_members_skills_and_zone_and_audits_them(root, world, plumbers):
    url = reverse("admin:servicedesk_team_change", args=[plumbers.pk])
    page = root.get(url)
    assert page.status_code == 200
    assert "selectfilter" in page.content.decode()  # filter_horizontal widgets
    response = root.post(
        url,
        {
            "project": world.p1.pk,
            "name": "水电班",
            "leader": world.manager.pk,
            "members": [world.tech.pk, world.guard.pk],
            "categories": [_category(world, "water").pk],
            "buildings": [],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(plumbers.members.all()) == {world.tech, world.guard}
    event = AuditEvent.objects.get(action="servicedesk.team.updated")
    assert event.changes["members"] == [[world.tech.pk], sorted([world.tech.pk, world.guard.pk])]
    assert event.changes["buildings"] == [[world.b1.pk], []]
    assert event.actor.username == "root"


def test_the_team_admin_refuses_other_projects_staff_and_places(root, world):
    with translation.override("en"):
        response = root.post(
            reverse("admin:servicedesk_team_add"),
            {
                "project": world.p1.pk,
                "name": "混合班",
                "leader": world.manager2.pk,
                "members": [world.manager2.pk],
                "categories": [_category(world, "water", world.p2).pk],
                "buildings": [world.b2.pk],
                "active": "on",
            },
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "班组长必须是班组所属项目的员工" in body
    assert "成员必须是班组所属项目的员工" in body
    assert body.count("只能选择班组所属项目的项") == 2
    assert not Team.objects.filter(name="混合班").exists()
