"""What every delivery channel implements, and how it reports failure."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from wuye.messaging.models import Message


@dataclass(frozen=True)
class DeliveryResult:
    """What the provider said: its id for the message, kept for support and receipts."""

    provider_id: str = ""


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

    @abstractmethod
    def send(self, message: Message) -> DeliveryResult:
        raise NotImplementedError
