"""Channels delivered through a company's provider account (SMS, WeChat)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from wuye.messaging.accounts import active_account
from wuye.messaging.channels.base import Channel, DeliveryResult, PermanentFailure
from wuye.messaging.models import Message
from wuye.messaging.models.config import PROVIDER_CHANNEL

if TYPE_CHECKING:
    from wuye.messaging.models import ChannelAccount


def message_company_id(message: Message) -> int | None:
    """The company a message is sent for: its own, else its project's."""
    if message.company_id is not None:
        return message.company_id
    project = message.project if message.project_id is not None else None
    return project.company_id if project is not None else None


class ProviderChannel(Channel):
    """Sends through the account ``account_for`` picks, with that account's provider."""

    no_account: ClassVar[Promise | str]

    def account_for(self, message: Message) -> ChannelAccount | None:
        """The active account of the message's company for this channel, else the active
        site-wide default, else None."""
        return active_account(company_id=message_company_id(message), channel=self.name)

    def send(self, message: Message) -> DeliveryResult:
        from wuye.messaging.providers import client_for

        account = message.account
        if account is None:
            account = self.account_for(message)
            if account is None:
                raise PermanentFailure(str(self.no_account))
            message.account = account
            # Receipts find the message by (account, provider id): record the account.
            Message.objects.filter(pk=message.pk).update(account=account)
        if PROVIDER_CHANNEL.get(account.provider) != self.name:  # type: ignore[call-overload]
            raise PermanentFailure(
                _("The account “%(account)s” (%(provider)s) cannot send %(channel)s messages.")
                % {"account": account.name, "provider": account.provider, "channel": self.name}
            )
        return client_for(account).send(message, account)
