"""The read-only outbox in the admin and its retry action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.messaging.models import Message, MessageStatus
from wuye.messaging.services import message_queue


@pytest.fixture
def failed_and_sent(db):
    failed = message_queue(channel="sms", recipient="13800001111", body="a")
    sent = message_queue(channel="console", recipient="dev", body="b")
    Message.objects.filter(pk=failed.pk).update(status=MessageStatus.FAILED, attempts=5)
    Message.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT)
    return failed, sent


def test_changelist_masks_phones_with_a_fixed_query_count(
    admin_client, failed_and_sent, django_assert_num_queries
):
    message_queue(channel="console", recipient="dev", body="c")
    url = reverse("admin:messaging_message_changelist")
    with django_assert_num_queries(8):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert b"138****1111" in response.content
    assert b"13800001111" not in response.content
    with django_assert_num_queries(8):
        admin_client.get(url + "?status__exact=failed")


def test_message_detail_is_read_only(admin_client, failed_and_sent):
    failed, _ = failed_and_sent
    response = admin_client.get(reverse("admin:messaging_message_change", args=[failed.pk]))
    assert response.status_code == 200
    assert b'name="body"' not in response.content
    assert admin_client.get(reverse("admin:messaging_message_add")).status_code == 403


def test_retry_action_requeues_failed_messages_only(admin_client, failed_and_sent):
    failed, sent = failed_and_sent
    response = admin_client.post(
        reverse("admin:messaging_message_changelist"),
        {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (MessageStatus.QUEUED, 0)
    assert sent.status == MessageStatus.SENT
    assert failed.events.last().code == "messaging.message.retried"


def test_a_site_template_with_an_unknown_variable_is_refused_on_its_field(admin_client):
    from wuye.messaging.models import MessageTemplate

    response = admin_client.post(
        "/admin/messaging/messagetemplate/add/",
        {"event": "messaging.message", "channel": "", "language": "zh-hans", "body": "{{ pin }}"},
    )

    assert response.status_code == 200
    assert "pin" in response.context["adminform"].form.errors["body"][0]
    assert not MessageTemplate.objects.exists()
