"""One end-to-end walk through the console in headless Chromium."""

from __future__ import annotations

import pytest

from wuye.testing import factories as f
from wuye.testing.factories import PASSWORD
from wuye.testing.world import build_world


@pytest.fixture
def browser_context_args(browser_context_args):
    # a Chinese-speaking desk clerk's browser
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_desk_finds_a_unit_by_phone_tail_and_switches_to_english(live_server, page, tmp_path):
    world = build_world()
    f.UnitFactory(building=world.b1, number="1-102")  # a unit the search must leave out
    try:
        # the desk clerk signs in
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "desk")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/console/")
        assert page.locator(".sidenav").get_by_text("工作台").is_visible()

        # searches the units by the caller's phone tail: the list narrows as she types
        page.click(".sidenav >> text=房屋")
        page.wait_for_url("**/console/units/")
        results = page.locator("#unit-results")
        assert results.get_by_text("1-102").is_visible()
        page.fill("input[name=q]", "1111")
        results.get_by_text("1-102").wait_for(state="detached")
        assert results.get_by_role("link", name="1-101").is_visible()
        assert results.get_by_text("138****1111").is_visible()

        # and switches the console to English
        page.select_option("#language-switch", "en")
        page.wait_for_load_state()
        nav = page.locator(".sidenav")
        nav.get_by_role("link", name="Dashboard").wait_for()
        assert nav.get_by_role("link", name="Units").is_visible()
        assert nav.get_by_role("link", name="Occupants").is_visible()
        assert page.locator("html").get_attribute("lang") == "en"
    except Exception:
        shot = tmp_path / "console-failure.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
        raise
