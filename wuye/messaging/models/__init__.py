"""Messaging models: the outbox (``Message``), the logical ``Notification`` behind it
(channel plan and fallback), per-company channel accounts and policy, templates, contact
preferences."""

from wuye.messaging.models.config import (
    ChannelAccount,
    MessagingPolicy,
    Provider,
    ProviderTemplate,
    RateWindow,
)
from wuye.messaging.models.notifications import (
    ContactPreference,
    MessageTemplate,
    Notification,
    NotificationStatus,
)
from wuye.messaging.models.outbox import (
    DEFAULT_MAX_ATTEMPTS,
    Message,
    MessageCategory,
    MessageChannel,
    MessageEvent,
    MessageStatus,
)

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "ChannelAccount",
    "ContactPreference",
    "Message",
    "MessageCategory",
    "MessageChannel",
    "MessageEvent",
    "MessageStatus",
    "MessageTemplate",
    "MessagingPolicy",
    "Notification",
    "NotificationStatus",
    "Provider",
    "ProviderTemplate",
    "RateWindow",
]
