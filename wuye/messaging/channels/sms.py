"""SMS through the company's account at Aliyun, Tencent Cloud or a generic HTTP gateway."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wuye.messaging.channels.provider import ProviderChannel


class SmsChannel(ProviderChannel):
    name = "sms"
    no_account = _("no SMS account configured")
