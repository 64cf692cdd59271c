"""End to end: queued messages are delivered by ``manage.py db_worker --batch``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from wuye.messaging.models import Message, MessageStatus
from wuye.messaging.services import message_queue


@pytest.mark.django_db(transaction=True)
def test_db_worker_batch_delivers_queued_messages(capsys):
    first = message_queue(channel="console", recipient="dev", body="first message")
    second = message_queue(channel="console", recipient="dev", body="second message")

    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, stdout=StringIO()
    )

    assert set(Message.objects.values_list("pk", "status")) == {
        (first.pk, MessageStatus.SENT),
        (second.pk, MessageStatus.SENT),
    }
    out = capsys.readouterr().out
    assert "first message" in out and "second message" in out
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert set(DBTaskResult.objects.values_list("return_value", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_message_sweep_command_reports_counts():
    out = StringIO()
    call_command("message_sweep", stdout=out)
    assert out.getvalue().strip() == "requeued 0 stale, enqueued 0 due"


def test_sweeps_are_scheduled_every_minute(db):
    import datetime as dt

    from wuye.core.scheduling import entries
    from wuye.messaging.tasks import sweep_messages

    [entry] = [e for e in entries() if e.name == "messaging.sweep"]
    assert entry.every == dt.timedelta(minutes=1)
    assert entry.task.module_path == "wuye.messaging.tasks.sweep_messages"
    assert sweep_messages.call() == {"requeued": 0, "enqueued": 0}
