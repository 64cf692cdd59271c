"""WeChat official-account template messages through the company's WeChat account."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wuye.messaging.channels.provider import ProviderChannel


class WechatChannel(ProviderChannel):
    name = "wechat"
    no_account = _("no WeChat account configured")
