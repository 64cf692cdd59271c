"""The service desk end to end, in headless Chromium (issue 3, "Done when"):

a resident reports a leak with a photo in the portal on a phone, the desk dispatches it in
the console, the technician accepts, arrives, works and completes it on a phone-sized screen
(with a photo of the result), the desk records the return visit, and the resident's ticket
page shows the whole timeline.

Console steps find their controls by the language-neutral hooks of the desk and technician
templates (``#form-dispatch``, ``data-action="accept"``, form field names); the portal
steps by what a resident reads (Chinese labels).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.urls import reverse

from wuye.servicedesk.models import Category, Ticket
from wuye.testing.factories import PASSWORD
from wuye.testing.world import build_world

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _photo(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


def _state(ticket: Ticket, expected: str, timeout: float = 5.0) -> None:
    """Wait until the stored ticket reaches ``expected`` (the page has redirected by then;
    this only absorbs the live server's thread finishing its response)."""
    deadline = time.monotonic() + timeout
    while True:
        ticket.refresh_from_db()
        if ticket.state == expected or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert ticket.state == expected


def _staff_login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/**")


def _open_panel(page: Any, action: str) -> None:
    """Open an action's panel (a ``<details>``) unless the page opened it already."""
    panel = page.locator(f"#action-{action}")
    if panel.get_attribute("open") is None:
        panel.locator(f"summary[data-action={action}]").click()


def _shot(page: Any, tmp_path: Any, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_leak_from_report_to_return_visit(
    live_server, browser, phone_context_args, private_storage, tmp_path
):
    world = build_world()
    water, _ = Category.objects.get_or_create(
        project=world.p1, code="water", defaults={"name": "给排水"}
    )
    base = live_server.url
    resident = browser.new_context(**phone_context_args, locale="zh-CN")
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    tech = browser.new_context(**phone_context_args, locale="zh-CN")
    page = resident.new_page()
    current = page
    try:
        # --- the resident reports a leak with a photo, on their phone ----------------------
        page.goto(f"{base}/portal/")
        page.get_by_label("手机号").fill("13800001111")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/portal/")

        page.get_by_role("link", name="报事报修").first.click()
        page.wait_for_url(f"{base}{reverse('portal:ticket-report')}")
        page.get_by_text("户内报修").click()
        page.get_by_label("类别").select_option(label=water.name)
        page.get_by_label("问题描述").fill("卫生间漏水，楼下天花板在滴水")
        page.set_input_files("input[name=photos]", files=[_photo("leak.png")])
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="提交").click()
        page.wait_for_url(f"{base}/portal/tickets/*/")

        ticket = Ticket.objects.get()
        assert (ticket.reporter, ticket.channel, ticket.category) == (
            world.occupant1,
            "portal",
            water,
        )
        assert "已提交" in page.inner_text(".flash")
        photo = page.locator("#photos img").first
        photo.wait_for()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
        )

        # --- the desk dispatches it to the technician in the console -----------------------
        current = desk_page = desk.new_page()
        _staff_login(desk_page, base, "desk")
        desk_page.goto(f"{base}{reverse('desk:ticket-list')}")
        desk_page.get_by_role("link", name=ticket.number).click()
        desk_page.wait_for_url(f"{base}{reverse('desk:ticket-detail', args=[ticket.pk])}")
        dispatch = desk_page.locator("#form-dispatch")
        dispatch.locator("select[name=dispatch-assignee]").select_option(str(world.tech.pk))
        dispatch.locator("button[type=submit]").click()
        desk_page.wait_for_load_state()
        _state(ticket, "dispatched")

        # --- the technician works it on a phone-sized screen -------------------------------
        current = tech_page = tech.new_page()
        _staff_login(tech_page, base, "tech")
        tech_page.goto(f"{base}{reverse('desk:my-orders')}")
        tech_page.locator(".order-link", has_text=ticket.number).click()
        tech_page.wait_for_url(f"{base}{reverse('desk:my-ticket', args=[ticket.pk])}")
        for action, state in (
            ("accept", "accepted"),
            ("arrive", "arrived"),
            ("start", "in_progress"),
        ):
            tech_page.locator(f"button[data-action={action}]").click()
            tech_page.wait_for_load_state()
            _state(ticket, state)
        _open_panel(tech_page, "complete")
        complete = tech_page.locator("#form-complete")
        complete.locator("input[name=complete-photos]").set_input_files(files=[_photo("fixed.png")])
        complete.locator("textarea[name=complete-note]").fill("更换了存水弯密封圈")
        complete.locator("button[type=submit]").click()
        tech_page.wait_for_load_state()
        _state(ticket, "completed")
        assert tech_page.evaluate("document.documentElement.scrollWidth") <= 390

        # --- the desk records the return visit ---------------------------------------------
        current = desk_page
        desk_page.goto(f"{base}{reverse('desk:ticket-detail', args=[ticket.pk])}")
        _open_panel(desk_page, "return_visit")
        visit = desk_page.locator("#form-return_visit")
        visit.locator("input[name=return_visit-outcome][value=satisfied]").check()
        visit.locator("input[name=return_visit-rating][value='5']").check()
        visit.locator("button[type=submit]").click()
        desk_page.wait_for_load_state()
        _state(ticket, "return_visited")

        # --- the resident follows the whole story on the ticket page -----------------------
        current = page
        page.reload()
        timeline = page.locator("#timeline").inner_text()
        for sentence in (
            "您通过住户服务提交了报修",  # registered
            "已派给维修师傅",  # dispatched
            "已接单",  # accepted
            "师傅已到场",  # arrived
            "维修完成",  # completed
            "回访：您表示满意",  # return visited
        ):
            assert sentence in timeline, f"missing in the timeline: {sentence}"
        assert "更换了存水弯密封圈" not in timeline  # the technician's note stays inside
        assert page.locator("#ticket-state").inner_text() == "已完成"
        assert page.locator("#photos img").count() == 2  # the report and the result
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    except Exception:
        _shot(current, tmp_path, "flow-failure")
        raise
    finally:
        for context in (resident, desk, tech):
            context.close()
