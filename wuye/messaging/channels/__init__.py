"""Channel registry: which adapter delivers which ``Message.channel``.

Only channels listed in ``settings.WUYE_MESSAGE_CHANNELS`` are used. Rule for development
(no setting involved): when a message's channel is *not* enabled (or has no adapter yet) and
the site runs with ``DEBUG`` or ``WUYE_ENV == "development"``, the console channel delivers
it instead, so that e.g. one-time login codes sent by SMS appear in the runserver/worker
output. Elsewhere (production, tests with ``WUYE_ENV=test``) such a message fails
permanently with "channel not configured".

Later adapters (SMS gateways, WeChat, in-app) register themselves with ``register_channel``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from wuye.messaging.channels.base import (
    Channel,
    DeliveryFailure,
    DeliveryResult,
    PermanentFailure,
    TemporaryFailure,
)
from wuye.messaging.channels.console import ConsoleChannel
from wuye.messaging.channels.email import EmailChannel
from wuye.messaging.channels.in_app import InAppChannel
from wuye.messaging.channels.sms import SmsChannel
from wuye.messaging.channels.wechat import WechatChannel

ChannelFactory = Callable[[], Channel]

_REGISTRY: dict[str, ChannelFactory] = {
    ConsoleChannel.name: ConsoleChannel,
    EmailChannel.name: EmailChannel,
    InAppChannel.name: InAppChannel,
    SmsChannel.name: SmsChannel,
    WechatChannel.name: WechatChannel,
}
# Channels that need no provider and are always on.
ALWAYS_ENABLED = frozenset({InAppChannel.name})


def register_channel(name: str, factory: ChannelFactory) -> None:
    """Make ``factory`` deliver messages of channel ``name`` (when the channel is enabled)."""
    _REGISTRY[name] = factory


def enabled_channels() -> frozenset[str]:
    return frozenset(settings.WUYE_MESSAGE_CHANNELS) | ALWAYS_ENABLED


def console_fallback_allowed() -> bool:
    return bool(settings.DEBUG) or getattr(settings, "WUYE_ENV", "") == "development"


def channel_for(name: str) -> Channel:
    """The adapter for channel ``name``; raises ``PermanentFailure`` when none is configured."""
    factory = _REGISTRY.get(name) if name in enabled_channels() else None
    if factory is not None:
        return factory()
    if console_fallback_allowed():
        return ConsoleChannel()
    raise PermanentFailure(_("Channel “%(channel)s” is not configured.") % {"channel": name})


__all__ = [
    "Channel",
    "DeliveryFailure",
    "DeliveryResult",
    "PermanentFailure",
    "TemporaryFailure",
    "channel_for",
    "console_fallback_allowed",
    "enabled_channels",
    "register_channel",
]
