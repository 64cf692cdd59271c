"""Provider adapters: the HTTP clients behind the SMS and WeChat channels.

Each client turns one outbox ``Message`` into one provider request, signed the way that
provider documents, and classifies the reply: a ``DeliveryResult`` with the provider's id
(matched later by the status callback), a ``TemporaryFailure`` (throttling, timeouts,
outages: retried with backoff) or a ``PermanentFailure`` (bad number, template or
credentials: failed at once). Only the standard library is used.

Chinese SMS providers send only pre-approved templates, so every client starts from the
account's ``ProviderTemplate`` for the message's ``event`` and the variables it lists.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _

from wuye.messaging.channels.base import DeliveryResult, PermanentFailure, TemporaryFailure
from wuye.messaging.models import Message, ProviderTemplate

if TYPE_CHECKING:
    from wuye.messaging.models import ChannelAccount

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds; ``config["timeout"]`` overrides it per account


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def http_request(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> HttpReply:
    """One HTTP request. Any HTTP status is returned (4xx/5xx included); a timeout or a
    connection error raises ``TemporaryFailure``."""
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpReply(status=response.status, body=response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpReply(status=exc.code, body=exc.read())
    except TimeoutError as exc:
        raise TemporaryFailure(_("The provider did not answer in time.")) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise TemporaryFailure(
            _("Could not reach the provider: %(reason)s") % {"reason": reason}
        ) from exc


@dataclass(frozen=True)
class RenderedTemplate:
    """The provider template of a message and its variables, in the template's order."""

    code: str
    variables: list[tuple[str, str]]

    @property
    def as_dict(self) -> dict[str, str]:
        return dict(self.variables)


def provider_template(message: Message, account: ChannelAccount) -> RenderedTemplate:
    """The account's pre-approved template for ``message.event`` with the variables it
    lists, taken from ``message.context``. Records the template code on the message.

    Raises ``PermanentFailure`` when the account has no template for the event or a
    variable the template needs is missing from the context.
    """
    template = ProviderTemplate.objects.filter(account=account, event=message.event).first()
    if template is None:
        raise PermanentFailure(
            _("The account “%(account)s” has no provider template for the event “%(event)s”.")
            % {"account": account.name, "event": message.event or "-"}
        )
    context = message.context if isinstance(message.context, dict) else {}
    names = [str(name) for name in (template.variables or [])]
    missing = [name for name in names if context.get(name) in (None, "")]
    if missing:
        raise PermanentFailure(
            _("The message lacks the variables %(names)s of the provider template “%(code)s”.")
            % {"names": ", ".join(missing), "code": template.code}
        )
    if message.provider_template_code != template.code:
        message.provider_template_code = template.code
        # The core saves only the fields it changes itself: record ours now.
        Message.objects.filter(pk=message.pk).update(provider_template_code=template.code)
    return RenderedTemplate(
        code=template.code, variables=[(name, str(context[name])) for name in names]
    )


def account_timeout(account: ChannelAccount) -> float:
    value = (account.config or {}).get("timeout", DEFAULT_TIMEOUT)
    try:
        return max(float(value), 0.1)
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT


def account_setting(account: ChannelAccount, key: str, default: str = "") -> str:
    value = (account.config or {}).get(key, default)
    return str(value) if value is not None else default


class ProviderClient(ABC):
    """Sends one message through one provider account."""

    provider: ClassVar[str]

    @abstractmethod
    def send(self, message: Message, account: ChannelAccount) -> DeliveryResult:
        raise NotImplementedError


def client_for(account: ChannelAccount) -> ProviderClient:
    """The client for the account's provider; ``PermanentFailure`` for one without."""
    from wuye.messaging.providers.aliyun import AliyunSmsClient
    from wuye.messaging.providers.http_gateway import HttpSmsClient
    from wuye.messaging.providers.tencent import TencentSmsClient
    from wuye.messaging.providers.wechat import WechatTemplateClient

    clients: dict[str, type[ProviderClient]] = {
        cls.provider: cls
        for cls in (AliyunSmsClient, TencentSmsClient, HttpSmsClient, WechatTemplateClient)
    }
    cls = clients.get(account.provider)
    if cls is None:
        raise PermanentFailure(
            _("The provider “%(provider)s” cannot send this message.")
            % {"provider": account.get_provider_display()}
        )
    return cls()


def classify_error(
    code: str,
    message: str,
    *,
    temporary_prefixes: tuple[str, ...],
    provider: str,
) -> PermanentFailure | TemporaryFailure:
    """A provider error code → the failure to raise: temporary when the code starts with
    one of ``temporary_prefixes``, permanent otherwise (the request itself is wrong)."""
    text = f"{provider} {code}: {message}".strip()
    if code.startswith(temporary_prefixes):
        return TemporaryFailure(text)
    return PermanentFailure(text)
