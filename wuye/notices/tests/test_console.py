"""Console screens of the notice board: list (pinned query count), forms, actions, poster."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.notices import services as s
from wuye.notices.models import Notice

from .conftest import at


def test_list_shows_the_notices_of_my_projects_with_read_counts(login, world, make_notice):
    mine = make_notice(title="p1 停水", publish=True)
    make_notice(title="p2 通知", actor=world.manager2, project=world.p2)
    s.notice_read_record(user=world.resident, notice=mine)
    response = login("manager").get(reverse("notices:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "p1 停水" in body and "p2 通知" not in body
    assert [n.read_count for n in response.context["page"]] == [1]
    assert "新建公告" in body  # the manager may write


def test_list_filters_by_project_category_and_state(login, world, make_notice):
    make_notice(title="收费标准", category="fees", publish=True)
    make_notice(title="停水", category="works")
    client = login("admin")
    url = reverse("notices:list")
    assert [n.title for n in client.get(url, {"category": "fees"}).context["page"]] == ["收费标准"]
    assert [n.title for n in client.get(url, {"state": "draft"}).context["page"]] == ["停水"]
    assert list(client.get(url, {"project": world.p2.pk}).context["page"]) == []


def test_read_only_staff_see_no_write_buttons(login, world, make_notice):
    notice = make_notice()
    client = login("tech")
    assert "新建公告" not in client.get(reverse("notices:list")).content.decode()
    body = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "发布" not in body.split("<main", 1)[1].split('class="card"', 1)[0]
    assert client.get(reverse("notices:create")).status_code == 403
    assert client.get(reverse("notices:edit", args=[notice.pk])).status_code == 403
    response = client.post(reverse("notices:action", args=[notice.pk, "publish"]))
    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.state == "draft"


@pytest.mark.parametrize("rows", [1, 15])
def test_list_query_count_does_not_grow(login, world, make_notice, django_assert_num_queries, rows):
    for i in range(rows):
        notice = make_notice(title=f"通知{i}", publish=i % 2 == 0)
        s.notice_read_record(user=world.resident, notice=notice)
    client = login("manager")
    client.get(reverse("notices:list"))  # the session exists from here on
    # session, user, scope, projects (switcher), count, page
    with django_assert_num_queries(6):
        response = client.get(reverse("notices:list"))
    assert len(response.context["page"]) == rows


def test_create_saves_a_draft_and_redirects(login, world):
    client = login("desk")
    response = client.get(reverse("notices:create"))
    assert response.status_code == 200
    response = client.post(
        reverse("notices:create"),
        {
            "project": world.p1.pk,
            "title": "春节放假通知",
            "category": "general",
            "body": "春节期间客服中心值班。\n\n24小时服务电话不变。",
            "starts_at": "2027-01-20T08:00",
            "ends_at": "",
            "pinned": "on",
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notices:detail", args=[notice.pk])
    assert (notice.state, notice.pinned, notice.project) == ("draft", True, world.p1)


def test_form_errors_are_shown_per_field_in_chinese(login, world):
    response = login("desk").post(
        reverse("notices:create"),
        {
            "project": world.p1.pk,
            "title": "",
            "category": "general",
            "body": "正文",
            "starts_at": "2027-01-20T08:00",
            "ends_at": "2027-01-19T08:00",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["title"] == ["此字段为必填项。"]
    response = login("desk").post(
        reverse("notices:create"),
        {
            "project": world.p1.pk,
            "title": "标题",
            "category": "general",
            "body": "正文",
            "starts_at": "2027-01-20T08:00",
            "ends_at": "2027-01-19T08:00",
        },
    )
    assert response.context["form"].errors["ends_at"] == ["结束时间必须晚于开始时间。"]
    assert not Notice.objects.exists()


def test_form_errors_in_english(login, world, client):
    login("desk")
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("notices:create"),
        {
            "project": world.p1.pk,
            "title": "Title",
            "category": "general",
            "body": "Body",
            "starts_at": "2027-01-20T08:00",
            "ends_at": "2027-01-19T08:00",
        },
    )
    assert response.context["form"].errors["ends_at"] == ["The end must be after the start."]


def test_a_project_outside_my_scope_is_not_a_choice(login, world):
    response = login("manager2").post(
        reverse("notices:create"),
        {"project": world.p1.pk, "title": "x", "category": "general", "body": "y"},
    )
    assert response.status_code == 200
    assert "project" in response.context["form"].errors
    assert not Notice.objects.exists()


def test_edit_changes_the_notice(login, world, make_notice):
    notice = make_notice(publish=True)
    client = login("desk")
    assert client.get(reverse("notices:edit", args=[notice.pk])).status_code == 200
    response = client.post(
        reverse("notices:edit", args=[notice.pk]),
        {"title": "3幢停水通知（延期）", "category": "works", "body": "改期。", "starts_at": ""},
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "3幢停水通知（延期）"
    assert notice.starts_at == at(-1)  # an empty start keeps the old one


def test_publish_withdraw_pin_buttons(login, world, make_notice):
    notice = make_notice()
    client = login("desk")
    detail = reverse("notices:detail", args=[notice.pk])
    for action, check in (
        ("publish", lambda n: n.state == "published"),
        ("pin", lambda n: n.pinned),
        ("unpin", lambda n: not n.pinned),
        ("withdraw", lambda n: n.state == "withdrawn"),
    ):
        response = client.post(reverse("notices:action", args=[notice.pk, action]))
        assert response.status_code == 302 and response["Location"] == detail
        notice.refresh_from_db()
        assert check(notice), action
    # a refused transition is a message, not an error page
    response = client.post(reverse("notices:action", args=[notice.pk, "withdraw"]), follow=True)
    assert "无法" in response.content.decode() or "不能" in response.content.decode()
    assert client.post(reverse("notices:action", args=[notice.pk, "explode"])).status_code == 404
    assert client.get(reverse("notices:action", args=[notice.pk, "publish"])).status_code == 405


def test_detail_shows_read_count_and_history(login, world, make_notice):
    notice = make_notice(publish=True)
    s.notice_read_record(user=world.resident, notice=notice)
    response = login("manager").get(reverse("notices:detail", args=[notice.pk]))
    body = response.content.decode()
    assert "1 位住户" in body
    assert "已发布" in body
    assert f"/portal/notices/{notice.pk}/" in body


@pytest.mark.parametrize("name", ["manager2", "admin_b"])
def test_another_projects_notice_is_404(login, world, make_notice, name):
    notice = make_notice()
    client = login(name)
    for url in (
        reverse("notices:detail", args=[notice.pk]),
        reverse("notices:edit", args=[notice.pk]),
        reverse("notices:poster", args=[notice.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("notices:action", args=[notice.pk, "publish"])).status_code == 404


def test_navigation_has_the_notice_board(login):
    body = login("tech").get(reverse("console:dashboard")).content.decode()
    assert reverse("notices:list") in body
    assert "公示栏" in body
