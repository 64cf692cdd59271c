"""The notice API: every response is checked against the OpenAPI document (``api_as``)."""

from __future__ import annotations

import pytest
import time_machine

from wuye.api.tests.conftest import ids
from wuye.notices import services as s
from wuye.notices.models import Notice, NoticeRead
from wuye.testing import factories as f

from .conftest import T0, at


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def board(world, make_notice):
    """p1: published, draft, expired; p2 and p3: one published each."""
    return {
        "published": make_notice(title="停水", publish=True),
        "draft": make_notice(title="草稿"),
        "expired": make_notice(title="过期", starts_at=at(-9), ends_at=at(-1), publish=True),
        "p2": make_notice(title="p2", actor=world.manager2, project=world.p2, publish=True),
        "p3": make_notice(title="p3", actor=world.admin_b, project=world.p3, publish=True),
    }


def test_staff_list_their_projects_notices_in_every_state(frozen, api_as, board):
    response = api_as("manager").get("/notices")
    assert response.status_code == 200
    assert set(ids(response)) == {board[k].pk for k in ("published", "draft", "expired")}
    item = next(i for i in response.json()["items"] if i["id"] == board["published"].pk)
    assert item["project_name"] == "阳光新邸" and item["read_count"] == 0
    assert set(ids(api_as("admin").get("/notices"))) == {
        board[k].pk for k in ("published", "draft", "expired", "p2")
    }
    assert ids(api_as("admin_b").get("/notices")) == [board["p3"].pk]
    assert ids(api_as("outsider").get("/notices")) == []


def test_filters(frozen, api_as, board, make_notice):
    fees = make_notice(title="收费标准", category="fees", publish=True)
    client = api_as("admin")
    assert ids(client.get("/notices", {"category": "fees"})) == [fees.pk]
    assert ids(client.get("/notices", {"state": "draft"})) == [board["draft"].pk]
    assert ids(client.get("/notices", {"project_id": board["p2"].project_id})) == [board["p2"].pk]
    response = client.get("/notices", {"category": "gossip"})
    assert response.status_code == 422
    assert "category" in response.json()["error"]["fields"]


def test_residents_get_only_published_in_window_notices_of_their_projects(frozen, api_as, board):
    response = api_as("resident").get("/notices")
    assert ids(response) == [board["published"].pk]
    assert response.json()["items"][0]["read_count"] is None  # not for residents
    # a state filter cannot widen what a resident sees
    assert ids(api_as("resident").get("/notices", {"state": "draft"})) == []


def test_cursor_pagination_walks_every_notice_once(frozen, api_as, world, make_notice):
    made = [make_notice(title=f"通知{i}") for i in range(5)]
    made += [make_notice(title=f"p2-{i}", actor=world.manager2, project=world.p2) for i in range(3)]
    client = api_as("admin")
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/notices", params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(n.pk for n in made) and len(seen) == len(set(seen))
    assert client.get("/notices", {"cursor": "%%%"}).status_code == 422


@pytest.mark.parametrize("rows", [1, 10])
def test_list_query_count_is_constant(
    frozen, api_as, world, make_notice, django_assert_num_queries, rows
):
    for i in range(rows):
        make_notice(title=f"通知{i}", publish=True)
    client = api_as("manager")
    # token with its user, scope, the resident's projects, the page
    with django_assert_num_queries(4):
        response = client.get("/notices")
    assert len(response.json()["items"]) == rows


def test_detail_for_staff_and_residents(frozen, api_as, board):
    notice = board["published"]
    staff = api_as("manager").get(f"/notices/{notice.pk}")
    assert staff.status_code == 200 and staff.json()["title"] == "停水"
    resident = api_as("resident")
    for _ in range(2):
        response = resident.get(f"/notices/{notice.pk}")
        assert response.status_code == 200 and response.json()["read_count"] is None
    assert NoticeRead.objects.filter(notice=notice).count() == 1  # counted once
    assert api_as("manager").get(f"/notices/{notice.pk}").json()["read_count"] == 1
    for key in ("draft", "expired", "p2", "p3"):
        assert resident.get(f"/notices/{board[key].pk}").status_code == 404, key
    for name in ("manager2", "admin_b", "outsider"):
        assert api_as(name).get(f"/notices/{notice.pk}").status_code == 404


def test_create_update_publish_withdraw(frozen, api_as, world):
    client = api_as("desk")
    response = client.post(
        "/notices",
        {
            "project_id": world.p1.pk,
            "title": "电梯维保",
            "body": "1幢电梯维保。",
            "category": "works",
            "starts_at": "2026-12-03T08:00:00",
            "pinned": True,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "draft" and body["pinned"] is True
    assert body["starts_at"] == "2026-12-03T00:00:00Z"  # no offset sent: Shanghai time
    pk = body["id"]
    response = client.patch(f"/notices/{pk}", {"title": "电梯维保（改期）", "ends_at": None})
    assert response.status_code == 200 and response.json()["title"] == "电梯维保（改期）"
    response = client.post(f"/notices/{pk}/publish", {"note": "审核通过"})
    assert response.status_code == 200 and response.json()["state"] == "published"
    response = client.post(f"/notices/{pk}/publish", {})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    response = client.post(f"/notices/{pk}/withdraw", {})
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    assert client.post(f"/notices/{pk}/withdraw", {}).status_code == 409
    assert Notice.objects.get(pk=pk).events.count() == 4  # created, updated, published, withdrawn


def test_field_level_errors(frozen, api_as, world):
    client = api_as("desk", language="en")
    response = client.post(
        "/notices",
        {
            "project_id": world.p1.pk,
            "title": " ",
            "body": "正文",
            "starts_at": "2026-12-03T08:00:00+08:00",
            "ends_at": "2026-12-02T08:00:00+08:00",
        },
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"title", "ends_at"}
    assert fields["ends_at"] == ["The end must be after the start."]
    response = api_as("desk").post(
        "/notices", {"project_id": world.p3.pk, "title": "x", "body": "y"}
    )
    assert response.status_code == 422
    assert "project_id" in response.json()["error"]["fields"]
    response = client.patch("/notices/1", {"colour": "red"})
    assert response.status_code in (404, 422)


def test_writing_needs_the_capability(frozen, api_as, world, board):
    tech = api_as("tech")
    response = tech.post("/notices", {"project_id": world.p1.pk, "title": "x", "body": "y"})
    assert response.status_code == 403
    assert tech.post(f"/notices/{board['draft'].pk}/publish", {}).status_code == 403
    assert tech.patch(f"/notices/{board['draft'].pk}", {"pinned": True}).status_code == 403
    resident = api_as("resident")
    assert resident.post(f"/notices/{board['published'].pk}/withdraw", {}).status_code == 404


def test_anonymous_gets_401(anon_api, world):
    assert anon_api.get("/notices").status_code == 401


def test_a_resident_of_another_project_sees_nothing_of_p1(frozen, api_as, world, board):
    other = f.UserFactory.create(username="resident_b", mobile="13800003333")
    world.occupant3.user = other
    world.occupant3.save(update_fields=["user"])
    from django.test import Client

    from wuye.accounts.tokens import token_create
    from wuye.api.tests.conftest import ApiClient

    client = ApiClient(Client(), token_create(user=other)[1])
    assert ids(client.get("/notices")) == [board["p3"].pk]
    assert client.get(f"/notices/{board['published'].pk}").status_code == 404
    s.notice_withdraw(actor=world.admin_b, notice=board["p3"])
    assert ids(client.get("/notices")) == []
