"""Messaging in headless Chromium: the desk's bell lights up with an escalation-style
notification and reading it clears it; the company admin edits a template with the live
preview (htmx) and retries a failed SMS from the outbox; the resident reads the message in
the portal on a phone and opts out of promotions."""

from __future__ import annotations

import pytest

from wuye.messaging.models import ContactPreference, Message
from wuye.messaging.notify import notify
from wuye.messaging.services import message_deliver
from wuye.testing.factories import PASSWORD
from wuye.testing.world import build_world


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


def _sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/**")


def _deliver():
    for m in Message.objects.filter(status="queued"):
        message_deliver(message_id=m.pk)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bell_template_preview_retry_and_the_residents_inbox(
    live_server, browser, page, phone_context_args
):
    world = build_world()
    base = live_server.url
    notify(event="messaging.message", recipient=world.desk, context={"text": "工单 BX-1 将超时"})
    notify(event="messaging.message", recipient=world.occupant1, context={"text": "周六消杀"})
    _deliver()
    failed = Message.objects.create(
        project=world.p1,
        company=world.p1.company,
        channel="sms",
        recipient="13800001111",
        subject="停水通知",
        body="明日停水",
        status="failed",
        last_error="isv.MOBILE_NUMBER_ILLEGAL",
    )

    # --- the desk: the bell shows one unread notification; reading it clears the bell ---
    _sign_in(page, base, "desk")
    page.locator("#bell-count").wait_for()
    assert page.inner_text("#bell-count") == "1"
    page.click("#bell")
    page.locator("#inbox tr.unread a").first.click()
    assert "工单 BX-1 将超时" in page.inner_text("main")
    page.goto(f"{base}/console/")
    page.wait_for_timeout(300)
    assert page.locator("#bell-count").count() == 0

    # --- the outbox opens on the failed SMS with its reason; retry queues it again ---------
    page.goto(f"{base}/console/messages/")
    assert "isv.MOBILE_NUMBER_ILLEGAL" in page.inner_text("#outbox")
    page.goto(f"{base}/console/messages/{failed.pk}/")
    page.click("button[data-action=retry]")
    page.wait_for_load_state()
    failed.refresh_from_db()
    assert failed.status == "queued"

    # --- the admin writes the company's text and sees the preview as they type -------------
    admin = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    apage = admin.new_page()
    _sign_in(apage, base, "admin")
    apage.goto(f"{base}/console/messages/templates/edit/?event=messaging.message")
    apage.fill("textarea[name=body]", "【甲物业】{{ name }}：{{ text }}")
    apage.locator("#preview-body").wait_for()
    assert apage.inner_text("#preview-body") == "【甲物业】王先生：明天上午九点电梯年检。"
    apage.click("#template-form button[type=submit]")
    apage.wait_for_url(f"{base}/console/messages/templates/**")
    admin.close()

    # --- the resident reads the message on a phone and opts out of promotions --------------
    phone = browser.new_context(**phone_context_args)
    ppage = phone.new_page()
    ppage.goto(f"{base}/portal/")
    ppage.get_by_label("手机号").fill("13800001111")
    ppage.get_by_label("密码").fill(PASSWORD)
    ppage.get_by_role("button", name="登录").click()
    ppage.wait_for_url(f"{base}/portal/")
    ppage.goto(f"{base}/portal/messages/")
    ppage.locator(".is-unread").first.click()
    assert "周六消杀" in ppage.inner_text("#message")
    ppage.goto(f"{base}/portal/messages/settings/")
    ppage.check("input[name=opt_out_marketing]")
    ppage.locator("form.form button[type=submit]").click()
    ppage.wait_for_load_state()
    assert ppage.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
    assert ContactPreference.objects.get(user=world.resident).opt_out_marketing
