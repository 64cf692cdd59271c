"""Cursor pagination: every row exactly once, in order, at the same cost on every page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuye.api.pagination import UNIT_ORDERING, InvalidCursor
from wuye.places.models import Unit
from wuye.testing import factories as f

from .conftest import ids


def walk(api, path, params):
    """All pages of a list: (ids in order, number of pages)."""
    seen, cursor, pages = [], None, 0
    while True:
        body = api.get(path, {**params, **({"cursor": cursor} if cursor else {})}).json()
        seen += [row["id"] for row in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages
        assert pages <= 500, "pagination does not terminate"


@pytest.fixture
def estate(world):
    """120 units in p1: three buildings with the same 40 unit numbers each (equal numbers in
    different buildings), created in shuffled order so ids do not follow the ordering."""
    buildings = [world.b1] + [f.BuildingFactory(project=world.p1, name=f"{n}幢") for n in (2, 3)]
    numbers = [f"{floor}0{door}" for floor in range(1, 11) for door in range(1, 5)]
    pairs = [(b, n) for n in numbers for b in reversed(buildings)]
    Unit.objects.filter(pk=world.u1.pk).delete()
    Unit.objects.bulk_create(
        Unit(project=world.p1, building=b, number=n, floor=1) for b, n in pairs
    )
    return list(
        Unit.objects.filter(project=world.p1)
        .order_by(*UNIT_ORDERING.names)
        .values_list("id", flat=True)
    )


@pytest.mark.parametrize("limit", [1, 7, 50, 120, 200])
def test_walking_all_pages_yields_every_unit_once_in_order(api_as, estate, limit):
    seen, pages = walk(api_as("manager"), "/units", {"limit": limit})

    assert seen == estate
    assert len(seen) == len(set(seen)) == 120
    assert pages == -(-120 // limit)  # the look-ahead row means no empty last page


def test_walk_with_a_project_filter_and_a_search(api_as, world, estate):
    api = api_as("admin")

    assert walk(api, "/units", {"project": world.p1.pk, "limit": 11})[0] == estate
    # "10" matches numbers 101–104 and 110 + door in all three buildings
    expected = list(
        Unit.objects.filter(project=world.p1, number__contains="10")
        .order_by(*UNIT_ORDERING.names)
        .values_list("id", flat=True)
    )
    assert walk(api, "/units", {"q": "10", "limit": 4})[0] == expected


def test_walk_across_projects(api_as, world, estate):
    """admin sees p1 and p2: pages continue from the end of one project into the next."""
    f.UnitFactory.create_batch(9, building=world.b2)
    expected = list(
        Unit.objects.filter(project__company=world.company_a)
        .order_by(*UNIT_ORDERING.names)
        .values_list("id", flat=True)
    )

    seen, _ = walk(api_as("admin"), "/units", {"limit": 13})

    assert seen == expected and len(expected) == 120 + 10


def test_walk_other_lists(api_as, world):
    f.BuildingFactory.create_batch(12, project=world.p1)
    f.OccupantFactory.create_batch(12, project=world.p1, name="同名")  # equal names
    api = api_as("admin")

    buildings, _ = walk(api, "/buildings", {"limit": 5})
    occupants, _ = walk(api, "/occupants", {"limit": 5})
    projects, _ = walk(api, "/projects", {"limit": 1})

    assert buildings == ids(api.get("/buildings", {"limit": 200}))
    assert len(buildings) == 14
    assert occupants == ids(api.get("/occupants", {"limit": 200}))
    assert len(occupants) == 14
    assert projects == [world.p2.pk, world.p1.pk]


def test_a_deep_page_costs_the_same_queries_as_the_first(api_as, world, estate):
    api = api_as("manager")
    first = api.get("/units", {"limit": 10}).json()
    cursor = None
    for _ in range(8):  # page 9 of 12
        cursor = api.get("/units", {"limit": 10, **({"cursor": cursor} if cursor else {})}).json()[
            "next_cursor"
        ]

    with CaptureQueriesContext(connection) as on_first:
        api.get("/units", {"limit": 10})
    with CaptureQueriesContext(connection) as on_deep:
        deep = api.get("/units", {"limit": 10, "cursor": cursor}).json()

    assert len(on_deep) == len(on_first)
    assert len(deep["items"]) == 10 and deep["items"] != first["items"]
    # keyset, not OFFSET: the deep page seeks past the cursor row
    page_sql = on_deep.captured_queries[-1]["sql"]
    assert "OFFSET" not in page_sql.upper()
    assert '("places_unit"."building_id", "places_unit"."number", "places_unit"."id") >' in page_sql


def test_cursors_are_opaque_and_checked():
    row = {"project_id": 1, "building_id": 2, "number": "1-101", "id": 3}
    cursor = UNIT_ORDERING.encode(row)

    assert "1-101" not in cursor
    assert UNIT_ORDERING.decode(cursor) == [1, 2, "1-101", 3]
    for bad in [
        "",
        "!!",
        UNIT_ORDERING.encode({**row, "id": "3"}),
        UNIT_ORDERING.encode({**row, "id": True}),
    ]:
        with pytest.raises(InvalidCursor):
            UNIT_ORDERING.decode(bad)
