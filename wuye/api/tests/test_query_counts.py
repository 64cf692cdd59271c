"""Query budgets: a list page costs the same whether it holds 5 rows or 50.

Budget = 1 (token) + 1 (scope, one query for every role) + 1 for the page. A resident has
no scope to compute.
"""

from __future__ import annotations

import pytest

from wuye.places.models import Occupancy, Occupant, Unit
from wuye.testing import factories as f


def _projects(world, n):
    f.ProjectFactory.create_batch(n, company=world.company_a)


def _buildings(world, n):
    f.BuildingFactory.create_batch(n, project=world.p1)


def _units(world, n):
    f.UnitFactory.create_batch(n, building=world.b1)


def _units_with_tail(world, n):
    for unit in f.UnitFactory.create_batch(n, building=world.b1):
        f.OccupancyFactory(unit=unit, occupant=f.OccupantFactory(project=world.p1))
    # the factory gives every occupant a distinct number; give them all one tail
    Occupant.objects.filter(project=world.p1).update(mobile_tail="1111")


def _occupants(world, n):
    f.OccupantFactory.create_batch(n, project=world.p1)


def _my_units(world, n):
    units = f.UnitFactory.create_batch(n, building=world.b1)
    Occupancy.objects.bulk_create(
        Occupancy(unit=u, occupant=world.occupant1, relation="owner") for u in units
    )


CASES = {
    # name: (user, path, params(world), setup, queries)
    "projects": ("admin", "/projects", lambda w: {}, _projects, 3),
    "buildings": ("manager", "/buildings", lambda w: {"project": w.p1.pk}, _buildings, 3),
    "units": ("manager", "/units", lambda w: {}, _units, 3),
    "units-by-project": ("admin", "/units", lambda w: {"project": w.p1.pk}, _units, 3),
    "units-by-building": (
        "desk",
        "/units",
        lambda w: {"building": w.b1.pk, "use": "residence"},
        _units,
        3,
    ),
    "units-by-phone-tail": ("desk", "/units", lambda w: {"q": "1111"}, _units_with_tail, 3),
    "occupants": ("desk", "/occupants", lambda w: {"q": "住户"}, _occupants, 3),
    "me-units": ("resident", "/me/units", lambda w: {}, _my_units, 2),
}


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("case", list(CASES))
def test_list_query_count_does_not_grow_with_rows(
    api_as, world, django_assert_num_queries, case, rows
):
    user, path, params, setup, queries = CASES[case]
    setup(world, rows)
    api = api_as(user)

    with django_assert_num_queries(queries):
        body = api.get(path, params(world)).json()

    assert len(body["items"]) >= min(rows, 50)


def test_a_page_that_crosses_into_the_next_project_costs_one_more_query(
    api_as, world, django_assert_num_queries
):
    f.UnitFactory.create_batch(3, building=world.b1)
    api = api_as("admin")
    cursor = api.get("/units", {"limit": 2}).json()["next_cursor"]

    with django_assert_num_queries(3 + 1):
        body = api.get("/units", {"limit": 3, "cursor": cursor}).json()

    assert [row["project_id"] for row in body["items"]] == [world.p1.pk, world.p1.pk, world.p2.pk]
    assert Unit.objects.count() == 6


def test_every_page_of_a_project_filtered_walk_costs_the_same(
    api_as, world, django_assert_num_queries
):
    f.UnitFactory.create_batch(5, building=world.b1)  # p1 now has 6 units; p2 has 1
    api = api_as("admin")
    cursor, pages = None, 0
    while True:
        with django_assert_num_queries(3):  # the last page does not look into p2
            body = api.get(
                "/units",
                {"project": world.p1.pk, "limit": 4, **({"cursor": cursor} if cursor else {})},
            ).json()
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
