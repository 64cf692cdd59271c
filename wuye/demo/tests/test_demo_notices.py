"""``wuye demo`` fills every demo project's notice board (公示栏), once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wuye.accounts.models import User
from wuye.demo.services import demo_load
from wuye.notices.models import Notice, NoticeEvent
from wuye.notices.selectors import resident_disclosures, resident_notice_list

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db):
    return demo_load(tickets=False, now=NOW)


def test_each_demo_project_gets_its_board(demo):
    sunshine = Notice.objects.filter(project__code="sunshine")
    assert sunshine.count() == 7
    assert set(sunshine.values_list("category", flat=True)) == {
        "works",
        "general",
        "fees",
        "service",
        "procedures",
    }
    outage = sunshine.get(title="二次供水设备检修临时停水通知")
    assert (outage.state, outage.pinned, outage.category) == ("published", True, "works")
    assert sunshine.get(title__contains="草稿").state == "draft"
    assert NoticeEvent.objects.filter(code="notices.notice.published").exists()
    assert Notice.objects.values("project").distinct().count() >= 4


def test_the_demo_resident_sees_the_pinned_outage_first(demo):
    resident = User.objects.get(username="resident")
    board = list(resident_notice_list(user=resident, now=NOW))
    assert board[0].title == "二次供水设备检修临时停水通知"
    assert "春节期间电梯维保安排（草稿）" not in [n.title for n in board]
    project = board[0].project
    sections = resident_disclosures(user=resident, project_id=project.pk, now=NOW).sections
    assert all(section.notices for section in sections)


def test_running_the_demo_again_adds_no_notice(demo):
    before = Notice.objects.count()
    again = demo_load(tickets=False, now=NOW + dt.timedelta(days=1))
    assert again.created["notice"] == 0
    assert Notice.objects.count() == before
