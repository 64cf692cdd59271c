"""Access cases of the providers' status callbacks (``messaging_hooks:*``).

They are called by Aliyun, Tencent Cloud, WeChat and SMS gateways, never by a logged-in
user: each one checks the account's callback secret (token in the URL, HMAC or WeChat's
signature) and answers 403 without it (proven in wuye/messaging/tests/test_callbacks.py).
"""

from __future__ import annotations

from tests.isolation_support import Case

_REASON = "provider callback, verified by signature"

CASES: dict[str, Case] = {
    "messaging_hooks:aliyun": Case("public", reason=_REASON),
    "messaging_hooks:tencent": Case("public", reason=_REASON),
    "messaging_hooks:http": Case("public", reason=_REASON),
    "messaging_hooks:wechat": Case("public", reason=_REASON),
}
