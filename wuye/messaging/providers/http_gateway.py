"""A generic SMS gateway spoken to in JSON (an operator's own gateway, a local aggregator).

``POST <config["url"]>`` with the body
``{"mobile", "text", "template", "params", "sign", "id"}``, the header
``X-Wuye-Signature: sha256=<hex HMAC-SHA256 of the body with the account secret>`` and
``Idempotency-Key: <message dedupe key or id>`` so that a gateway which deduplicates never
sends a retried message twice. 2xx with ``{"id": …}`` → sent; 429 and 5xx → temporary;
any other 4xx → permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from wuye.messaging.channels.base import DeliveryResult, PermanentFailure, TemporaryFailure
from wuye.messaging.models import Provider
from wuye.messaging.providers import (
    ProviderClient,
    RenderedTemplate,
    account_setting,
    account_timeout,
    http_request,
    provider_template,
)

if TYPE_CHECKING:
    from wuye.messaging.models import ChannelAccount, Message

SIGNATURE_HEADER = "X-Wuye-Signature"


def body_signature(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: the value of ``X-Wuye-Signature`` (requests and callbacks)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class HttpSmsClient(ProviderClient):
    provider = Provider.HTTP_SMS

    def send(self, message: Message, account: ChannelAccount) -> DeliveryResult:
        url = account_setting(account, "url")
        if not url:
            raise PermanentFailure(
                _("The account “%(account)s” has no gateway URL (settings “url”).")
                % {"account": account.name}
            )
        # A gateway may take free text (``"free_text": true``); by default it is treated
        # like the Chinese providers and needs a pre-approved template.
        free_text = (account.config or {}).get("free_text") is True
        if free_text and not account.templates.filter(event=message.event).exists():
            template = RenderedTemplate(code="", variables=[])
        else:
            template = provider_template(message, account)
        body = json.dumps(
            {
                "mobile": message.recipient,
                "text": message.body,
                "template": template.code,
                "params": template.as_dict,
                "sign": account.sign_name,
                "id": str(message.pk),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        reply = http_request(
            url,
            method="POST",
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: body_signature(body, account.secret),
                "Idempotency-Key": message.dedupe_key or str(message.pk),
            },
            timeout=account_timeout(account),
        )
        if 200 <= reply.status < 300:
            data = reply.json()
            provider_id = data.get("id") if isinstance(data, dict) else None
            # Accepted even without an id (no receipts then): sending again would duplicate.
            return DeliveryResult(provider_id="" if provider_id is None else str(provider_id))
        detail = reply.body[:300].decode("utf-8", errors="replace")
        text = f"SMS gateway: HTTP {reply.status} {detail}".strip()
        if reply.status == 429 or reply.status >= 500 or reply.status < 400:
            raise TemporaryFailure(text)
        raise PermanentFailure(text)
