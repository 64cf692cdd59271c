"""Tencent Cloud SMS (腾讯云短信) ``SendSms``, API version 2021-01-11, signed with
TC3-HMAC-SHA256 (Tencent Cloud API "签名方法 v3").

CanonicalRequest = method \\n uri \\n query \\n canonical headers \\n signed headers \\n
hex(sha256(payload)); StringToSign = "TC3-HMAC-SHA256" \\n timestamp \\n
<date>/<service>/tc3_request \\n hex(sha256(CanonicalRequest)); the key is derived with
HMAC-SHA256 over "TC3" + SecretKey → date → service → "tc3_request".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING

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

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
API_VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"

# Worth retrying later; everything else (InvalidParameterValue.*, FailedOperation.* for
# unapproved templates/signatures and bad numbers, AuthFailure.* …) is permanent.
TEMPORARY_CODES = (
    "LimitExceeded.",  # per-number / per-app frequency limits
    "RequestLimitExceeded",
    "InternalError",
    "ResourceUnavailable",
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(
    *,
    secret_key: str,
    service: str,
    timestamp: int,
    headers: Mapping[str, str],
    payload: bytes,
    method: str = "POST",
    uri: str = "/",
    query: str = "",
) -> tuple[str, str]:
    """(signature, signed headers) for a request; ``headers`` are the headers to sign
    (name → value), names in any case."""
    signed = {name.lower(): value.strip() for name, value in headers.items()}
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{signed[name]}\n" for name in names)
    signed_headers = ";".join(names)
    canonical_request = "\n".join(
        [
            method,
            uri,
            query,
            canonical_headers,
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest(), signed_headers


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    timestamp: int,
    headers: Mapping[str, str],
    payload: bytes,
) -> str:
    """The ``Authorization`` header value."""
    signature, signed_headers = tc3_signature(
        secret_key=secret_key,
        service=service,
        timestamp=timestamp,
        headers=headers,
        payload=payload,
    )
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    return (
        f"{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def international(mobile: str) -> str:
    """E.164 for Tencent: mainland numbers get +86."""
    return mobile if mobile.startswith("+") else f"+86{mobile}"


class TencentSmsClient(ProviderClient):
    provider = Provider.TENCENT_SMS

    def send(
        self, message: Message, account: ChannelAccount, *, timestamp: int | None = None
    ) -> DeliveryResult:
        template = provider_template(message, account)
        endpoint = account_setting(account, "endpoint", DEFAULT_ENDPOINT) or DEFAULT_ENDPOINT
        host = urllib.parse.urlsplit(endpoint).netloc
        payload = json.dumps(
            {
                "PhoneNumberSet": [international(message.recipient)],
                "SmsSdkAppId": account_setting(account, "sdk_app_id"),
                "SignName": account.sign_name,
                "TemplateId": template.code,
                "TemplateParamSet": [value for _name, value in template.variables],
                "SessionContext": str(message.pk),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        timestamp = timestamp if timestamp is not None else int(time.time())
        signed = {"Content-Type": CONTENT_TYPE, "Host": host}
        headers = {
            **signed,
            "Authorization": tc3_authorization(
                secret_id=account.key_id,
                secret_key=account.secret,
                service=SERVICE,
                timestamp=timestamp,
                headers=signed,
                payload=payload,
            ),
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": account_setting(account, "region", "ap-guangzhou"),
        }
        reply = http_request(
            endpoint,
            method="POST",
            body=payload,
            headers=headers,
            timeout=account_timeout(account),
        )
        data = reply.json()
        response = data.get("Response") if isinstance(data, dict) else None
        if not isinstance(response, dict):
            raise TemporaryFailure(f"Tencent SMS: HTTP {reply.status} without a JSON reply")
        error = response.get("Error")
        if isinstance(error, dict):
            raise classify_error(
                str(error.get("Code", "")),
                str(error.get("Message", "")),
                temporary_prefixes=TEMPORARY_CODES,
                provider="Tencent SMS",
            )
        statuses = response.get("SendStatusSet") or []
        status = statuses[0] if isinstance(statuses, list) and statuses else None
        if not isinstance(status, dict):
            raise TemporaryFailure("Tencent SMS: reply without SendStatusSet")
        code = str(status.get("Code", ""))
        if code == "Ok":
            return DeliveryResult(provider_id=str(status.get("SerialNo", "")))
        raise classify_error(
            code,
            str(status.get("Message", "")),
            temporary_prefixes=TEMPORARY_CODES,
            provider="Tencent SMS",
        )
