"""A resident on a phone opens the notice board from the portal home and reads the pinned
notice."""

from __future__ import annotations

import pytest

from wuye.notices.models import NoticeRead
from wuye.testing.factories import PASSWORD


@pytest.mark.browser
def test_resident_reads_the_pinned_notice_on_a_phone(
    live_server, browser, phone_context_args, world, make_notice
):
    make_notice(title="元旦假期服务安排", category="general", publish=True)
    pinned = make_notice(
        title="3幢临时停水通知",
        body="12月5日9:00至17:00停水。\n\n请提前储水。",
        pinned=True,
        starts_at=None,
        publish=True,
    )
    context = browser.new_context(**phone_context_args, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/portal/")
        page.get_by_label("手机号").fill("13800001111")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/portal/")

        page.get_by_role("link", name="公示栏").first.click()
        page.wait_for_url(f"{live_server.url}/portal/notices/")
        cards = page.locator("a.notice-card")
        assert cards.count() == 2
        first = cards.first
        assert "3幢临时停水通知" in first.inner_text() and "置顶" in first.inner_text()
        assert page.get_by_role("link", name="三公开").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        first.click()
        page.wait_for_url(f"{live_server.url}/portal/notices/{pinned.pk}/")
        article = page.locator("article.bulletin")
        assert "3幢临时停水通知" in article.inner_text()
        assert "请提前储水。" in article.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert NoticeRead.objects.filter(notice=pinned, user=world.resident).count() == 1
    finally:
        context.close()
