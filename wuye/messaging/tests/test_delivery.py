"""Delivery: claiming, success, temporary and permanent failures, sweeps."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wuye.messaging.channels import _REGISTRY
from wuye.messaging.channels.base import Channel, DeliveryResult, PermanentFailure
from wuye.messaging.models import Message, MessageStatus
from wuye.messaging.services import (
    backoff,
    message_cancel,
    message_deliver,
    message_queue,
    message_requeue_stale,
    message_retry,
    message_retry_due,
)

from .conftest import temporary

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def codes(message: Message) -> list[str]:
    return list(message.events.values_list("code", flat=True))


def test_console_message_is_printed_and_marked_sent(db, capsys):
    message = message_queue(
        channel="console", recipient="13800001111", subject="Hi", body="Code 123456", now=T0
    )

    delivered = message_deliver(message_id=message.pk, now=T0)

    out = capsys.readouterr().out
    assert "Code 123456" in out and "Subject: Hi" in out
    assert "138****1111" in out and "13800001111" not in out
    assert delivered.status == MessageStatus.SENT
    assert delivered.sent_at == T0
    assert delivered.attempts == 1
    assert delivered.provider_message_id == f"console-{message.pk}"
    assert codes(delivered) == [
        "messaging.message.queued",
        "messaging.message.sending",
        "messaging.message.sent",
    ]


def test_second_concurrent_delivery_finds_the_message_claimed_and_does_nothing(
    db, scripted_sms, monkeypatch
):
    message = message_queue(channel="sms", recipient="13800001111", body="x", now=T0)
    second_runs = []

    def send_while_another_worker_tries(self, msg):
        second_runs.append(message_deliver(message_id=msg.pk, now=T0))
        return DeliveryResult(provider_id="p-1")

    monkeypatch.setattr(scripted_sms, "send", send_while_another_worker_tries)

    first = message_deliver(message_id=message.pk, now=T0)

    assert second_runs == [None]
    assert first.status == MessageStatus.SENT
    assert first.attempts == 1
    assert codes(first).count("messaging.message.sending") == 1
    # and a late duplicate task finds it sent and does nothing
    assert message_deliver(message_id=message.pk, now=T0) is None


def test_message_is_not_delivered_before_it_is_due(db, scripted_sms):
    message = message_queue(channel="sms", recipient="13800001111", body="x", now=T0)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=T0 + dt.timedelta(minutes=5))

    assert message_deliver(message_id=message.pk, now=T0) is None
    assert message_deliver(message_id=message.pk, now=T0 + dt.timedelta(minutes=5)).status == "sent"


def test_temporary_failures_back_off_exponentially_then_fail(db, scripted_sms):
    scripted_sms.outcomes = [temporary(f"timeout {n}") for n in range(1, 6)]
    message = message_queue(channel="sms", recipient="13800001111", body="x", now=T0)
    now = T0
    for attempt in range(1, 5):
        message = message_deliver(message_id=message.pk, now=now)
        assert message.status == MessageStatus.QUEUED
        assert message.attempts == attempt
        assert message.last_error == f"timeout {attempt}"
        assert message.next_attempt_at == now + backoff(attempt)
        # not due yet: a worker that tries early does nothing
        assert (
            message_deliver(
                message_id=message.pk, now=message.next_attempt_at - dt.timedelta(seconds=1)
            )
            is None
        )
        now = message.next_attempt_at

    message = message_deliver(message_id=message.pk, now=now)

    assert message.status == MessageStatus.FAILED
    assert message.attempts == 5
    assert scripted_sms.sent == []
    assert codes(message).count("messaging.message.retry_scheduled") == 4
    assert codes(message)[-1] == "messaging.message.failed"
    assert [backoff(n) for n in (1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == dt.timedelta(hours=1)


def test_retry_after_temporary_failure_is_a_deferred_task(db, scripted_sms):
    scripted_sms.outcomes = [temporary()]
    message = message_queue(channel="sms", recipient="13800001111", body="x", now=T0)
    DBTaskResult.objects.all().delete()

    message = message_deliver(message_id=message.pk, now=T0)

    task = DBTaskResult.objects.get()
    assert task.run_after == message.next_attempt_at == T0 + dt.timedelta(minutes=1)


def test_unexpected_error_in_a_channel_is_retried_not_lost(db, scripted_sms):
    scripted_sms.outcomes = [KeyError("surprise")]
    message = message_queue(channel="sms", recipient="13800001111", body="x", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.QUEUED
    assert "KeyError" in message.last_error


def test_permanent_failure_fails_at_once(db, scripted_sms):
    scripted_sms.outcomes = [PermanentFailure("unknown number")]
    message = message_queue(channel="sms", recipient="13800001111", body="x", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert message.last_error == "unknown number"


@pytest.mark.parametrize("channel", ["sms", "wechat"])
def test_channel_without_a_provider_account_fails_clearly_in_production(
    db, settings, production_like, channel
):
    settings.WUYE_MESSAGE_CHANNELS = ["email", channel]  # enabled, but no account configured
    message = message_queue(channel=channel, recipient="13800001111", body="x", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.FAILED
    assert "未配置" in message.last_error or "configured" in message.last_error


def test_channel_not_enabled_fails_clearly_in_production(db, settings, production_like):
    settings.WUYE_MESSAGE_CHANNELS = ["email"]
    message = message_queue(channel="sms", recipient="13800001111", body="x", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.FAILED
    assert "sms" in message.last_error
    assert "未配置" in message.last_error or "not configured" in message.last_error


def test_disabled_channel_falls_back_to_console_in_development(db, settings, capsys):
    settings.DEBUG = False
    settings.WUYE_ENV = "development"
    settings.WUYE_MESSAGE_CHANNELS = ["email"]
    message = message_queue(channel="sms", recipient="13800001111", body="Code 654321", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.SENT
    assert "Code 654321" in capsys.readouterr().out


def test_template_is_rendered_at_delivery(db, settings, capsys):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "messaging/test.greeting.txt": "Hello {{ name }}!",
                            "messaging/test.greeting.subject.txt": "Greetings\n{{ name }}",
                        },
                    )
                ]
            },
        }
    ]
    message = message_queue(
        channel="console",
        recipient="dev",
        body="",
        template="test.greeting",
        context={"name": "张三"},
        now=T0,
    )

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.SENT
    assert (message.subject, message.body) == ("Greetings 张三", "Hello 张三!")
    assert "Hello 张三!" in capsys.readouterr().out


def test_missing_template_fails_permanently(db):
    message = message_queue(channel="console", recipient="dev", body="", template="nope", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.FAILED
    assert "TemplateDoesNotExist" in message.last_error


def _stuck_in_sending(*, attempts: int = 1) -> Message:
    message = message_queue(channel="console", recipient="dev", body="x", now=T0)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=T0, attempts=attempts
    )
    return message


def test_stale_sending_message_is_requeued(db, capsys):
    message = _stuck_in_sending()
    DBTaskResult.objects.all().delete()

    assert message_requeue_stale(now=T0 + dt.timedelta(minutes=9)) == 0
    assert message_requeue_stale(now=T0 + dt.timedelta(minutes=11)) == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.claimed_at is None
    assert codes(message)[-1] == "messaging.message.requeued"
    assert DBTaskResult.objects.count() == 1
    # and the requeued message is delivered by the next worker
    assert (
        message_deliver(message_id=message.pk, now=T0 + dt.timedelta(minutes=11)).status == "sent"
    )


def test_stale_message_without_attempts_left_fails(db):
    message = _stuck_in_sending(attempts=5)

    assert message_requeue_stale(now=T0 + dt.timedelta(hours=1)) == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED


def test_worker_that_lost_its_claim_does_not_overwrite(db, monkeypatch, capsys):
    # Given a worker so slow that its message was requeued as stale and sent by another
    message = message_queue(channel="console", recipient="dev", body="x", now=T0)
    later = T0 + dt.timedelta(minutes=30)

    from wuye.messaging.channels.console import ConsoleChannel

    original_send = ConsoleChannel.send

    def slow_send(self, msg):
        monkeypatch.setattr(ConsoleChannel, "send", original_send)
        assert message_requeue_stale(now=later) == 1
        message_deliver(message_id=msg.pk, now=later)
        return DeliveryResult(provider_id="slow")

    monkeypatch.setattr(ConsoleChannel, "send", slow_send)

    message_deliver(message_id=message.pk, now=T0)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == f"console-{message.pk}"  # the second worker's result


def test_retry_sweep_enqueues_overdue_messages_once_per_grace_period(db):
    message = message_queue(channel="console", recipient="dev", body="x", now=T0)
    DBTaskResult.objects.all().delete()

    assert message_retry_due(now=T0 + dt.timedelta(seconds=30)) == 0
    assert message_retry_due(now=T0 + dt.timedelta(minutes=2)) == 1
    assert message_retry_due(now=T0 + dt.timedelta(minutes=2, seconds=30)) == 0
    assert DBTaskResult.objects.count() == 1
    message.refresh_from_db()
    assert message.next_attempt_at == T0 + dt.timedelta(minutes=2)


def test_operator_retries_a_failed_message_and_cancels_a_queued_one(db, world):
    failed = message_queue(channel="console", recipient="dev", body="x", now=T0)
    Message.objects.filter(pk=failed.pk).update(status=MessageStatus.FAILED, attempts=5)
    failed.refresh_from_db()

    retried = message_retry(actor=world.admin, message=failed, now=T0)

    assert (retried.status, retried.attempts) == (MessageStatus.QUEUED, 0)
    event = retried.events.last()
    assert (event.code, event.actor, event.from_status) == (
        "messaging.message.retried",
        world.admin,
        "failed",
    )

    cancelled = message_cancel(actor=world.admin, message=retried, now=T0)
    assert cancelled.status == MessageStatus.CANCELLED
    assert message_deliver(message_id=cancelled.pk, now=T0) is None


def test_sweeps_default_to_the_current_time(db):
    with time_machine.travel(T0, tick=False):
        message_queue(channel="console", recipient="dev", body="x")
        assert timezone.now() == T0
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        assert message_retry_due() == 1
        assert message_requeue_stale() == 0


class _Unused(Channel):
    name = "unused"

    def send(self, message):  # pragma: no cover - never called
        raise AssertionError


def test_registry_only_uses_enabled_channels(settings, production_like, monkeypatch):
    from wuye.messaging.channels import channel_for, register_channel

    monkeypatch.setattr("wuye.messaging.channels._REGISTRY", dict(_REGISTRY))
    register_channel("wechat", _Unused)
    settings.WUYE_MESSAGE_CHANNELS = ["console"]
    with pytest.raises(PermanentFailure):
        channel_for("wechat")
    settings.WUYE_MESSAGE_CHANNELS = ["console", "wechat"]
    assert isinstance(channel_for("wechat"), _Unused)
