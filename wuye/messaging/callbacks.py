"""Status callbacks from the providers (delivery receipts).

URLs (``urls.py``, mounted at ``hooks/messaging/``), ``<id>`` being the ``ChannelAccount``:

- ``POST /hooks/messaging/<id>/aliyun/?token=<callback secret>`` — Aliyun SMS status report
  push (SmsReport), a JSON array; replies ``{"code": 0, "msg": "成功"}``.
- ``POST /hooks/messaging/<id>/tencent/?token=<callback secret>`` — Tencent SMS status
  callback, a JSON array; replies ``{"result": 0, "errmsg": "OK"}``.
- ``POST /hooks/messaging/<id>/http/`` — the generic gateway, ``{"id", "status", "error"}``
  (or a list of them), signed ``X-Wuye-Signature: sha256=HMAC(callback secret, body)``.
- ``GET|POST /hooks/messaging/<id>/wechat/`` — the WeChat server URL: GET is WeChat's URL
  verification, POST its event push (``TEMPLATESENDJOBFINISH``); both carry WeChat's
  ``signature`` with the callback secret as the token.

Aliyun and Tencent do not sign their pushes, hence the secret token in the URL. A wrong or
missing token/signature → 403 and nothing changes; an unknown account → 404; a body that
cannot be read → 400.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from wuye.messaging.models import ChannelAccount, Provider
from wuye.messaging.providers.http_gateway import SIGNATURE_HEADER, body_signature
from wuye.messaging.receipts import message_receipt

logger = logging.getLogger(__name__)

# Both Chinese providers report local (Beijing) time without a zone.
PROVIDER_TIME_ZONE = ZoneInfo("Asia/Shanghai")
MAX_BODY = 1024 * 1024


class _BadBody(ValueError):
    pass


def _account(account_id: int, provider: str) -> ChannelAccount:
    # Receipts of an account switched off since are still accepted.
    account = ChannelAccount.objects.filter(pk=account_id, provider=provider).first()
    if account is None:
        raise Http404("no such account")
    return account


def _same(given: str, expected: str) -> bool:
    return (
        bool(given)
        and bool(expected)
        and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    )


def _token_ok(request: HttpRequest, account: ChannelAccount) -> bool:
    return _same(request.GET.get("token", ""), account.callback_secret)


def _json_items(request: HttpRequest) -> list[dict[str, Any]]:
    if len(request.body) > MAX_BODY:
        raise _BadBody("body too large")
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _BadBody("not JSON") from exc
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise _BadBody("expected objects")
    return items


def _local_time(value: Any) -> dt.datetime | None:
    """``2026-12-02 08:03:04`` (Beijing time) → an aware datetime; None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return parsed.replace(tzinfo=PROVIDER_TIME_ZONE).astimezone(dt.UTC)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _receipts(
    account: ChannelAccount,
    items: list[dict[str, Any]],
    read: Callable[[dict[str, Any]], tuple[str, bool, str, dt.datetime | None]],
) -> None:
    for item in items:
        try:
            provider_id, delivered, error, at = read(item)
        except (KeyError, TypeError) as exc:
            raise _BadBody("missing field") from exc
        message_receipt(
            account=account,
            provider_message_id=provider_id,
            delivered=delivered,
            error=error,
            at=at,
        )


def _aliyun_item(item: dict[str, Any]) -> tuple[str, bool, str, dt.datetime | None]:
    error = " ".join(str(item.get(key) or "") for key in ("err_code", "err_msg")).strip()
    return (
        str(item["biz_id"]),
        _truthy(item.get("success")),
        error,
        _local_time(item.get("report_time")),
    )


def _tencent_item(item: dict[str, Any]) -> tuple[str, bool, str, dt.datetime | None]:
    delivered = str(item.get("report_status", "")).upper() == "SUCCESS"
    error = " ".join(str(item.get(key) or "") for key in ("errmsg", "description")).strip()
    return (
        str(item["sid"]),
        delivered,
        "" if delivered else error,
        _local_time(item.get("user_receive_time")),
    )


def _http_item(item: dict[str, Any]) -> tuple[str, bool, str, dt.datetime | None]:
    status = str(item["status"])
    if status not in ("delivered", "failed"):
        raise TypeError(status)
    return str(item["id"]), status == "delivered", str(item.get("error") or ""), None


@csrf_exempt
@require_POST
def aliyun_report(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(account_id, Provider.ALIYUN_SMS)
    if not _token_ok(request, account):
        return HttpResponseForbidden()
    try:
        _receipts(account, _json_items(request), _aliyun_item)
    except _BadBody as exc:
        return HttpResponseBadRequest(str(exc))
    return JsonResponse({"code": 0, "msg": "成功"}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def tencent_report(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(account_id, Provider.TENCENT_SMS)
    if not _token_ok(request, account):
        return HttpResponseForbidden()
    try:
        _receipts(account, _json_items(request), _tencent_item)
    except _BadBody as exc:
        return HttpResponseBadRequest(str(exc))
    return JsonResponse({"result": 0, "errmsg": "OK"})


@csrf_exempt
@require_POST
def http_report(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(account_id, Provider.HTTP_SMS)
    expected = body_signature(request.body, account.callback_secret)
    if not _same(request.headers.get(SIGNATURE_HEADER, ""), expected):
        return HttpResponseForbidden()
    try:
        _receipts(account, _json_items(request), _http_item)
    except _BadBody as exc:
        return HttpResponseBadRequest(str(exc))
    return JsonResponse({"ok": True})


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's server signature: sha1 of the sorted token, timestamp and nonce."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()


def _wechat_signed(request: HttpRequest, account: ChannelAccount) -> bool:
    timestamp = request.GET.get("timestamp", "")
    nonce = request.GET.get("nonce", "")
    if not (timestamp and nonce and account.callback_secret):
        return False
    return _same(
        request.GET.get("signature", ""),
        wechat_signature(account.callback_secret, timestamp, nonce),
    )


def _wechat_event(body: bytes) -> dict[str, str]:
    if len(body) > MAX_BODY or b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        # No DTDs: nothing WeChat sends has one (guards against entity expansion).
        raise _BadBody("unexpected XML")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise _BadBody("not XML") from exc
    return {child.tag: (child.text or "").strip() for child in root}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def wechat_report(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(account_id, Provider.WECHAT_MP)
    if not _wechat_signed(request, account):
        return HttpResponseForbidden()
    if request.method == "GET":
        # URL verification when the server URL is saved in the WeChat console.
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    try:
        event = _wechat_event(request.body)
    except _BadBody as exc:
        return HttpResponseBadRequest(str(exc))
    if event.get("MsgType") == "event" and event.get("Event") == "TEMPLATESENDJOBFINISH":
        msg_id = event.get("MsgID", "")
        if not msg_id:
            return HttpResponseBadRequest("no MsgID")
        status = event.get("Status", "")
        try:
            at = dt.datetime.fromtimestamp(int(event.get("CreateTime", "")), dt.UTC)
        except ValueError:
            at = None
        message_receipt(
            account=account,
            provider_message_id=msg_id,
            delivered=status == "success",
            error="" if status == "success" else status,
            at=at,
        )
    # WeChat wants "success" (or an empty body) for every push, handled or not.
    return HttpResponse("success", content_type="text/plain")


__all__ = ["aliyun_report", "http_report", "tencent_report", "wechat_report", "wechat_signature"]
