"""Scope rules: who sees which project."""

from __future__ import annotations

import pytest
from django.http import Http404

from wuye.accounts.access import (
    Capability,
    access_unit,
    resident_units,
    scope_for,
    visible_projects,
)


def names(qs):
    return sorted(p.code for p in qs)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("admin", ["sunshine", "tower"]),
        ("admin_b", ["beta-home"]),
        ("manager", ["sunshine"]),
        ("desk", ["sunshine"]),
        ("tech", ["sunshine"]),
        ("manager2", ["tower"]),
        ("district", ["sunshine"]),
        ("resident", []),
        ("outsider", []),
    ],
)
def test_visible_projects_per_role(world, user, expected):
    assert names(visible_projects(world.users[user])) == expected


def test_cross_scope_unit_is_404_same_as_missing(world):
    with pytest.raises(Http404):
        access_unit(world.manager2, world.u1.pk)
    with pytest.raises(Http404):
        access_unit(world.manager2, 999_999)
    assert access_unit(world.manager, world.u1.pk) == world.u1


def test_capabilities_follow_role(world):
    p1 = world.p1.pk
    assert scope_for(world.manager).can(p1, Capability.VIEW_PERSONAL_DATA)
    assert scope_for(world.desk).can(p1, Capability.VIEW_PERSONAL_DATA)
    assert not scope_for(world.tech).can(p1, Capability.VIEW_PERSONAL_DATA)
    assert not scope_for(world.district).can(p1, Capability.MANAGE_PLACES)


def test_resident_sees_only_own_units(world):
    assert list(resident_units(world.resident)) == [world.u1]
    assert list(resident_units(world.outsider)) == []
