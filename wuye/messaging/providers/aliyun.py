"""Aliyun SMS (阿里云短信服务) ``SendSms`` over its HTTP RPC API, signature version 1.0.

Signing (Aliyun "RPC 签名机制"): every parameter except ``Signature`` is percent-encoded
(RFC 3986: only ``A-Z a-z 0-9 - _ . ~`` stay as they are, a space is ``%20``), sorted by
name and joined into the canonicalised query string; the string to sign is
``GET&%2F&`` + percentEncode(canonicalised); the signature is
Base64(HMAC-SHA1(AccessKeySecret + "&", string to sign)).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.utils import timezone

from wuye.messaging.channels.base import DeliveryResult, TemporaryFailure
from wuye.messaging.models import Provider
from wuye.messaging.providers import (
    ProviderClient,
    account_setting,
    account_timeout,
    classify_error,
    http_request,
    provider_template,
)

if TYPE_CHECKING:
    from wuye.messaging.models import ChannelAccount, Message

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
API_VERSION = "2017-05-25"

# Error codes worth retrying later; every other code means the request itself is wrong
# (isv.MOBILE_NUMBER_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.SMS_SIGNATURE_ILLEGAL,
# isv.TEMPLATE_MISSING_PARAMETERS, SignatureDoesNotMatch, InvalidAccessKeyId.NotFound …).
TEMPORARY_CODES = (
    "isv.BUSINESS_LIMIT_CONTROL",  # per-number minute/hour/day flow control
    "Throttling",  # Throttling, Throttling.User, Throttling.Api …
    "isp.",  # Aliyun-side system errors (isp.SYSTEM_ERROR …)
    "ServiceUnavailable",
    "InternalError",
)


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding as the RPC signature requires (``~`` kept, space → %20)."""
    return urllib.parse.quote(value, safe="~")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )


def string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def rpc_signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """The ``Signature`` parameter for ``params`` (which must not contain it)."""
    digest = hmac.new(
        (secret + "&").encode("utf-8"),
        string_to_sign(params, method).encode("utf-8"),
        hashlib.sha1,
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(endpoint: str, params: Mapping[str, str], secret: str) -> str:
    query = canonicalized_query(params)
    signature = percent_encode(rpc_signature(params, secret))
    return f"{endpoint.split('?')[0]}?{query}&Signature={signature}"


class AliyunSmsClient(ProviderClient):
    provider = Provider.ALIYUN_SMS

    def send(
        self, message: Message, account: ChannelAccount, *, now: dt.datetime | None = None
    ) -> DeliveryResult:
        template = provider_template(message, account)
        now = now or timezone.now()
        params = {
            "AccessKeyId": account.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(message.pk),
            "PhoneNumbers": message.recipient,
            "RegionId": account_setting(account, "region", "cn-hangzhou"),
            "SignName": account.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template.code,
            "TemplateParam": json.dumps(template.as_dict, ensure_ascii=False),
            "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        endpoint = account_setting(account, "endpoint", DEFAULT_ENDPOINT) or DEFAULT_ENDPOINT
        reply = http_request(
            signed_url(endpoint, params, account.secret), timeout=account_timeout(account)
        )
        data = reply.json()
        if not isinstance(data, dict):
            # Not Aliyun's JSON: a proxy or load balancer answered.
            raise TemporaryFailure(f"Aliyun SMS: HTTP {reply.status} without a JSON reply")
        code = str(data.get("Code", ""))
        if code == "OK":
            return DeliveryResult(provider_id=str(data.get("BizId", "")))
        if reply.status >= 500 and not code:
            raise TemporaryFailure(f"Aliyun SMS: HTTP {reply.status}")
        raise classify_error(
            code or f"HTTP {reply.status}",
            str(data.get("Message", "")),
            temporary_prefixes=TEMPORARY_CODES,
            provider="Aliyun SMS",
        )
