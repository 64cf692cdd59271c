"""A resident signs in on a phone and finds their unit."""

from __future__ import annotations

import pytest

from wuye.testing.factories import PASSWORD


@pytest.mark.browser
def test_resident_signs_in_on_a_phone_and_sees_their_unit(
    live_server, browser, phone_context_args, world
):
    context = browser.new_context(**phone_context_args, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/portal/")

        page.get_by_label("手机号").fill("13800001111")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/portal/")
        assert "您好" in page.inner_text("main")

        page.get_by_role("link", name="我的房屋").first.click()
        page.wait_for_url(f"{live_server.url}/portal/units/")

        card = page.locator("article.unit")
        assert card.count() == 1
        assert "1-101" in card.inner_text()
        assert "阳光新邸" in card.inner_text()
        # the layout fits the phone: nothing scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
