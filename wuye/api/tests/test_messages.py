"""Messages over the API: outbox, retry, inbox, contact preference, events, templates."""

from __future__ import annotations

import pytest

from wuye.messaging.models import ContactPreference, Message, MessageTemplate
from wuye.messaging.notify import notify


@pytest.fixture
def failed(world):
    return Message.objects.create(
        project=world.p1,
        company=world.p1.company,
        channel="sms",
        recipient="13800001111",
        subject="停水通知",
        body="明日停水",
        status="failed",
        last_error="isv.MOBILE_NUMBER_ILLEGAL",
    )


def test_the_outbox_lists_failed_messages_with_the_reason_and_masked_numbers(
    api_as, world, failed, django_assert_num_queries
):
    for i in range(5):
        Message.objects.create(
            project=world.p1, channel="sms", recipient="13800001111", body=str(i), status="failed"
        )
    client = api_as("desk")

    with django_assert_num_queries(3):  # token, scope, the page
        response = client.get("/messages", {"status": "failed", "limit": 3})

    body = response.json()
    assert response.status_code == 200
    assert len(body["items"]) == 3 and body["next_cursor"]
    rest = client.get("/messages", {"status": "failed", "cursor": body["next_cursor"]}).json()
    ids = [m["id"] for m in body["items"] + rest["items"]]
    assert len(ids) == 6 == len(set(ids))
    row = next(m for m in body["items"] + rest["items"] if m["id"] == failed.pk)
    assert row["recipient"] == "138****1111"
    assert row["last_error"] == "isv.MOBILE_NUMBER_ILLEGAL"


def test_other_projects_staff_never_see_the_message(api_as, failed):
    assert api_as("manager2").get(f"/messages/{failed.pk}").status_code == 404
    assert api_as("manager2").get("/messages").json()["items"] == []


def test_retry_queues_a_failed_message_and_a_second_retry_is_a_conflict(api_as, failed):
    client = api_as("desk")

    first = client.post(f"/messages/{failed.pk}/retry", {})
    second = client.post(f"/messages/{failed.pk}/retry", {})

    assert first.status_code == 200
    assert first.json()["status"] == "queued"
    assert [e["code"] for e in first.json()["events"]][-1] == "messaging.message.retried"
    assert second.status_code == 409


def test_a_technician_may_not_read_the_outbox(api_as, failed):
    assert api_as("tech").get(f"/messages/{failed.pk}").status_code == 404


def test_the_inbox_holds_in_app_notifications_and_marks_them_read(api_as, world):
    notify(event="messaging.message", recipient=world.resident, context={"text": "明天停水"})
    from wuye.messaging.services import message_deliver

    for m in Message.objects.filter(status="queued"):
        message_deliver(message_id=m.pk)
    client = api_as("resident")

    inbox = client.get("/inbox").json()
    [item] = inbox["items"]
    read = client.post(f"/inbox/{item['id']}/read", {})

    assert inbox["unread"] == 1 and item["body"] == "明天停水"
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/inbox").json()["unread"] == 0
    assert api_as("manager").post(f"/inbox/{item['id']}/read", {}).status_code == 404


def test_the_contact_preference_round_trips_and_rejects_unknown_channels(api_as, world):
    client = api_as("resident")

    saved = client.put(
        "/me/contact-preference", {"channels": ["sms", "email"], "opt_out_marketing": True}
    )
    bad = client.put("/me/contact-preference", {"channels": ["pigeon"]})

    assert saved.status_code == 200
    assert saved.json() == {
        "channels": ["sms", "email"],
        "opt_out_greetings": False,
        "opt_out_marketing": True,
        "language": "",
    }
    assert bad.status_code == 422
    pref = ContactPreference.objects.get(user=world.resident)
    assert pref.channels == ["sms", "email"] and pref.opt_out_marketing


def test_events_list_their_variables(api_as):
    events = {e["code"]: e for e in api_as("admin").get("/message-events").json()}
    assert "code" in events["accounts.login_code"]["variables"]
    assert "name" in events["messaging.message"]["variables"]


def test_a_company_admin_saves_a_template_and_unknown_variables_are_field_errors(api_as, world):
    client = api_as("admin")
    good = {
        "company_id": world.company_a.pk,
        "event": "messaging.message",
        "channel": "sms",
        "body": "【甲物业】{{ text }}",
    }

    saved = client.put("/message-templates", good)
    bad = client.put("/message-templates", {**good, "body": "{{ text }} {{ password }}"})
    tags = client.put("/message-templates", {**good, "body": "{% if text %}x{% endif %}"})
    outsider = api_as("admin_b").put("/message-templates", good)

    assert saved.status_code == 200 and saved.json()["channel"] == "sms"
    assert bad.status_code == 422 and "password" in bad.json()["error"]["fields"]["body"][0]
    assert tags.status_code == 422 and "body" in tags.json()["error"]["fields"]
    assert outsider.status_code == 404
    assert MessageTemplate.objects.get(company=world.company_a).body == "【甲物业】{{ text }}"


def test_preview_renders_the_sample_values(api_as, world):
    response = api_as("admin").post(
        "/message-templates/preview",
        {"event": "messaging.message", "body": "{{ name }}：{{ text }}"},
    )
    assert response.status_code == 200
    assert response.json()["body"] == "王先生：明天上午九点电梯年检。"


def test_removing_a_company_template_brings_back_the_default(api_as, world):
    t = MessageTemplate.objects.create(
        company=world.company_a, event="messaging.message", body="{{ text }}!"
    )
    assert api_as("admin_b").delete(f"/message-templates/{t.pk}").status_code == 404
    assert api_as("admin").delete(f"/message-templates/{t.pk}").status_code == 204
    assert not MessageTemplate.objects.exists()
