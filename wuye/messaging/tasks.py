"""Background tasks of the outbox: thin wrappers over services."""

from __future__ import annotations

from django_tasks import task

from wuye.messaging.services import (
    message_deliver,
    message_deliver_batch,
    message_requeue_stale,
    message_retry_due,
)


@task()
def deliver_message(message_id: int) -> str:
    """Deliver one message; safe to run twice (only one run can claim it)."""
    message = message_deliver(message_id=message_id)
    return message.status if message is not None else "skipped"


@task()
def sweep_messages() -> dict[str, int]:
    """Requeue messages of dead workers and re-enqueue overdue ones (scheduled every minute)."""
    return {"requeued": message_requeue_stale(), "enqueued": message_retry_due()}


@task()
def deliver_batch(source: str) -> int:
    """Deliver the queued messages of one campaign (or other bulk ``source``)."""
    return message_deliver_batch(source=source)
