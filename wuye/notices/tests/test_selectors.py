"""Scoping of the notice reads: staff per project, residents per home, the window."""

from __future__ import annotations

import pytest
from django.http import Http404

from wuye.notices import selectors as sel
from wuye.notices import services as s
from wuye.testing import factories as f

from .conftest import at


@pytest.fixture
def notices(world, make_notice):
    p1 = make_notice(title="p1 通知", publish=True)
    p2 = make_notice(title="p2 通知", actor=world.manager2, project=world.p2, publish=True)
    p3 = make_notice(title="p3 通知", actor=world.admin_b, project=world.p3)
    return p1, p2, p3


@pytest.mark.parametrize(
    ("name", "titles"),
    [
        ("admin", {"p1 通知", "p2 通知"}),
        ("manager", {"p1 通知"}),
        ("tech", {"p1 通知"}),
        ("district", {"p1 通知"}),
        ("manager2", {"p2 通知"}),
        ("admin_b", {"p3 通知"}),
        ("outsider", set()),
        ("resident", set()),
    ],
)
def test_staff_see_their_projects_notices(world, notices, name, titles):
    assert {n.title for n in sel.notice_list(user=world.users[name])} == titles


def test_staff_filters(world, notices, make_notice):
    make_notice(title="收费标准", category="fees")
    qs = sel.notice_list(user=world.admin, project_id=world.p1.pk, category="fees")
    assert [n.title for n in qs] == ["收费标准"]
    assert [n.title for n in sel.notice_list(user=world.admin, state="draft")] == ["收费标准"]
    assert [n.title for n in sel.notice_list(user=world.admin, q="p2")] == ["p2 通知"]


def test_access_notice_is_404_outside_the_scope(world, notices):
    p1, _, _ = notices
    assert sel.access_notice(world.manager, p1.pk) == p1
    for name in ("manager2", "admin_b", "outsider", "resident"):
        with pytest.raises(Http404):
            sel.access_notice(world.users[name], p1.pk)
    with pytest.raises(Http404):
        sel.access_notice(world.manager, 999999)


def test_read_count_counts_distinct_residents(world, notices):
    p1, _, _ = notices
    other = f.UserFactory.create(username="neighbour")
    s.notice_read_record(user=world.resident, notice=p1)
    s.notice_read_record(user=world.resident, notice=p1)
    s.notice_read_record(user=other, notice=p1)
    assert sel.access_notice(world.manager, p1.pk).read_count == 2  # type: ignore[attr-defined]


def test_residents_see_published_in_window_notices_of_their_projects(world, make_notice, notices):
    make_notice(title="草稿")
    make_notice(title="未开始", starts_at=at(5), publish=True)
    make_notice(title="已过期", starts_at=at(-10), ends_at=at(-0.5), publish=True)
    withdrawn = make_notice(title="已撤回", publish=True)
    s.notice_withdraw(actor=world.desk, notice=withdrawn)
    make_notice(title="置顶", pinned=True, starts_at=at(-5), publish=True)
    make_notice(title="最新", starts_at=at(-0.5), publish=True)
    board = sel.resident_notice_list(user=world.resident, now=at(0))
    assert [n.title for n in board] == ["置顶", "最新", "p1 通知"]
    # the window opens and closes on time
    assert "未开始" in [n.title for n in sel.resident_notice_list(user=world.resident, now=at(5))]


def test_resident_access_is_404_for_anything_not_on_their_board(world, notices, make_notice):
    p1, p2, p3 = notices
    draft = make_notice(title="草稿")
    assert sel.resident_access_notice(world.resident, p1.pk, now=at(0)) == p1
    for notice in (p2, p3, draft):
        with pytest.raises(Http404):
            sel.resident_access_notice(world.resident, notice.pk, now=at(0))
    with pytest.raises(Http404):
        sel.resident_access_notice(world.outsider, p1.pk, now=at(0))


def test_a_resident_who_moved_out_no_longer_sees_the_board(world, notices):
    world.occupant1.occupancies.update(end_date="2026-11-30")
    assert list(sel.resident_notice_list(user=world.resident, now=at(0))) == []


def test_disclosures_group_the_three_categories(world, make_notice, django_assert_num_queries):
    make_notice(title="物业费标准", category="fees", publish=True)
    make_notice(title="保洁标准", category="service", publish=True)
    make_notice(title="装修办理流程", category="procedures", publish=True)
    make_notice(title="普通通知", category="general", publish=True)
    with django_assert_num_queries(2):
        data = sel.resident_disclosures(user=world.resident, project_id=world.p1.pk, now=at(0))
    assert data.project == world.p1
    assert [(x.category.value, [n.title for n in x.notices]) for x in data.sections] == [
        ("fees", ["物业费标准"]),
        ("service", ["保洁标准"]),
        ("procedures", ["装修办理流程"]),
    ]
    with pytest.raises(Http404):
        sel.resident_disclosures(user=world.resident, project_id=world.p3.pk, now=at(0))
