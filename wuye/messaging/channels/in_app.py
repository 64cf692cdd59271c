"""In-app messages: the resident portal's inbox and the staff notification bell.

Sending is delivery: the message row itself is the inbox entry (``recipient`` is the
user's id). It fails permanently when the user is gone or deactivated, so that the
notification falls back to the next channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wuye.messaging.channels.base import Channel, DeliveryResult, PermanentFailure

if TYPE_CHECKING:
    from wuye.messaging.models import Message


class InAppChannel(Channel):
    name = "in_app"

    def send(self, message: Message) -> DeliveryResult:
        from wuye.accounts.models import User

        if (
            not message.recipient.isdigit()
            or not User.objects.filter(pk=int(message.recipient), is_active=True).exists()
        ):
            raise PermanentFailure(f"no active user {message.recipient!r} for the inbox")
        return DeliveryResult(provider_id=f"inbox:{message.pk}", delivered=True)
