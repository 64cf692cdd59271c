# ruff: noqa: F811 (pytest fixtures imported from providers_server)
"""Aliyun SMS: RPC signing (against Aliyun's worked example and an independent verifier),
the SendSms parameters, and how each reply is classified."""

from __future__ import annotations

import json

import pytest

from wuye.messaging.channels import DeliveryResult, PermanentFailure, TemporaryFailure
from wuye.messaging.channels.sms import SmsChannel
from wuye.messaging.models import ChannelAccount, Message
from wuye.messaging.providers.aliyun import percent_encode, rpc_signature, string_to_sign
from wuye.messaging.tests.providers_server import (  # noqa: F401 (fixtures)
    MOBILE,
    aliyun_expected_signature,
    company,
    fake,
    make_account,
    make_message,
)

LOGIN = {"accounts.login_code": ("SMS_153055065", ["code", "minutes"])}

# Aliyun "RPC 签名机制", worked example: AccessKeyId testid, AccessKeySecret testsecret.
DOC_PARAMS = {
    "Timestamp": "2016-02-23T12:46:24Z",
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}
DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
    "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
    "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
)
DOC_SIGNATURE = "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_signature_matches_aliyuns_worked_example():
    assert string_to_sign(DOC_PARAMS) == DOC_STRING_TO_SIGN
    assert rpc_signature(DOC_PARAMS, "testsecret") == DOC_SIGNATURE
    # the test server's verifier agrees with the document too
    assert aliyun_expected_signature(DOC_PARAMS, "testsecret") == DOC_SIGNATURE


def test_percent_encoding_follows_the_rpc_rules():
    assert percent_encode("a b*c~d+e/f") == "a%20b%2Ac~d%2Be%2Ff"
    assert percent_encode("万家") == "%E4%B8%87%E5%AE%B6"
    assert percent_encode('{"code":"1"}') == "%7B%22code%22%3A%221%22%7D"


@pytest.fixture
def aliyun(make_account) -> ChannelAccount:
    return make_account("aliyun_sms", templates=LOGIN)


def _send(message: Message) -> DeliveryResult:
    return SmsChannel().send(message)


def test_sendsms_is_signed_and_carries_the_template(fake, aliyun, make_message):
    message = make_message(account=aliyun, context={"code": "123456", "minutes": 5, "x": "no"})

    result = _send(message)

    [seen] = fake.requests("/aliyun/")
    assert seen.signature_ok, seen.problem
    assert seen.method == "GET"
    q = seen.query
    assert q["Action"] == "SendSms" and q["Version"] == "2017-05-25"
    assert q["AccessKeyId"] == "aliyun_sms-key"
    assert q["PhoneNumbers"] == MOBILE
    assert q["SignName"] == "万家物业"
    assert q["TemplateCode"] == "SMS_153055065"
    # only the variables the template lists, as strings
    assert json.loads(q["TemplateParam"]) == {"code": "123456", "minutes": "5"}
    assert q["OutId"] == str(message.pk)
    assert result == DeliveryResult(provider_id=f"biz-{len(fake.seen)}")
    message.refresh_from_db()
    assert message.provider_template_code == "SMS_153055065"


def test_the_account_is_resolved_when_the_core_did_not_set_it(fake, aliyun, make_message):
    message = make_message()  # no account yet

    result = _send(message)

    assert result.provider_id.startswith("biz-")
    message.refresh_from_db()
    assert message.account == aliyun


@pytest.mark.parametrize(
    "code",
    ["isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling", "isp.SYSTEM_ERROR"],
)
def test_throttling_is_temporary(fake, aliyun, make_message, code):
    fake.reply("aliyun", 200, {"Code": code, "Message": "触发流控"})

    with pytest.raises(TemporaryFailure, match=code):
        _send(make_message(account=aliyun))


@pytest.mark.parametrize(
    "code",
    [
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "InvalidAccessKeyId.NotFound",
    ],
)
def test_invalid_number_template_or_signature_is_permanent(fake, aliyun, make_message, code):
    fake.reply("aliyun", 200, {"Code": code, "Message": "非法"})

    with pytest.raises(PermanentFailure, match=code):
        _send(make_message(account=aliyun))


def test_a_wrong_secret_fails_permanently_with_signature_does_not_match(fake, aliyun, make_message):
    fake.secrets[aliyun.key_id] = "another secret"

    with pytest.raises(PermanentFailure, match="SignatureDoesNotMatch"):
        _send(make_message(account=aliyun))
    assert fake.seen[0].problem == "signature mismatch"


def test_a_5xx_without_json_is_temporary(fake, aliyun, make_message):
    fake.reply("aliyun", 502, b"<html>Bad Gateway</html>")

    with pytest.raises(TemporaryFailure, match="502"):
        _send(make_message(account=aliyun))


def test_a_timeout_is_temporary(fake, make_account, make_message):
    account = make_account("aliyun_sms", templates=LOGIN, timeout=0.3)
    fake.reply("aliyun", 200, None, delay=1.0)

    with pytest.raises(TemporaryFailure):
        _send(make_message(account=account))


def test_a_refused_connection_is_temporary(make_account, make_message):
    account = make_account("aliyun_sms", templates=LOGIN, endpoint="http://127.0.0.1:9/")

    with pytest.raises(TemporaryFailure):
        _send(make_message(account=account))


def test_an_event_without_provider_template_fails_naming_the_event(fake, aliyun, make_message):
    with pytest.raises(PermanentFailure, match="greeting.holiday"):
        _send(make_message(account=aliyun, event="greeting.holiday"))
    assert fake.seen == []


def test_a_missing_variable_fails_permanently(fake, aliyun, make_message):
    with pytest.raises(PermanentFailure, match="minutes"):
        _send(make_message(account=aliyun, context={"code": "123456"}))
    assert fake.seen == []


def test_no_account_at_all_fails_permanently(db, make_message):
    channel = SmsChannel()
    message = make_message()

    assert channel.account_for(message) is None
    with pytest.raises(PermanentFailure):
        channel.send(message)


def test_a_message_without_company_uses_its_projects_company(fake, aliyun, make_message, company):
    from wuye.testing.factories import ProjectFactory

    project = ProjectFactory(company=company)
    message = make_message(company=None, project=project)

    assert SmsChannel().account_for(message) == aliyun


def test_an_account_of_another_channel_is_refused(fake, make_account, make_message):
    wechat = make_account("wechat_mp", templates=LOGIN)

    with pytest.raises(PermanentFailure, match="wechat_mp"):
        SmsChannel().send(make_message(account=wechat))
    assert fake.seen == []
