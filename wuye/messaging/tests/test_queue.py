"""Queueing: transactional outbox semantics and dedupe keys."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from wuye.core.errors import DomainError
from wuye.messaging.models import Message, MessageChannel, MessageStatus
from wuye.messaging.services import message_queue


class Rollback(Exception):
    pass


def test_queued_message_has_a_delivery_task_and_a_queued_event(db):
    message = message_queue(channel=MessageChannel.CONSOLE, recipient="dev", body="hello")

    assert message.status == MessageStatus.QUEUED
    assert [e.code for e in message.events.all()] == ["messaging.message.queued"]
    task = DBTaskResult.objects.get()
    assert task.task_path == "wuye.messaging.tasks.deliver_message"
    assert task.args_kwargs == {"args": [message.pk], "kwargs": {}}


def test_queue_inside_rolled_back_transaction_leaves_no_message_and_no_task(db):
    with pytest.raises(Rollback), transaction.atomic():
        message_queue(channel=MessageChannel.CONSOLE, recipient="dev", body="hello")
        assert Message.objects.count() == 1 and DBTaskResult.objects.count() == 1
        raise Rollback

    assert Message.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_other_task_backends_enqueue_only_after_commit(
    db, settings, capsys, django_capture_on_commit_callbacks
):
    # Given an in-process backend that would run the task at once
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    # When a message is queued in a transaction that rolls back, nothing is delivered
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Rollback), transaction.atomic():
            message_queue(channel=MessageChannel.CONSOLE, recipient="dev", body="never")
            raise Rollback
    assert callbacks == []

    # And when it commits, delivery runs after the commit
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            message = message_queue(channel=MessageChannel.CONSOLE, recipient="dev", body="hi!")
            assert "hi!" not in capsys.readouterr().out
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert "hi!" in capsys.readouterr().out
    assert DBTaskResult.objects.count() == 0


def test_same_dedupe_key_returns_the_same_message(db):
    first = message_queue(channel="console", recipient="dev", body="one", dedupe_key="k:1")
    second = message_queue(channel="console", recipient="dev", body="two", dedupe_key="k:1")

    assert second.pk == first.pk
    assert second.body == "one"
    assert Message.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_dedupe_race_is_decided_by_the_unique_constraint(db, monkeypatch):
    # Given another request committed the same key just after our look-up missed it
    winner = message_queue(channel="console", recipient="dev", body="winner", dedupe_key="k")
    original_filter = Message.objects.filter
    lookups = []

    def filter_that_misses_once(*args, **kwargs):
        lookups.append(kwargs)
        if len(lookups) == 1:
            return original_filter(pk=-1)
        return original_filter(*args, **kwargs)

    monkeypatch.setattr(Message.objects, "filter", filter_that_misses_once)

    with transaction.atomic():
        message = message_queue(channel="console", recipient="dev", body="loser", dedupe_key="k")
        # the insert failed inside a savepoint: the caller's transaction is still usable
        assert Message.objects.count() == 1

    assert message.pk == winner.pk
    assert DBTaskResult.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax", "recipient": "x", "body": "b"}, "channel"),
        ({"channel": "console", "recipient": "  ", "body": "b"}, "recipient"),
        ({"channel": "email", "recipient": "not-an-address", "body": "b"}, "recipient"),
        ({"channel": "sms", "recipient": "12345", "body": "b"}, "recipient"),
        ({"channel": "console", "recipient": "dev", "body": ""}, "body"),
        ({"channel": "console", "recipient": "dev", "body": "", "template": "../x"}, "template"),
    ],
)
def test_invalid_messages_are_refused(db, kwargs, field):
    with pytest.raises(DomainError) as exc:
        message_queue(**kwargs)
    assert exc.value.field == field
    assert Message.objects.count() == 0


def test_sms_recipient_is_normalised(db):
    message = message_queue(channel="sms", recipient="+86 138-0000-1111", body="hi")
    assert message.recipient == "13800001111"
    assert message.masked_recipient == "138****1111"


def test_only_phone_numbers_are_masked(db):
    in_app = message_queue(channel="in_app", recipient="42", body="hi")
    console = message_queue(channel="console", recipient="13912345678", body="hi")
    assert in_app.masked_recipient == "42"
    assert console.masked_recipient == "139****5678"
