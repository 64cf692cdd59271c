"""Fixtures for console view tests."""

from __future__ import annotations

import pytest

from wuye.testing import factories as f


@pytest.fixture
def populate(world):
    """``populate(n)`` adds ``n`` units to p1, each with one current occupant."""

    def _populate(n: int) -> None:
        building = f.BuildingFactory(project=world.p1, name="测试楼")
        for i in range(n):
            unit = f.UnitFactory(building=building, number=f"T-{i:03d}")
            f.OccupancyFactory(unit=unit, occupant=f.OccupantFactory(project=world.p1))

    return _populate
