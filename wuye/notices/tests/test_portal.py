"""The notice board in the resident portal: window, pinned order, reads, 三公开, 404s."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from wuye.notices import services as s
from wuye.notices.models import NoticeRead

from .conftest import T0, at


def test_home_links_the_board_and_the_disclosures(login, world):
    body = login("resident").get(reverse("portal:home")).content.decode()
    assert reverse("portal:notice-list") in body
    assert "公示栏" in body
    assert reverse("portal:disclosures", args=[world.p1.pk]) in body
    assert "三公开" in body


@time_machine.travel(T0, tick=False)
def test_board_shows_published_in_window_notices_pinned_first(login, world, make_notice):
    make_notice(title="草稿")
    make_notice(title="将来", starts_at=at(3), publish=True)
    make_notice(title="过期", starts_at=at(-9), ends_at=at(-1), publish=True)
    make_notice(title="旧的置顶", pinned=True, starts_at=at(-8), publish=True)
    make_notice(title="新的", starts_at=at(-0.5), publish=True)
    make_notice(title="别处", actor=world.admin_b, project=world.p3, publish=True)
    response = login("resident").get(reverse("portal:notice-list"))
    assert [n.title for n in response.context["notices"]] == ["旧的置顶", "新的"]
    body = response.content.decode()
    assert "草稿" not in body and "将来" not in body and "别处" not in body


@time_machine.travel(T0, tick=False)
def test_detail_counts_one_read_per_resident(login, world, make_notice):
    notice = make_notice(publish=True)
    client = login("resident")
    for _ in range(3):
        response = client.get(reverse("portal:notice-detail", args=[notice.pk]))
        assert response.status_code == 200
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    body = response.content.decode()
    assert "3幢停水通知" in body
    assert "<p>请提前储水。</p>" in body  # paragraphs


@time_machine.travel(T0, tick=False)
def test_body_is_plain_text_never_html(login, world, make_notice):
    notice = make_notice(body="<script>alert(1)</script>\n\n<b>粗体</b>", publish=True)
    body = login("resident").get(reverse("portal:notice-detail", args=[notice.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


@time_machine.travel(T0, tick=False)
def test_notices_not_on_my_board_are_404(login, world, make_notice):
    draft = make_notice(title="草稿")
    gone = make_notice(title="过期", starts_at=at(-9), ends_at=at(-1), publish=True)
    withdrawn = s.notice_withdraw(actor=world.desk, notice=make_notice(publish=True))
    elsewhere = make_notice(actor=world.admin_b, project=world.p3, publish=True)
    client = login("resident")
    for notice in (draft, gone, withdrawn, elsewhere):
        response = client.get(reverse("portal:notice-detail", args=[notice.pk]))
        assert response.status_code == 404, notice.title
    assert client.get(reverse("portal:disclosures", args=[world.p3.pk])).status_code == 404
    assert not NoticeRead.objects.exists()


@time_machine.travel(T0, tick=False)
def test_disclosures_page_lists_the_three_and_the_phone(login, world, make_notice):
    make_notice(title="物业服务费收费标准", category="fees", publish=True)
    make_notice(title="装修办理流程", category="procedures", publish=True)
    make_notice(title="停水", category="works", publish=True)
    body = login("resident").get(reverse("portal:disclosures", args=[world.p1.pk])).content.decode()
    assert "物业服务费收费标准" in body and "装修办理流程" in body and "停水" not in body
    assert "收费标准" in body and "服务内容与标准" in body and "办事流程" in body
    assert world.p1.service_phone in body
    assert f'href="tel:{world.p1.service_phone}"' in body


def test_a_poster_scan_without_signing_in_asks_to_sign_in_then_shows_the_notice(
    client, world, make_notice
):
    notice = make_notice(publish=True)
    url = reverse("portal:notice-detail", args=[notice.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert "next=" in response["Location"]
    response = client.post(
        response["Location"],
        {"action": "password", "mobile": "13800001111", "password": "test-pass-9d8c7b"},
    )
    assert response.status_code == 302 and response["Location"] == url


def test_staff_are_not_residents_here(login, world, make_notice):
    notice = make_notice(publish=True)
    assert (
        login("manager").get(reverse("portal:notice-detail", args=[notice.pk])).status_code == 403
    )


@time_machine.travel(T0, tick=False)
def test_the_pages_speak_english_when_asked(login, world, make_notice):
    notice = make_notice(title="Water off in building 3", category="fees", publish=True)
    client = login("resident")
    client.cookies["django_language"] = "en"
    home = client.get(reverse("portal:home")).content.decode()
    assert "Notice board" in home and "Three disclosures" in home
    board = client.get(reverse("portal:notice-list")).content.decode()
    assert "Fee standards" in board and "公示栏" not in board
    detail = client.get(reverse("portal:notice-detail", args=[notice.pk])).content.decode()
    assert "Valid from" in detail
    page = client.get(reverse("portal:disclosures", args=[world.p1.pk])).content.decode()
    assert "Service content and standards" in page and "Nothing is published here yet." in page
