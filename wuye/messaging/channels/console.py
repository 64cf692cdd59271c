"""Development channel: writes the message to stdout and the log instead of sending it."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from wuye.messaging.channels.base import Channel, DeliveryResult

if TYPE_CHECKING:
    from wuye.messaging.models import Message

logger = logging.getLogger("wuye.messaging.console")


class ConsoleChannel(Channel):
    name = "console"

    def send(self, message: Message) -> DeliveryResult:
        # The recipient is masked (personal data in logs); the body is shown in full because
        # the point of this channel is that a developer can read one-time codes.
        lines = [
            f"----- message {message.pk} via {message.channel} to {message.masked_recipient} -----",
            *([f"Subject: {message.subject}"] if message.subject else []),
            message.body,
            "-" * 40,
        ]
        text = "\n".join(lines)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        logger.info("message %s printed to console (channel %s)", message.pk, message.channel)
        return DeliveryResult(provider_id=f"console-{message.pk}")
