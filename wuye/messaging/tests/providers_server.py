"""A local stand-in for the providers: an HTTP server on 127.0.0.1 that checks each
request's signature the way the provider documents it — written here from the published
algorithms, independently of ``wuye.messaging.providers`` — records the request and
answers like the provider would.

Paths: ``/aliyun/`` (Aliyun RPC, HMAC-SHA1 v1.0), ``/tencent/`` (TC3-HMAC-SHA256),
``/http/`` (the generic gateway, X-Wuye-Signature), ``/wechat/cgi-bin/...`` (token and
template send).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache

from wuye.messaging.models import ChannelAccount, Message, MessageStatus, ProviderTemplate
from wuye.testing.factories import CompanyFactory

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def aliyun_encode(text: str) -> str:
    """RFC 3986 percent-encoding, byte by byte, as Aliyun's RPC signature spells it out."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def aliyun_expected_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    pairs = sorted((aliyun_encode(k), aliyun_encode(v)) for k, v in params.items())
    canonical = "&".join(f"{k}={v}" for k, v in pairs)
    to_sign = method + "&" + aliyun_encode("/") + "&" + aliyun_encode(canonical)
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode(), "sha1").digest()
    return base64.b64encode(mac).decode()


def tc3_expected_signature(
    *,
    secret_key: str,
    method: str,
    headers: dict[str, str],
    signed: list[str],
    payload: bytes,
    timestamp: str,
    service: str,
) -> str:
    lines = [method, "/", ""]
    lines.append("".join(f"{name}:{headers[name].strip()}\n" for name in signed))
    lines.append(";".join(signed))
    lines.append(hashlib.sha256(payload).hexdigest())
    canonical = "\n".join(lines)
    day = time.strftime("%Y-%m-%d", time.gmtime(int(timestamp)))
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            timestamp,
            f"{day}/{service}/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )

    def step(key: bytes, data: str) -> bytes:
        return hmac.new(key, data.encode(), "sha256").digest()

    key = step(step(step(b"TC3" + secret_key.encode(), day), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), "sha256").hexdigest()


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list → JSON, bytes as they are, None → the provider's success
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    problem: str = ""

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeProviders:
    """Secrets the fake knows (key id → secret), the replies to give per provider (in
    order; then success), and every request seen."""

    secrets: dict[str, str] = field(default_factory=dict)
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    wechat_tokens_issued: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reply(self, provider: str, status: int = 200, body: Any = None, delay: float = 0.0) -> None:
        self.replies.setdefault(provider, []).append(Reply(status, body, delay))

    def requests(self, path_prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(path_prefix)]

    # --- verification, per provider ------------------------------------------------------

    def check_aliyun(self, query: dict[str, str]) -> str:
        params = dict(query)
        given = params.pop("Signature", "")
        secret = self.secrets.get(params.get("AccessKeyId", ""))
        if secret is None:
            return "unknown AccessKeyId"
        for name, value in {"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0"}.items():
            if params.get(name) != value:
                return f"{name} must be {value}"
        if not params.get("SignatureNonce"):
            return "no SignatureNonce"
        try:
            dt.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return "Timestamp is not ISO 8601 UTC"
        if not hmac.compare_digest(given, aliyun_expected_signature(params, secret)):
            return "signature mismatch"
        return ""

    def check_tencent(self, headers: dict[str, str], body: bytes) -> str:
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        if algorithm != "TC3-HMAC-SHA256":
            return "not TC3-HMAC-SHA256"
        parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        secret_id, day, service, terminal = parts.get("Credential", "////").split("/")
        secret = self.secrets.get(secret_id)
        if secret is None:
            return "unknown SecretId"
        timestamp = headers.get("x-tc-timestamp", "")
        if day != time.strftime("%Y-%m-%d", time.gmtime(int(timestamp or 0))):
            return "credential date is not the UTC date of X-TC-Timestamp"
        if (service, terminal) != ("sms", "tc3_request"):
            return "credential scope must be <date>/sms/tc3_request"
        signed = parts.get("SignedHeaders", "").split(";")
        if signed != ["content-type", "host"]:
            return "signed headers must be content-type;host"
        expected = tc3_expected_signature(
            secret_key=secret,
            method="POST",
            headers=headers,
            signed=signed,
            payload=body,
            timestamp=timestamp,
            service="sms",
        )
        if not hmac.compare_digest(parts.get("Signature", ""), expected):
            return "signature mismatch"
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return "wrong action or version"
        return ""

    def check_http(self, headers: dict[str, str], body: bytes) -> str:
        secret = self.secrets.get("gateway", "")
        expected = "sha256=" + hmac.new(secret.encode(), body, "sha256").hexdigest()
        if not hmac.compare_digest(headers.get("x-wuye-signature", ""), expected):
            return "signature mismatch"
        if not headers.get("idempotency-key"):
            return "no Idempotency-Key"
        return ""

    # --- answering ---------------------------------------------------------------------------

    def answer(self, provider: str, seen: Seen) -> Reply:
        queue = self.replies.get(provider) or []
        if seen.problem:
            return self._signature_error(provider)
        if queue:
            return queue.pop(0)
        return Reply(200, None)

    @staticmethod
    def _signature_error(provider: str) -> Reply:
        return {
            "aliyun": Reply(400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}),
            "tencent": Reply(
                200,
                {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "x"}}},
            ),
            "http": Reply(401, {"error": "bad signature"}),
            "wechat-token": Reply(200, {"errcode": 40125, "errmsg": "invalid appsecret"}),
            "wechat": Reply(200, {"errcode": 40001, "errmsg": "invalid credential"}),
        }[provider]

    def success(self, provider: str, seen: Seen) -> Any:
        n = len(self.seen)
        if provider == "aliyun":
            return {"Code": "OK", "Message": "OK", "BizId": f"biz-{n}", "RequestId": "r"}
        if provider == "tencent":
            return {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": f"serial-{n}",
                            "PhoneNumber": seen.json["PhoneNumberSet"][0],
                            "Code": "Ok",
                            "Message": "send success",
                            "SessionContext": seen.json["SessionContext"],
                        }
                    ],
                    "RequestId": "r",
                }
            }
        if provider == "http":
            return {"id": f"gw-{n}"}
        if seen.path.endswith("/cgi-bin/token"):
            token = f"token-{len(self.wechat_tokens_issued) + 1}"
            self.wechat_tokens_issued.append(token)
            return {"access_token": token, "expires_in": 7200}
        return {"errcode": 0, "errmsg": "ok", "msgid": 1000 + n}


def _handler(fake: FakeProviders) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            provider = url.path.strip("/").split("/")[0]
            problem = ""
            if provider == "aliyun":
                problem = fake.check_aliyun(query)
            elif provider == "tencent":
                problem = fake.check_tencent(headers, body)
            elif provider == "http":
                problem = fake.check_http(headers, body)
            elif provider == "wechat":
                if url.path.endswith("/cgi-bin/token"):
                    if fake.secrets.get(query.get("appid", "")) != query.get("secret"):
                        problem = "wrong appid/secret"
                    provider = "wechat-token"
                elif query.get("access_token") not in fake.wechat_tokens_issued:
                    problem = "unknown access_token"
            seen = Seen(self.command, url.path, query, headers, body, not problem, problem)
            fake.seen.append(seen)
            reply = fake.answer(provider, seen)
            provider = "wechat" if provider == "wechat-token" else provider
            if reply.delay:
                time.sleep(reply.delay)
            content = reply.body if reply.body is not None else fake.success(provider, seen)
            raw = content if isinstance(content, bytes) else json.dumps(content).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

        do_GET = _serve
        do_POST = _serve

    return Handler


class ProviderServer:
    """Context manager: ``with ProviderServer() as fake: ... fake.base ...``."""

    def __init__(self) -> None:
        self.fake = FakeProviders()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.server.daemon_threads = True
        self.fake.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProviders:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- fixtures shared by the provider and callback tests (import them in the test module) ---

SECRET = "s3cr3t-key"
MOBILE = "13800001111"


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    cache.clear()  # WeChat tokens
    with ProviderServer() as providers:
        yield providers
    cache.clear()


@pytest.fixture
def company(db: Any) -> Any:
    return CompanyFactory()


@pytest.fixture
def make_account(fake: FakeProviders, company: Any) -> Callable[..., ChannelAccount]:
    """``make_account("aliyun_sms", templates={"accounts.login_code": ("SMS_1", ["code"])})``:
    an account of ``company`` whose endpoint is the fake, its secret known to the fake."""

    paths = {
        "aliyun_sms": ("endpoint", "/aliyun/"),
        "tencent_sms": ("endpoint", "/tencent/"),
        "http_sms": ("url", "/http/send"),
        "wechat_mp": ("base_url", "/wechat"),
    }

    def make(
        provider: str,
        *,
        templates: dict[str, tuple[str, list[str]]] | None = None,
        key_id: str | None = None,
        owner: Any = "company",
        **config: Any,
    ) -> ChannelAccount:
        key = key_id or {"http_sms": "gateway"}.get(provider, f"{provider}-key")
        setting, path = paths[provider]
        account = ChannelAccount.objects.create(
            company=company if owner == "company" else owner,
            provider=provider,
            name=f"{provider} account",
            key_id=key,
            secret=SECRET,
            sign_name="万家物业",
            config={setting: fake.base + path, "timeout": 2, **config},
        )
        fake.secrets[key] = SECRET
        for event, (code, variables) in (templates or {}).items():
            ProviderTemplate.objects.create(
                account=account, event=event, code=code, variables=variables
            )
        return account

    return make


@pytest.fixture
def make_message(company: Any) -> Callable[..., Message]:
    def make(**fields: Any) -> Message:
        values: dict[str, Any] = {
            "company": company,
            "channel": "sms",
            "recipient": MOBILE,
            "event": "accounts.login_code",
            "context": {"code": "123456", "minutes": 5},
            "body": "您的验证码是 123456。",
            "status": MessageStatus.SENDING,
            **fields,
        }
        return Message.objects.create(**values)

    return make
