"""Delivery receipts: a provider's report that a sent message reached the handset, or not.

Called by the status-callback views (``callbacks.py``). A receipt moves a ``sent``
message to ``delivered`` or ``failed`` with a conditional UPDATE, so a receipt the
provider repeats (they retry their pushes) changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from wuye.messaging.models import Message, MessageEvent, MessageStatus

if TYPE_CHECKING:
    from wuye.messaging.models import ChannelAccount

logger = logging.getLogger(__name__)


def message_receipt(
    *,
    account: ChannelAccount,
    provider_message_id: str,
    delivered: bool,
    error: str = "",
    at: dt.datetime | None = None,
) -> Message | None:
    """Record the provider's receipt for the message it knows as ``provider_message_id``.

    ``sent`` → ``delivered`` (``delivered_at``) or ``sent`` → ``failed`` (``receipt_error``,
    ``last_error``), each with a ``MessageEvent``, then lets the notification behind the
    message go on (``notification_after_message``: done, or the next channel). Returns the
    message, or None when no message of ``account`` has that id. A message in any other
    status (already settled by an earlier receipt, or not yet recorded as sent) is
    returned unchanged.
    """
    provider_message_id = provider_message_id.strip()
    if not provider_message_id:
        return None
    at = at or timezone.now()
    message = (
        Message.objects.filter(account=account, provider_message_id=provider_message_id)
        .order_by("-pk")
        .first()
    )
    if message is None:
        logger.info("receipt for unknown message %r of account %s", provider_message_id, account.pk)
        return None
    error = error.strip()
    if delivered:
        code, to_status = "messaging.message.delivered", MessageStatus.DELIVERED
        fields: dict[str, object] = {"status": to_status, "delivered_at": at}
    else:
        code, to_status = "messaging.message.undelivered", MessageStatus.FAILED
        error = error or "undelivered"
        fields = {"status": to_status, "receipt_error": error[:500], "last_error": error}
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status=MessageStatus.SENT).update(**fields)
        if not updated:
            message.refresh_from_db()
            return message
        message.refresh_from_db()
        MessageEvent.objects.create(
            message=message,
            at=at,
            code=code,
            from_status=MessageStatus.SENT,
            to_status=to_status,
            note=error[:2000],
        )
        # The core's hand-over: mark the notification delivered, or fall back to its next
        # channel. Imported here so this module does not depend on it at import time.
        from wuye.messaging.notify import notification_after_message

        notification_after_message(message, now=at)
    return message
