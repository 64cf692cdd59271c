"""Run the outbox sweeps once: requeue messages of dead workers, re-enqueue lost retries.

``manage.py scheduler`` already runs them every minute (entry ``messaging.sweep``); this
command is for operators and for deployments that prefer cron.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wuye.messaging.services import message_requeue_stale, message_retry_due


class Command(BaseCommand):
    help = "Requeue messages stuck in 'sending' and enqueue delivery for overdue queued messages."

    def handle(self, *args: Any, **options: Any) -> None:
        stale = message_requeue_stale()
        due = message_retry_due()
        self.stdout.write(f"requeued {stale} stale, enqueued {due} due")
