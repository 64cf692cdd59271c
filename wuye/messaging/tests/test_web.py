"""Messaging screens: the outbox with failed messages and retry, the staff bell and inbox,
message templates with preview, the resident's inbox and message settings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.messaging.models import ContactPreference, Message, MessageTemplate, NotificationStatus
from wuye.messaging.notify import notify
from wuye.messaging.services import message_deliver


def _failed(world, n=1):
    return [
        Message.objects.create(
            project=world.p1,
            company=world.p1.company,
            channel="sms",
            recipient="13800001111",
            subject=f"停水通知{i}",
            body="明日停水",
            status="failed",
            last_error="isv.MOBILE_NUMBER_ILLEGAL",
        )
        for i in range(n)
    ]


def _deliver():
    for m in Message.objects.filter(status="queued"):
        message_deliver(message_id=m.pk)


def test_the_outbox_opens_on_failed_messages_with_their_reason(
    login, world, django_assert_num_queries
):
    _failed(world, 3)
    Message.objects.create(
        project=world.p1, channel="sms", recipient="13800001111", body="ok", status="sent"
    )
    client = login("desk")
    client.get(reverse("messaging:outbox"))  # warm the session

    with django_assert_num_queries(6):
        response = client.get(reverse("messaging:outbox"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("isv.MOBILE_NUMBER_ILLEGAL") == 3
    assert "138****1111" in page and "13800001111" not in page
    _failed(world, 20)
    with django_assert_num_queries(6):  # the same with a full page
        client.get(reverse("messaging:outbox"))


def test_staff_retry_a_failed_message_from_its_page(login, world):
    [message] = _failed(world)
    client = login("desk")

    response = client.post(reverse("messaging:message-retry", args=[message.pk]), follow=True)

    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 0
    assert "已重新排队" in response.content.decode() or "queued again" in response.content.decode()
    assert message.events.last().actor == world.desk


def test_technicians_have_no_outbox(login, world):
    _failed(world)
    assert login("tech").get(reverse("messaging:outbox")).status_code == 403


def test_the_bell_counts_unread_notifications_and_reading_clears_it(login, world):
    notify(event="messaging.message", recipient=world.desk, context={"text": "工单将超时"})
    _deliver()
    client = login("desk")

    bell = client.get(reverse("messaging:bell")).content.decode()
    [message] = Message.objects.filter(channel="in_app", recipient_user=world.desk)
    detail = client.get(reverse("messaging:inbox-detail", args=[message.pk]))

    assert 'id="bell-count">1<' in bell
    assert "工单将超时" in detail.content.decode()
    assert client.get(reverse("messaging:bell")).content == b""


def test_a_company_admin_writes_a_template_that_delivery_then_uses(login, world, settings):
    client = login("admin")
    url = reverse("messaging:template-edit") + "?event=messaging.message"
    form = client.get(url)
    assert form.status_code == 200 and "{{ text }}" in form.content.decode()

    bad = client.post(
        url, {"event": "messaging.message", "language": "zh-hans", "body": "{{ secret }}"}
    )
    saved = client.post(
        url,
        {
            "event": "messaging.message",
            "language": "zh-hans",
            "channel": "",
            "subject": "{{ project }}通知",
            "body": "【甲物业】{{ text }}",
        },
    )
    notify(event="messaging.message", recipient=world.occupant1, context={"text": "停水"})
    _deliver()

    assert "secret" in bad.content.decode() and bad.status_code == 200
    assert saved.status_code == 302
    message = Message.objects.get(recipient_user=world.resident)
    assert (message.subject, message.body) == ("阳光新邸通知", "【甲物业】停水")
    assert MessageTemplate.objects.get().updated_by == world.admin


def test_the_preview_renders_sample_values_and_reports_broken_templates(login):
    client = login("admin")
    url = reverse("messaging:template-preview")

    good = client.post(url, {"event": "messaging.message", "body": "{{ name }}：{{ text }}"})
    broken = client.post(url, {"event": "messaging.message", "body": "{% if %}"})

    assert "王先生：明天上午九点电梯年检。" in good.content.decode()
    assert 'role="alert"' in broken.content.decode()


def test_only_company_admins_edit_templates(login):
    assert login("desk").get(reverse("messaging:templates")).status_code == 403


def test_the_resident_reads_in_app_messages_in_the_portal(login, world):
    notify(event="messaging.message", recipient=world.occupant1, context={"text": "周六消杀"})
    _deliver()
    client = login("resident")

    inbox = client.get(reverse("portal:inbox")).content.decode()
    message = Message.objects.get(channel="in_app")
    client.get(reverse("portal:inbox-detail", args=[message.pk]))

    assert "周六消杀" in inbox and "is-unread" in inbox
    message.refresh_from_db()
    assert message.read_at is not None


def test_the_resident_opts_out_of_marketing_and_campaigns_skip_them(login, world):
    client = login("resident")
    response = client.post(
        reverse("portal:message-preferences"),
        {"first": "sms", "second": "in_app", "opt_out_marketing": "on"},
    )

    pref = ContactPreference.objects.get(user=world.resident)
    n = notify(
        event="messaging.message",
        recipient=world.occupant1,
        context={"text": "团购"},
        category="marketing",
    )
    service = notify(event="messaging.message", recipient=world.occupant1, context={"text": "停电"})

    assert response.status_code == 302
    assert pref.channels == ["sms", "in_app"] and pref.opt_out_marketing
    assert n.status == NotificationStatus.OPTED_OUT
    assert service.channels[0] == "sms"


@pytest.mark.parametrize("name", ["manager2", "admin_b"])
def test_other_projects_staff_get_404_for_the_message(login, world, name):
    [message] = _failed(world)
    assert (
        login(name).get(reverse("messaging:message-detail", args=[message.pk])).status_code == 404
    )
