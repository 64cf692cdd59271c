"""Query budgets: every list page costs the same number of queries for 5 rows or 30."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.accounts.models import Membership, Role
from wuye.testing import factories as f


def _projects(world, n):
    for i in range(n):
        project = f.ProjectFactory(company=world.company_a, name=f"项目{i:02d}")
        f.BuildingFactory(project=project)


def _buildings(world, n):
    for i in range(n):
        f.UnitFactory(building=f.BuildingFactory(project=world.p1, name=f"{i + 2}幢"))


def _units(world, n):
    building = f.BuildingFactory(project=world.p1, name="测试楼")
    for i in range(n):
        unit = f.UnitFactory(building=building, number=f"T-{i:03d}")
        occupant = f.OccupantFactory(project=world.p1, mobile=f"1370000{i:04d}")
        f.OccupancyFactory(unit=unit, occupant=occupant)
        f.OccupancyFactory(
            unit=unit, occupant=f.OccupantFactory(project=world.p1), relation="family"
        )


def _occupants(world, n):
    for i in range(n):
        occupant = f.OccupantFactory(project=world.p1)
        f.OccupancyFactory(
            unit=f.UnitFactory(building=world.b1, number=f"O-{i:03d}"), occupant=occupant
        )


def _staff(world, n):
    for i in range(n):
        Membership.objects.create(
            user=f.UserFactory(username=f"staff{i:02d}"),
            role=Role.SECURITY,
            project=world.p1,
            company=world.company_a,
        )


# (url name, query params, data builder, user, queries)
# Every page pays: session, user, memberships (scope), the switcher's project list.
# company admins also pay one query for their company's projects.
CASES = {
    "dashboard": ("console:dashboard", {}, _projects, "admin", 5),
    "projects": ("console:project-list", {}, _projects, "admin", 6),
    "buildings": ("console:building-list", {}, _buildings, "manager", 6),
    # units: + the building filter's choices, count, page, current occupants (one prefetch)
    "units": ("console:unit-list", {}, _units, "desk", 8),
    "units-search": ("console:unit-list", {"q": "测试楼"}, _units, "desk", 8),
    "units-htmx": ("console:unit-list", {"q": "T-0"}, _units, "desk", 8),
    "occupants": ("console:occupant-list", {"kind": "person"}, _occupants, "desk", 7),
    "staff": ("console:staff-list", {}, _staff, "manager", 6),
}


@pytest.mark.parametrize("rows", [5, 30])
@pytest.mark.parametrize("case", sorted(CASES))
def test_list_query_count_does_not_grow_with_rows(
    login, world, django_assert_num_queries, case, rows
):
    name, params, build, user, expected = CASES[case]
    build(world, rows)
    client = login(user)
    headers = {"HX-Request": "true", "HX-Target": "unit-results"} if case == "units-htmx" else {}
    client.get(reverse("console:dashboard"))  # the session exists from here on
    with django_assert_num_queries(expected):
        response = client.get(reverse(name), params, headers=headers)
    assert response.status_code == 200
    assert (
        len(
            response.context["page"] if "page" in response.context else response.context["projects"]
        )
        >= 5
    )
