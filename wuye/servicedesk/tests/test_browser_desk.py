"""The desk and the technician in headless Chromium: a call registered by phone tail and
dispatched from the desk's console; the order accepted, arrived and completed with a photo
and the customer's signature on a phone-sized screen."""

from __future__ import annotations

import os

import pytest

from wuye.dataio.storage import private_storage
from wuye.servicedesk.models import Category, Ticket, TicketAttachment, TicketState
from wuye.servicedesk.tests.web_helpers import PNG
from wuye.testing.factories import PASSWORD
from wuye.testing.world import build_world

SHOTS = os.environ.get("WUYE_SCREENSHOTS")  # a directory to keep screenshots of each step


@pytest.fixture
def browser_context_args(browser_context_args):
    # a Chinese-speaking desk clerk's browser
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def private_dir(settings, tmp_path, monkeypatch):
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": tmp_path / "private"}},
    }
    monkeypatch.setattr(TicketAttachment._meta.get_field("file"), "storage", private_storage())


def _shot(page, name, tmp_path):
    target = os.path.join(SHOTS or str(tmp_path), f"{name}.png")
    page.screenshot(path=target, full_page=True)
    return target


def _sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_call_is_registered_dispatched_and_completed_on_a_phone(
    live_server, browser, page, phone_context_args, tmp_path, private_dir
):
    world = build_world()
    water, _ = Category.objects.get_or_create(
        project=world.p1, code="water", defaults={"name": "水电"}
    )
    base = live_server.url
    phone = None
    try:
        # --- the desk clerk takes a call --------------------------------------------------
        _sign_in(page, base, "desk")
        page.click(".sidenav a[href='/console/desk/']")
        page.wait_for_url(f"{base}/console/desk/")
        # types the caller's phone tail: the caller, their unit and history appear
        page.fill("input[name=phone]", "1111")
        candidate = page.locator("#caller-results [data-pick]").first
        candidate.wait_for()
        assert "张三" in candidate.inner_text() and "1-101" in candidate.inner_text()
        assert "138****1111" in candidate.inner_text()
        # picks them: the form knows the reporter and the unit
        candidate.click()
        assert page.input_value("input[name=reporter]") == str(world.occupant1.pk)
        assert page.input_value("input[name=unit]") == str(world.u1.pk)
        assert "张三" in page.inner_text("#picked-text")
        page.select_option("select[name=category]", value=str(water.pk))
        page.check("input[name=urgency][value=urgent]")
        page.fill("textarea[name=description]", "卫生间水管爆裂，水漫到客厅")
        _shot(page, "1-desk-register", tmp_path)
        # registers and dispatches at once
        page.click("button[name=dispatch]")
        page.wait_for_url("**/console/desk/tickets/*/#dispatch")
        ticket = Ticket.objects.get()
        assert ticket.reporter == world.occupant1 and ticket.unit == world.u1
        assert ticket.number in page.inner_text(".messages")
        # the suggestions are there: one click sends it to the technician
        page.click("button[data-suggested=tech]")
        page.wait_for_load_state()
        ticket.refresh_from_db()
        assert ticket.state == TicketState.DISPATCHED and ticket.assignee == world.tech
        assert page.locator("#timeline .event-dispatched").count() == 1
        _shot(page, "2-desk-dispatched", tmp_path)

        # --- the technician on the phone ---------------------------------------------------
        context = browser.new_context(**{**phone_context_args, "locale": "zh-CN"})
        phone = context.new_page()
        _sign_in(phone, base, "tech")
        phone.goto(f"{base}/console/desk/my/")
        order = phone.locator(".order-card", has_text=ticket.number)
        order.wait_for()
        _shot(phone, "3-tech-orders", tmp_path)
        order.locator("a.order-link").click()
        phone.wait_for_url(f"**/console/desk/my/tickets/{ticket.pk}/")
        # accept, then arrive: each a big button that comes back to the order
        phone.click("button[data-action=accept]")
        phone.locator("button[data-action=arrive]").wait_for()
        ticket.refresh_from_db()
        assert ticket.state == TicketState.ACCEPTED
        phone.click("button[data-action=arrive]")
        phone.locator("summary[data-action=complete]").wait_for()
        ticket.refresh_from_db()
        assert ticket.state == TicketState.ARRIVED
        # complete: a photo of the result and the customer's signature drawn on the screen
        phone.click("summary[data-action=complete]")
        phone.set_input_files(
            "#form-complete input[type=file]",
            files=[{"name": "done.png", "mimeType": "image/png", "buffer": PNG}],
        )
        pad = phone.locator("#form-complete canvas")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        assert box is not None and box["width"] <= 390
        phone.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
        phone.mouse.down()
        for step in range(1, 12):
            phone.mouse.move(
                box["x"] + 20 + step * (box["width"] - 40) / 11,
                box["y"] + box["height"] / 2 + (18 if step % 2 else -18),
            )
        phone.mouse.up()
        assert phone.input_value("#form-complete input[name='complete-signature']").startswith(
            "data:image/png;base64,"
        )
        _shot(phone, "4-tech-complete", tmp_path)
        phone.click("#form-complete button[type=submit]")
        phone.locator("#attachments img").first.wait_for()
        ticket.refresh_from_db()
        assert ticket.state == TicketState.COMPLETED
        kinds = sorted(ticket.attachments.values_list("kind", flat=True))
        assert kinds == ["photo", "signature"]
        # both show as thumbnails, served from the private storage
        assert phone.locator("#attachments img").count() == 2
        phone.locator("#attachments").scroll_into_view_if_needed()
        phone.wait_for_function(
            "() => [...document.querySelectorAll('#attachments img')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        _shot(phone, "5-tech-completed", tmp_path)
        context.close()
    except Exception:
        print(f"screenshot: {_shot(page, 'failure-desk', tmp_path)}")
        if phone is not None:
            print(f"screenshot: {_shot(phone, 'failure-phone', tmp_path)}")
        raise
