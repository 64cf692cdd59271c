# ruff: noqa: F811 (pytest fixtures imported from providers_server)
"""The generic HTTP SMS gateway: signed JSON body, idempotency key, reply classification."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from wuye.messaging.channels import DeliveryResult, PermanentFailure, TemporaryFailure
from wuye.messaging.channels.sms import SmsChannel
from wuye.messaging.models import ChannelAccount
from wuye.messaging.tests.providers_server import (  # noqa: F401 (fixtures)
    MOBILE,
    SECRET,
    company,
    fake,
    make_account,
    make_message,
)

LOGIN = {"accounts.login_code": ("LOGIN", ["code"])}


@pytest.fixture
def gateway(make_account) -> ChannelAccount:
    return make_account("http_sms", templates=LOGIN)


def test_the_body_is_signed_and_carries_an_idempotency_key(fake, gateway, make_message):
    message = make_message(account=gateway, dedupe_key="otp:13800001111:7")

    result = SmsChannel().send(message)

    [seen] = fake.requests("/http/")
    assert seen.signature_ok, seen.problem
    expected = "sha256=" + hmac.new(SECRET.encode(), seen.body, hashlib.sha256).hexdigest()
    assert seen.headers["x-wuye-signature"] == expected
    assert seen.headers["idempotency-key"] == "otp:13800001111:7"
    assert seen.json == {
        "mobile": MOBILE,
        "text": "您的验证码是 123456。",
        "template": "LOGIN",
        "params": {"code": "123456"},
        "sign": "万家物业",
        "id": str(message.pk),
    }
    assert result == DeliveryResult(provider_id="gw-1")


def test_without_a_dedupe_key_the_message_id_is_the_idempotency_key(fake, gateway, make_message):
    message = make_message(account=gateway)

    SmsChannel().send(message)

    assert fake.seen[0].headers["idempotency-key"] == str(message.pk)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_temporary(fake, gateway, make_message, status):
    fake.reply("http", status, {"error": "busy"})

    with pytest.raises(TemporaryFailure, match=str(status)):
        SmsChannel().send(make_message(account=gateway))


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_other_4xx_are_permanent(fake, gateway, make_message, status):
    fake.reply("http", status, {"error": "invalid mobile"})

    with pytest.raises(PermanentFailure, match=str(status)):
        SmsChannel().send(make_message(account=gateway))


def test_a_wrong_secret_is_refused_by_the_gateway(fake, gateway, make_message):
    fake.secrets["gateway"] = "another"

    with pytest.raises(PermanentFailure, match="401"):
        SmsChannel().send(make_message(account=gateway))
    assert fake.seen[0].problem == "signature mismatch"


def test_a_timeout_is_temporary(fake, make_account, make_message):
    account = make_account("http_sms", templates=LOGIN, timeout=0.3)
    fake.reply("http", 200, None, delay=1.0)

    with pytest.raises(TemporaryFailure):
        SmsChannel().send(make_message(account=account))


def test_without_url_the_account_is_misconfigured(fake, gateway, make_message):
    gateway.config = {}
    gateway.save()

    with pytest.raises(PermanentFailure):
        SmsChannel().send(make_message(account=gateway))


def test_a_free_text_gateway_sends_events_without_provider_template(
    fake, make_account, make_message
):
    account = make_account("http_sms", free_text=True)

    SmsChannel().send(make_message(account=account, event="greeting.holiday"))

    body = fake.seen[0].json
    assert (body["template"], body["params"], body["text"]) == ("", {}, "您的验证码是 123456。")
