"""Helpers of the notice tests: a fixed clock and a quick notice maker."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wuye.api.tests.conftest import anon_api, api_as  # noqa: F401  (fixtures)
from wuye.notices import services
from wuye.notices.models import Notice

TZ = ZoneInfo("Asia/Shanghai")
#: Wednesday 2 December 2026, 10:00 in Shanghai.
T0 = dt.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture
def make_notice(world):
    """``make_notice(title=..., publish=True, ...)``: a p1 notice written by the desk."""

    def _make(*, publish: bool = False, actor=None, project=None, **kwargs) -> Notice:
        actor = actor or world.desk
        defaults = {
            "title": "3幢停水通知",
            "body": "因设备检修，3幢停水。\n\n请提前储水。",
            "category": "works",
            "starts_at": at(-1),
            "now": at(-2),
        }
        notice = services.notice_create(
            actor=actor, project=project or world.p1, **{**defaults, **kwargs}
        )
        if publish:
            notice = services.notice_publish(actor=actor, notice=notice, now=at(-1))
        return notice

    return _make
