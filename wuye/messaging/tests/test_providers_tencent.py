# ruff: noqa: F811 (pytest fixtures imported from providers_server)
"""Tencent Cloud SMS: TC3-HMAC-SHA256 (against Tencent's worked example and an independent
verifier), the SendSms body, and how each reply is classified."""

from __future__ import annotations

import hashlib

import pytest

from wuye.messaging.channels import DeliveryResult, PermanentFailure, TemporaryFailure
from wuye.messaging.channels.sms import SmsChannel
from wuye.messaging.models import ChannelAccount
from wuye.messaging.providers.tencent import tc3_authorization, tc3_signature
from wuye.messaging.tests.providers_server import (  # noqa: F401 (fixtures)
    MOBILE,
    company,
    fake,
    make_account,
    make_message,
    tc3_expected_signature,
)

LOGIN = {"accounts.login_code": ("1234567", ["code", "minutes"])}

# Tencent Cloud API "签名方法 v3", worked example (CVM DescribeInstances, 2019-02-25). The
# current page masks the keys: SecretId "AKID" + 32 "*", SecretKey 32 "*" — and that
# literal key gives the published signature (and the published derived key b596b923…).
DOC_SECRET_ID = "AKID" + "*" * 32
DOC_SECRET_KEY = "*" * 32
DOC_TIMESTAMP = 1551113065
DOC_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
DOC_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Host": "cvm.tencentcloudapi.com",
    "X-TC-Action": "describeinstances",  # the example signs the action, lower-cased
}
DOC_SIGNATURE = "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"


def test_signature_matches_tencents_worked_example():
    assert hashlib.sha256(DOC_PAYLOAD).hexdigest() == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    signature, signed = tc3_signature(
        secret_key=DOC_SECRET_KEY,
        service="cvm",
        timestamp=DOC_TIMESTAMP,
        headers=DOC_HEADERS,
        payload=DOC_PAYLOAD,
    )
    assert (signature, signed) == (DOC_SIGNATURE, "content-type;host;x-tc-action")
    assert tc3_authorization(
        secret_id=DOC_SECRET_ID,
        secret_key=DOC_SECRET_KEY,
        service="cvm",
        timestamp=DOC_TIMESTAMP,
        headers=DOC_HEADERS,
        payload=DOC_PAYLOAD,
    ) == (
        f"TC3-HMAC-SHA256 Credential={DOC_SECRET_ID}/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={DOC_SIGNATURE}"
    )
    # the test server's verifier agrees with the document too
    assert (
        tc3_expected_signature(
            secret_key=DOC_SECRET_KEY,
            method="POST",
            headers={k.lower(): v for k, v in DOC_HEADERS.items()},
            signed=["content-type", "host", "x-tc-action"],
            payload=DOC_PAYLOAD,
            timestamp=str(DOC_TIMESTAMP),
            service="cvm",
        )
        == DOC_SIGNATURE
    )


@pytest.fixture
def tencent(make_account) -> ChannelAccount:
    return make_account("tencent_sms", templates=LOGIN, sdk_app_id="1400006666")


def test_sendsms_is_signed_and_passes_the_variables_in_template_order(fake, tencent, make_message):
    message = make_message(account=tencent, context={"minutes": 5, "code": "654321", "x": 1})

    result = SmsChannel().send(message)

    [seen] = fake.requests("/tencent/")
    assert seen.signature_ok, seen.problem
    assert seen.json == {
        "PhoneNumberSet": [f"+86{MOBILE}"],
        "SmsSdkAppId": "1400006666",
        "SignName": "万家物业",
        "TemplateId": "1234567",
        "TemplateParamSet": ["654321", "5"],
        "SessionContext": str(message.pk),
    }
    assert seen.headers["x-tc-action"] == "SendSms"
    assert seen.headers["x-tc-region"] == "ap-guangzhou"
    assert result == DeliveryResult(provider_id="serial-1")
    message.refresh_from_db()
    assert message.provider_template_code == "1234567"


def _status(code: str) -> dict:
    return {
        "Response": {
            "SendStatusSet": [{"SerialNo": "", "Code": code, "Message": "failed"}],
            "RequestId": "r",
        }
    }


def _error(code: str) -> dict:
    return {"Response": {"Error": {"Code": code, "Message": "failed"}, "RequestId": "r"}}


@pytest.mark.parametrize(
    "body",
    [
        _status("LimitExceeded.PhoneNumberThirtySecondLimit"),
        _status("LimitExceeded.PhoneNumberDailyLimit"),
        _error("RequestLimitExceeded"),
        _error("InternalError.Timeout"),
    ],
)
def test_limits_and_internal_errors_are_temporary(fake, tencent, make_message, body):
    fake.reply("tencent", 200, body)

    with pytest.raises(TemporaryFailure):
        SmsChannel().send(make_message(account=tencent))


@pytest.mark.parametrize(
    "body",
    [
        _status("InvalidParameterValue.IncorrectPhoneNumber"),
        _status("FailedOperation.TemplateIncorrectOrUnapproved"),
        _status("FailedOperation.SignatureIncorrectOrUnapproved"),
        _error("FailedOperation.PhoneNumberInBlacklist"),
        _error("InvalidParameterValue.TemplateParameterFormatError"),
    ],
)
def test_bad_numbers_and_templates_are_permanent(fake, tencent, make_message, body):
    fake.reply("tencent", 200, body)

    with pytest.raises(PermanentFailure, match=r"(InvalidParameterValue|FailedOperation)\."):
        SmsChannel().send(make_message(account=tencent))


def test_a_wrong_secret_fails_permanently(fake, tencent, make_message):
    fake.secrets[tencent.key_id] = "another"

    with pytest.raises(PermanentFailure, match="AuthFailure.SignatureFailure"):
        SmsChannel().send(make_message(account=tencent))


def test_a_5xx_page_is_temporary(fake, tencent, make_message):
    fake.reply("tencent", 503, b"Service Unavailable")

    with pytest.raises(TemporaryFailure, match="503"):
        SmsChannel().send(make_message(account=tencent))


def test_a_timeout_is_temporary(fake, make_account, make_message):
    account = make_account("tencent_sms", templates=LOGIN, sdk_app_id="1", timeout=0.3)
    fake.reply("tencent", 200, None, delay=1.0)

    with pytest.raises(TemporaryFailure):
        SmsChannel().send(make_message(account=account))


def test_a_missing_template_fails_before_any_request(fake, tencent, make_message):
    with pytest.raises(PermanentFailure, match="greeting.holiday"):
        SmsChannel().send(make_message(account=tencent, event="greeting.holiday"))
    assert fake.seen == []
