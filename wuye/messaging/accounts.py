"""Which provider account serves a company on a channel."""

from __future__ import annotations

from wuye.messaging.models import ChannelAccount


def active_account(*, company_id: int | None, channel: str) -> ChannelAccount | None:
    """The company's active account for ``channel``, else the active site-wide default."""
    if company_id is not None:
        own = ChannelAccount.objects.filter(
            company_id=company_id, channel=channel, is_active=True
        ).first()
        if own is not None:
            return own
    return ChannelAccount.objects.filter(
        company__isnull=True, channel=channel, is_active=True
    ).first()
