"""Notifications: channel plans from preferences, opt-outs, fallback, dedupe, quiet hours,
rate limits, the in-app inbox and campaign statistics."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from wuye.messaging.bulk import notify_many
from wuye.messaging.channels.base import PermanentFailure
from wuye.messaging.models import (
    ChannelAccount,
    ContactPreference,
    Message,
    MessageStatus,
    MessagingPolicy,
    Notification,
    NotificationStatus,
)
from wuye.messaging.notify import notification_stats, notify
from wuye.messaging.services import message_deliver, message_deliver_batch, message_retry
from wuye.testing import factories as f
from wuye.testing.world import build_world

SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday morning in Shanghai


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def channels(settings, scripted_sms):
    """SMS by the scripted test channel, e-mail by Django's locmem backend, in-app built in."""
    settings.WUYE_MESSAGE_CHANNELS = ["sms", "email"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return scripted_sms


@pytest.fixture
def person(world):
    """An occupant reachable by SMS only (no portal login, no e-mail)."""
    return f.OccupantFactory.create(project=world.p1, name="王五", mobile="13900009999")


def _deliver_all(now):
    for message in Message.objects.filter(status=MessageStatus.QUEUED).order_by("pk"):
        message_deliver(message_id=message.pk, now=now)


def test_the_default_plan_tries_in_app_then_sms_then_email(world, channels):
    assert world.occupant1.user_id is not None  # the world's resident has a portal login
    world.occupant1.email = "zhang@example.com"
    world.occupant1.save()

    n = notify(
        event="messaging.message", recipient=world.occupant1, context={"text": "停水"}, now=T0
    )

    assert n.channels == ["in_app", "sms", "email"]
    assert n.status == NotificationStatus.PENDING
    [message] = n.messages.all()
    assert (message.channel, message.recipient) == ("in_app", str(world.occupant1.user_id))
    assert message.category == "service" and message.event == "messaging.message"

    _deliver_all(T0)

    message.refresh_from_db()
    n.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at == T0
    assert message.body == "停水"
    assert message.subject == "Message from 阳光新邸" or message.subject == "来自阳光新邸的消息"
    assert n.status == NotificationStatus.DELIVERED
    assert not channels.sent and not mail.outbox


def test_only_channels_that_reach_the_person_are_planned(world, person, channels):
    # No portal login and no e-mail: SMS only.
    n = notify(event="messaging.message", recipient=person, context={"text": "x"}, now=T0)
    assert n.channels == ["sms"]


def test_the_persons_own_order_wins(world, person, channels):
    person.email = "zhang@example.com"
    person.save()
    ContactPreference.objects.create(occupant=person, channels=["email", "sms"])

    n = notify(event="messaging.message", recipient=person, context={"text": "x"}, now=T0)

    assert n.channels == ["email", "sms"]


def test_a_failing_sms_falls_back_to_email_and_the_outcome_is_recorded(world, person, channels):
    person.email = "zhang@example.com"
    person.save()
    channels.outcomes = [PermanentFailure("isv.MOBILE_NUMBER_ILLEGAL")]

    n = notify(event="messaging.message", recipient=person, context={"text": "电梯年检"}, now=T0)
    _deliver_all(T0)  # the SMS fails: the e-mail is queued in the same transaction
    _deliver_all(T0)

    n.refresh_from_db()
    sms, email = n.messages.order_by("pk")
    assert (sms.channel, sms.status) == ("sms", MessageStatus.FAILED)
    assert (email.channel, email.status) == ("email", MessageStatus.SENT)
    assert n.status == NotificationStatus.DELIVERED and n.step == 1
    assert "isv.MOBILE_NUMBER_ILLEGAL" in sms.last_error
    [sent] = mail.outbox
    assert sent.to == ["zhang@example.com"] and "电梯年检" in sent.body


def test_when_every_channel_fails_the_notification_fails_visibly(world, person, channels):
    channels.outcomes = [PermanentFailure("blacklisted")]

    n = notify(event="messaging.message", recipient=person, context={"text": "x"}, now=T0)
    _deliver_all(T0)

    n.refresh_from_db()
    assert n.status == NotificationStatus.FAILED
    assert "blacklisted" in n.last_error


def test_an_operator_retry_of_the_failed_message_can_still_deliver_it(world, person, channels):
    channels.outcomes = [PermanentFailure("provider down")]
    n = notify(event="messaging.message", recipient=person, context={"text": "x"}, now=T0)
    _deliver_all(T0)
    [sms] = n.messages.all()

    message_retry(actor=world.admin, message=sms, now=T0)
    _deliver_all(T0)

    n.refresh_from_db()
    assert n.status == NotificationStatus.DELIVERED


def test_the_same_dedupe_key_notifies_once(world, person, channels):
    first = notify(
        event="messaging.message",
        recipient=person,
        context={"text": "x"},
        dedupe_key="greet:1",
        now=T0,
    )
    again = notify(
        event="messaging.message",
        recipient=person,
        context={"text": "x"},
        dedupe_key="greet:1",
        now=T0,
    )

    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert Message.objects.get().dedupe_key == "greet:1:sms"


@pytest.mark.parametrize(
    ("category", "suppressed"), [("greeting", True), ("marketing", True), ("service", False)]
)
def test_opt_outs_cover_greetings_and_marketing_never_service(
    world, person, channels, category, suppressed
):
    ContactPreference.objects.create(
        occupant=person, opt_out_greetings=True, opt_out_marketing=True
    )

    n = notify(
        event="messaging.message",
        recipient=person,
        context={"text": "x"},
        category=category,
        now=T0,
    )

    assert (n.status == NotificationStatus.OPTED_OUT) is suppressed
    assert n.messages.exists() is not suppressed


def test_sms_waits_for_the_end_of_quiet_hours_unless_urgent(world, person, channels):
    late = dt.datetime(2026, 3, 2, 22, 30, tzinfo=SH)

    normal = notify(event="messaging.message", recipient=person, context={"text": "a"}, now=late)
    urgent = notify(
        event="messaging.message",
        recipient=person,
        context={"text": "b"},
        urgent=True,
        dedupe_key="urgent",
        now=late,
    )

    held = normal.messages.get()
    assert held.next_attempt_at == dt.datetime(2026, 3, 3, 8, 0, tzinfo=SH)
    assert urgent.messages.get().next_attempt_at == late


def test_a_retry_landing_in_quiet_hours_is_deferred_without_spending_an_attempt(
    world, person, channels
):
    MessagingPolicy.objects.create(
        company=world.p1.company,
        quiet_start=dt.time(21, 0),
        quiet_end=dt.time(7, 30),
        quiet_channels=["sms"],
    )
    n = notify(event="messaging.message", recipient=person, context={"text": "a"}, now=T0)
    message = n.messages.get()
    night = dt.datetime(2026, 3, 2, 23, 0, tzinfo=SH)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=night)

    message = message_deliver(message_id=message.pk, now=night)

    assert message.status == MessageStatus.QUEUED and message.attempts == 0
    assert message.next_attempt_at == dt.datetime(2026, 3, 3, 7, 30, tzinfo=SH)
    assert message.events.last().code == "messaging.message.deferred"
    assert not channels.sent


def test_the_rate_limit_holds_the_rest_for_the_next_minute(world, person, channels, monkeypatch):
    account = ChannelAccount.objects.create(
        company=world.p1.company, provider="http_sms", name="gw", rate_limit_per_minute=2
    )
    monkeypatch.setattr(channels, "account_for", lambda self, message: account, raising=False)
    for i in range(3):
        notify(
            event="messaging.message",
            recipient=person,
            context={"text": str(i)},
            dedupe_key=f"r{i}",
            now=T0,
        )

    _deliver_all(T0)

    statuses = sorted(Message.objects.values_list("status", flat=True))
    assert statuses == ["queued", "sent", "sent"]
    held = Message.objects.get(status="queued")
    assert held.next_attempt_at == T0.replace(second=0) + dt.timedelta(minutes=1)
    assert held.attempts == 0 and held.account == account


def test_notify_many_queues_once_per_occupant_and_counts_the_outcomes(world, person, channels):
    others = [
        f.OccupantFactory.create(project=world.p1, name=f"住户{i}", mobile=f"1390000{i:04d}")
        for i in range(5)
    ]
    ContactPreference.objects.create(occupant=others[0], opt_out_marketing=True)
    nobody = f.OccupantFactory.create(project=world.p1, name="无联系方式", mobile="")
    ids = [world.occupant1.pk, nobody.pk, *[o.pk for o in others]]

    created = notify_many(
        event="messaging.message",
        occupant_ids=ids,
        context={"text": "社区活动"},
        company=world.p1.company,
        category="marketing",
        source="campaign:1",
        dedupe_prefix="campaign:1",
        now=T0,
    )
    again = notify_many(
        event="messaging.message",
        occupant_ids=ids,
        context={"text": "社区活动"},
        company=world.p1.company,
        category="marketing",
        source="campaign:1",
        dedupe_prefix="campaign:1",
        now=T0,
    )
    channels.outcomes = [PermanentFailure("bad number")]
    message_deliver_batch(source="campaign:1", now=T0)

    assert (created, again) == (7, 0)
    assert Notification.objects.filter(source="campaign:1").count() == 7
    stats = notification_stats(source="campaign:1")
    assert stats == {
        "total": 7,
        "queued": 0,
        "sent": 3,  # SMS accepted, no receipt yet
        "delivered": 1,  # the resident's in-app inbox
        "failed": 1,
        "opted_out": 1,
        "unreachable": 1,
        "cancelled": 0,
    }
    sms = Message.objects.filter(channel="sms", status="sent").first()
    assert sms.body == "社区活动"
