"""Query budgets of the ticket endpoints: the same with 1 ticket as with 30.

List budget = 1 (token) + 1 (scope) + 1 (the page: joins and the next-due subquery in the
same query). A page that runs past the end of a project costs one more for the next
projects (two for a resident, who has no scope to list them from).
"""

from __future__ import annotations

import pytest

from wuye.servicedesk import services as s
from wuye.servicedesk.models import Category, Team

from .test_tickets import at, new_ticket, p2_ticket


def _tickets(world, n):
    water = Category.objects.get(project=world.p1, code="water")
    team = Team.objects.create(project=world.p1, name="水电班")
    team.members.add(world.tech)
    for i in range(n):
        ticket = new_ticket(world, category=water, now=at(i))
        s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, team=team)


def _completed(world, n):
    for i in range(n):
        ticket = new_ticket(world, now=at(i))
        s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(i))
        s.ticket_accept(actor=world.tech, ticket=ticket, now=at(i))
        s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(i))
        s.ticket_start(actor=world.tech, ticket=ticket, now=at(i))
        s.ticket_complete(actor=world.tech, ticket=ticket, now=at(i + 1))
        if i % 2:
            s.ticket_return_visit_record(
                actor=world.desk, ticket=ticket, outcome="unreachable", now=at(i + 2)
            )


CASES = {
    # name: (user, path, params(world), setup, queries)
    "desk": ("desk", "/tickets", lambda w: {}, _tickets, 3),
    "admin-all-projects": ("admin", "/tickets", lambda w: {}, _tickets, 3),
    "filtered": (
        "manager",
        "/tickets",
        lambda w: {
            "project_id": w.p1.pk,
            "state": ["dispatched", "accepted"],
            "open": "true",
            "overdue": "false",
            "assignee_id": w.tech.pk,
            "q": "漏水",
            "created_from": "2026-11-01",
        },
        _tickets,
        3,
    ),
    "phone-tail": ("desk", "/tickets", lambda w: {"q": "1111"}, _tickets, 3),
    "overdue": ("desk", "/tickets", lambda w: {"overdue": "true"}, _tickets, 3),
    "resident": ("resident", "/tickets", lambda w: {}, _tickets, 3),
    "return-visit-queue": ("desk", "/return-visits", lambda w: {}, _completed, 3),
}


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize("case", list(CASES))
def test_list_query_count_does_not_grow_with_rows(
    api_as, world, django_assert_num_queries, case, rows
):
    user, path, params, setup, queries = CASES[case]
    setup(world, rows)
    api = api_as(user)

    with django_assert_num_queries(queries):
        body = api.get(path, params(world)).json()

    assert len(body["items"]) == rows


def test_a_page_into_the_next_project_costs_one_more_query(
    api_as, world, django_assert_num_queries
):
    new_ticket(world, now=at(1))
    new_ticket(world, now=at(2))
    p2_ticket(world)
    api = api_as("admin")
    cursor = api.get("/tickets", {"limit": 1}).json()["next_cursor"]

    with django_assert_num_queries(3 + 1):
        body = api.get("/tickets", {"limit": 2, "cursor": cursor}).json()

    assert [row["project_id"] for row in body["items"]] == [world.p1.pk, world.p2.pk]


@pytest.mark.parametrize("events", [1, 20])
def test_the_detail_costs_the_same_however_long_the_timeline(
    api_as, world, django_assert_num_queries, events
):
    ticket = new_ticket(world)
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(3))
    s.ticket_start(actor=world.tech, ticket=ticket, now=at(4))
    for i in range(events // 2):
        s.ticket_pause(actor=world.tech, ticket=ticket, reason="waiting_parts", now=at(5 + 2 * i))
        s.ticket_resume(actor=world.tech, ticket=ticket, now=at(6 + 2 * i))
    api = api_as("tech")
    api.get(f"/tickets/{ticket.pk}")  # the working calendar is cached per process

    # token, scope, ticket, row, pauses, clocks, events, attachments, charges, visits
    with django_assert_num_queries(10):
        body = api.get(f"/tickets/{ticket.pk}").json()

    assert len(body["events"]) >= events
