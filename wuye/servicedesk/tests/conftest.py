"""Helpers for the ticket tests: a working Tuesday morning in Shanghai and a quick register."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wuye.servicedesk.models import Ticket, TicketKind
from wuye.servicedesk.services import ticket_register

TZ = ZoneInfo("Asia/Shanghai")
#: Tuesday 24 November 2026, 10:00 — an ordinary working day.
T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def clocks(ticket: Ticket) -> dict[str, object]:
    return {c.kind: c for c in ticket.clocks.all()}


def codes(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("at", "id").values_list("code", flat=True))


@pytest.fixture
def register(world):
    def _register(**kwargs) -> Ticket:
        defaults = {
            "actor": world.desk,
            "project": world.p1,
            "kind": TicketKind.REPAIR_UNIT,
            "unit": world.u1,
            "reporter": world.occupant1,
            "description": "Kitchen tap leaks",
            "now": T0,
        }
        return ticket_register(**{**defaults, **kwargs})

    return _register
