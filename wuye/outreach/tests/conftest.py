"""Outreach test helpers: Shanghai times, occupants in the standard world, notification keys."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wuye.api.tests.conftest import anon_api, api_as  # noqa: F401  (fixtures)
from wuye.messaging.models import ContactPreference, Notification
from wuye.places.models import Occupancy, Occupant
from wuye.testing import factories as f

TZ = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def keys(source: str) -> list[str]:
    return sorted(Notification.objects.filter(source=source).values_list("dedupe_key", flat=True))


def statuses(source: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for status in Notification.objects.filter(source=source).values_list("status", flat=True):
        out[status] = out.get(status, 0) + 1
    return out


@pytest.fixture
def resident(world):
    """``resident(unit, name=..., relation=..., **occupant fields)``: a current occupant."""

    def make(
        unit=None, *, relation="owner", start=dt.date(2024, 1, 1), end=None, **fields
    ) -> Occupant:
        unit = unit or world.u1
        fields.setdefault("mobile", f"1390000{Occupant.objects.count():04d}")
        occupant = f.OccupantFactory.create(project=unit.project, **fields)
        Occupancy.objects.create(
            occupant=occupant, unit=unit, relation=relation, start_date=start, end_date=end
        )
        return occupant

    return make


@pytest.fixture
def opt_out():
    def make(occupant: Occupant, *, greetings: bool = False, marketing: bool = False) -> None:
        ContactPreference.objects.create(
            occupant=occupant, opt_out_greetings=greetings, opt_out_marketing=marketing
        )

    return make
