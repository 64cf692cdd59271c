"""The report page in headless Chromium: the filters swap the figures in place (htmx)."""

from __future__ import annotations

import pytest
import time_machine

from wuye.servicedesk.tests.test_reports import NOW, build_scenario
from wuye.testing.factories import PASSWORD
from wuye.testing.world import build_world


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def wired(page):
    """Wait until htmx has wired up the (swapped-in) filter form: a change made in the few
    milliseconds before that would send no request."""
    page.wait_for_function(
        "(() => { const f = document.querySelector('form.filters');"
        " const d = f && f['htmx-internal-data']; return !!(d && d.initHash); })()"
    )


def test_the_manager_filters_the_reports_in_place(live_server, page):
    with time_machine.travel(NOW, tick=True):
        world = build_world()
        build_scenario(world)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/console/")

        page.goto(f"{live_server.url}/console/desk/reports/")
        same_day = page.locator("[data-figure=same-day-rate]")
        assert same_day.inner_text() == "66.7%"
        scope = page.locator("#report-scope")
        assert "2026-11-01 – 2026-11-30" in scope.inner_text()

        # choosing a kind swaps the figures without a page load
        page.evaluate("window.__marker = 1")
        wired(page)
        page.select_option("select[name=kind]", "complaint")
        page.wait_for_function(
            "document.querySelector('[data-figure=same-day-rate]').innerText === '—'"
        )
        assert page.evaluate("window.__marker") == 1
        assert "kind=complaint" in page.url

        # the date fields show the preset's dates; editing one applies custom dates at once
        wired(page)
        page.select_option("select[name=kind]", "")
        page.wait_for_function(
            "document.querySelector('[data-figure=same-day-rate]').innerText === '66.7%'"
        )
        assert page.locator("input[name=date_from]").input_value() == "2026-11-01"
        wired(page)
        page.fill("input[name=date_from]", "2026-11-25")
        page.wait_for_function(
            "document.querySelector('#report-scope').innerText.includes('2026-11-25 – 2026-11-30')"
        )
        assert page.locator("select[name=period]").input_value() == "custom"
        wired(page)
        page.fill("input[name=date_to]", "2026-11-25")
        page.wait_for_function(
            "document.querySelector('#report-scope').innerText.includes('2026-11-25 – 2026-11-25')"
        )
        # B was done on the 25th, a day late: the only same-day clock stopped that day
        assert page.locator("[data-figure=same-day-rate]").inner_text() == "0.0%"
        # and a preset again
        wired(page)
        page.select_option("select[name=period]", "last_week")
        page.wait_for_function(
            "document.querySelector('#report-scope').innerText.includes('2026-11-23 – 2026-11-29')"
        )
        assert page.evaluate("window.__marker") == 1
