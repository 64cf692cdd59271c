"""Query budgets of the service-desk lists: the same number of queries for 1 ticket or 20."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.servicedesk.tests.web_helpers import completed, dispatched, new_ticket, pooled

pytestmark = pytest.mark.django_db


def _registered(world, n):
    for i in range(n):
        new_ticket(world, description=f"漏水 {i}")


def _pooled(world, n):
    for _ in range(n):
        pooled(world)


def _completed(world, n):
    for _ in range(n):
        completed(world)


def _mine(world, n):
    for _ in range(n):
        dispatched(world)


# (url name, query params, data builder, user, queries)
# Every page pays: session, user, memberships (scope), the switcher's project list.
CASES = {
    # + category and assignee choices, count, page, open clocks (one prefetch)
    "tickets": ("desk:ticket-list", {}, _registered, "desk", 9),
    "tickets-search": ("desk:ticket-list", {"q": "1111", "status": "all"}, _registered, "desk", 9),
    # + count, page, open clocks
    "pool-desk": ("desk:pool", {}, _pooled, "desk", 7),
    # + the technician's teams in the filter (a subquery, no extra query)
    "pool-tech": ("desk:pool", {}, _pooled, "tech", 7),
    # + count, page (one query with the attempts and due time)
    "visits": ("desk:visits", {}, _completed, "desk", 6),
    "my-orders": ("desk:my-orders", {}, _mine, "tech", 7),
    "my-pool": ("desk:my-pool", {}, _pooled, "tech", 7),
}


@pytest.mark.parametrize("rows", [1, 20])
@pytest.mark.parametrize("case", sorted(CASES))
def test_list_query_count_does_not_grow_with_rows(
    login, world, django_assert_num_queries, case, rows
):
    name, params, build, user, expected = CASES[case]
    build(world, rows)
    client = login(user)
    client.get(reverse("console:dashboard"))  # the session exists from here on
    with django_assert_num_queries(expected):
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert len(response.context["page"]) == rows
