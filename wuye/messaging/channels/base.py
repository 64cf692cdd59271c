"""What every delivery channel implements, and how it reports failure."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from wuye.messaging.models import ChannelAccount, Message


@dataclass(frozen=True)
class DeliveryResult:
    """What the provider said: its id for the message, kept for support and receipts."""

    provider_id: str = ""
    # True when sending is itself the delivery (the in-app inbox); else a receipt may follow.
    delivered: bool = False


class DeliveryFailure(Exception):
    """Base of the two failures a channel may raise; ``str(exc)`` becomes ``last_error``."""


class TemporaryFailure(DeliveryFailure):
    """Try again later (timeouts, rate limits, provider outages)."""


class PermanentFailure(DeliveryFailure):
    """Retrying cannot help (bad address, channel not configured, template missing)."""


class Channel(ABC):
    """A way to deliver a message. ``send`` either returns a ``DeliveryResult`` or raises
    ``TemporaryFailure`` / ``PermanentFailure``; it must not touch the message's status."""

    name: ClassVar[str]

    def account_for(self, message: Message) -> ChannelAccount | None:
        """The provider account that will send ``message`` (for its rate limit and
        receipts); None for channels without accounts. Called by the core before ``send``."""
        return None

    @abstractmethod
    def send(self, message: Message) -> DeliveryResult:
        raise NotImplementedError
