from __future__ import annotations

import pytest

from wuye.messaging.channels import _REGISTRY
from wuye.messaging.channels.base import Channel, DeliveryResult, TemporaryFailure


class ScriptedChannel(Channel):
    """Test double: raises the queued outcomes in order, then succeeds."""

    name = "sms"
    outcomes: list[Exception] = []
    sent: list[int] = []

    def send(self, message):
        if self.outcomes:
            raise self.outcomes.pop(0)
        self.sent.append(message.pk)
        return DeliveryResult(provider_id=f"scripted-{message.pk}")


@pytest.fixture
def scripted_sms(settings, monkeypatch):
    """The sms channel is enabled and delivered by ``ScriptedChannel``."""
    settings.WUYE_MESSAGE_CHANNELS = ["sms", "console"]
    monkeypatch.setitem(_REGISTRY, "sms", ScriptedChannel)
    monkeypatch.setattr(ScriptedChannel, "outcomes", [])
    monkeypatch.setattr(ScriptedChannel, "sent", [])
    return ScriptedChannel


@pytest.fixture
def production_like(settings):
    settings.DEBUG = False
    settings.WUYE_ENV = "production"


def temporary(text: str = "gateway timeout") -> TemporaryFailure:
    return TemporaryFailure(text)
