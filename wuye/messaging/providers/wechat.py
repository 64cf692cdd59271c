"""WeChat official account (微信公众号) template messages (模板消息).

The access token comes from ``GET /cgi-bin/token?grant_type=client_credential`` with the
account's AppID (``key_id``) and AppSecret (``secret``) and is kept in Django's cache until
shortly before it expires. A message is ``POST /cgi-bin/message/template/send`` with
``touser`` = the recipient's open id, ``template_id`` and ``data`` {variable: {"value": …}}.
A token WeChat reports as expired or invalid (40001, 40014, 42001) is fetched again once.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from typing import TYPE_CHECKING

from django.core.cache import cache

from wuye.messaging.channels.base import DeliveryResult, PermanentFailure, TemporaryFailure
from wuye.messaging.models import Provider
from wuye.messaging.providers import (
    ProviderClient,
    account_setting,
    account_timeout,
    http_request,
    provider_template,
)

if TYPE_CHECKING:
    from wuye.messaging.models import ChannelAccount, Message

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
# Tokens are refreshed this long before WeChat says they expire.
TOKEN_MARGIN_SECONDS = 300

TOKEN_INVALID = frozenset({40001, 40014, 42001})
# -1 system busy, 45009 daily API quota reached, 45047 too many messages to this user.
TEMPORARY_ERRCODES = frozenset({-1, 45009, 45047})


def _token_cache_key(account: ChannelAccount) -> str:
    # The AppID is part of the key: a changed AppID must not reuse the old token.
    appid = hashlib.sha256(account.key_id.encode("utf-8")).hexdigest()[:16]
    return f"wuye:messaging:wechat-token:{account.pk}:{appid}"


def _base_url(account: ChannelAccount) -> str:
    return (account_setting(account, "base_url", DEFAULT_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")


def _errcode(data: dict[str, object], default: int = 0) -> int:
    value = data.get("errcode", default)
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return -1


def _failure(errcode: int, errmsg: str, what: str) -> PermanentFailure | TemporaryFailure:
    text = f"WeChat {what}: errcode {errcode} {errmsg}".strip()
    if errcode in TEMPORARY_ERRCODES:
        return TemporaryFailure(text)
    # 43004 not subscribed, 40003 bad open id, 40037 bad template id, 40013 bad AppID,
    # 40125 bad AppSecret, 40164 server IP not whitelisted …: retrying cannot help.
    return PermanentFailure(text)


def access_token(account: ChannelAccount, *, refresh: bool = False) -> str:
    """The account's access token, from the cache unless ``refresh``."""
    key = _token_cache_key(account)
    if not refresh:
        cached = cache.get(key)
        if isinstance(cached, str) and cached:
            return cached
    query = urllib.parse.urlencode(
        {"grant_type": "client_credential", "appid": account.key_id, "secret": account.secret}
    )
    reply = http_request(
        f"{_base_url(account)}/cgi-bin/token?{query}", timeout=account_timeout(account)
    )
    data = reply.json()
    if not isinstance(data, dict):
        raise TemporaryFailure(f"WeChat token: HTTP {reply.status} without a JSON reply")
    token = data.get("access_token")
    if not token:
        raise _failure(_errcode(data, -1), str(data.get("errmsg", "")), "token")
    try:
        expires_in = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    cache.set(key, str(token), timeout=max(expires_in - TOKEN_MARGIN_SECONDS, 60))
    return str(token)


class WechatTemplateClient(ProviderClient):
    provider = Provider.WECHAT_MP

    def send(self, message: Message, account: ChannelAccount) -> DeliveryResult:
        template = provider_template(message, account)
        payload: dict[str, object] = {
            "touser": message.recipient,
            "template_id": template.code,
            "data": {name: {"value": value} for name, value in template.variables},
        }
        link = (message.context or {}).get("url") if isinstance(message.context, dict) else None
        if isinstance(link, str) and link.startswith(("https://", "http://")):
            payload["url"] = link
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        token = access_token(account)
        data = self._post(account, token, body)
        errcode = _errcode(data)
        if errcode in TOKEN_INVALID:
            # Another process refreshed the token, or it expired early: fetch it once more.
            token = access_token(account, refresh=True)
            data = self._post(account, token, body)
            errcode = _errcode(data)
            if errcode in TOKEN_INVALID:
                raise TemporaryFailure(
                    f"WeChat send: errcode {errcode} {data.get('errmsg', '')} after a new token"
                )
        if errcode == 0:
            return DeliveryResult(provider_id=str(data.get("msgid", "")))
        raise _failure(errcode, str(data.get("errmsg", "")), "send")

    def _post(self, account: ChannelAccount, token: str, body: bytes) -> dict[str, object]:
        query = urllib.parse.urlencode({"access_token": token})
        reply = http_request(
            f"{_base_url(account)}/cgi-bin/message/template/send?{query}",
            method="POST",
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=account_timeout(account),
        )
        data = reply.json()
        if not isinstance(data, dict):
            raise TemporaryFailure(f"WeChat send: HTTP {reply.status} without a JSON reply")
        return data
