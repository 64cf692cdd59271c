# ruff: noqa: F811 (pytest fixtures imported from providers_server)
"""WeChat template messages: access token (cached, refreshed once when WeChat says it
expired), the template payload, and how each errcode is classified."""

from __future__ import annotations

import pytest

from wuye.messaging.channels import DeliveryResult, PermanentFailure, TemporaryFailure
from wuye.messaging.channels.wechat import WechatChannel
from wuye.messaging.models import ChannelAccount
from wuye.messaging.tests.providers_server import (  # noqa: F401 (fixtures)
    SECRET,
    company,
    fake,
    make_account,
    make_message,
)

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
NOTICE = {"servicedesk.ticket_done": ("tmpl-7f3a", ["name", "ticket", "status"])}
CONTEXT = {"name": "张三", "ticket": "T-1024", "status": "已完成", "secret": "no"}


@pytest.fixture
def wechat(make_account) -> ChannelAccount:
    return make_account("wechat_mp", templates=NOTICE, key_id="wx1234567890")


@pytest.fixture
def wx_message(make_message, wechat):
    def make(**fields):
        return make_message(
            account=wechat,
            channel="wechat",
            recipient=OPENID,
            event="servicedesk.ticket_done",
            context=CONTEXT,
            **fields,
        )

    return make


def _sends(fake):
    return fake.requests("/wechat/cgi-bin/message/template/send")


def _tokens(fake):
    return fake.requests("/wechat/cgi-bin/token")


def test_template_message_with_a_fresh_token(fake, wx_message):
    message = wx_message()

    result = WechatChannel().send(message)

    [token] = _tokens(fake)
    assert token.query == {
        "grant_type": "client_credential",
        "appid": "wx1234567890",
        "secret": SECRET,
    }
    [send] = _sends(fake)
    assert send.signature_ok, send.problem
    assert send.query["access_token"] == "token-1"
    assert send.json == {
        "touser": OPENID,
        "template_id": "tmpl-7f3a",
        "data": {
            "name": {"value": "张三"},
            "ticket": {"value": "T-1024"},
            "status": {"value": "已完成"},
        },
    }
    assert result == DeliveryResult(provider_id="1002")
    message.refresh_from_db()
    assert message.provider_template_code == "tmpl-7f3a"


def test_the_token_is_cached_between_messages(fake, wx_message):
    WechatChannel().send(wx_message())
    WechatChannel().send(wx_message())

    assert len(_tokens(fake)) == 1
    assert [s.query["access_token"] for s in _sends(fake)] == ["token-1", "token-1"]


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_an_expired_token_is_refreshed_once_and_the_message_sent(fake, wx_message, errcode):
    fake.reply("wechat", 200, {"errcode": errcode, "errmsg": "access_token expired"})

    result = WechatChannel().send(wx_message())

    assert [s.query["access_token"] for s in _sends(fake)] == ["token-1", "token-2"]
    assert len(_tokens(fake)) == 2
    assert result.provider_id
    # the new token is the one cached
    WechatChannel().send(wx_message())
    assert _sends(fake)[-1].query["access_token"] == "token-2"


def test_a_token_rejected_twice_is_temporary(fake, wx_message):
    fake.reply("wechat", 200, {"errcode": 40001, "errmsg": "invalid credential"})
    fake.reply("wechat", 200, {"errcode": 40001, "errmsg": "invalid credential"})

    with pytest.raises(TemporaryFailure, match="40001"):
        WechatChannel().send(wx_message())
    assert len(_sends(fake)) == 2


@pytest.mark.parametrize(
    "errcode, errmsg",
    [(43004, "require subscribe"), (40003, "invalid openid"), (40037, "invalid template_id")],
)
def test_unsubscribed_or_bad_openid_is_permanent(fake, wx_message, errcode, errmsg):
    fake.reply("wechat", 200, {"errcode": errcode, "errmsg": errmsg})

    with pytest.raises(PermanentFailure, match=str(errcode)):
        WechatChannel().send(wx_message())


def test_system_busy_is_temporary(fake, wx_message):
    fake.reply("wechat", 200, {"errcode": -1, "errmsg": "system error"})

    with pytest.raises(TemporaryFailure, match="-1"):
        WechatChannel().send(wx_message())


def test_a_wrong_appsecret_fails_permanently_at_the_token(fake, wechat, wx_message):
    fake.secrets[wechat.key_id] = "another"

    with pytest.raises(PermanentFailure, match="40125"):
        WechatChannel().send(wx_message())
    assert _sends(fake) == []


def test_a_timeout_is_temporary(fake, make_account, make_message):
    account = make_account("wechat_mp", templates=NOTICE, key_id="wx2", timeout=0.3)
    fake.reply("wechat-token", 200, None, delay=1.0)

    with pytest.raises(TemporaryFailure):
        WechatChannel().send(
            make_message(
                account=account,
                channel="wechat",
                recipient=OPENID,
                event="servicedesk.ticket_done",
                context=CONTEXT,
            )
        )


def test_no_wechat_account_fails_permanently(db, make_message, make_account):
    make_account("aliyun_sms")  # an SMS account is no WeChat account
    message = make_message(channel="wechat", recipient=OPENID)

    assert WechatChannel().account_for(message) is None
    with pytest.raises(PermanentFailure):
        WechatChannel().send(message)


def test_the_company_account_wins_over_the_site_default(db, company, make_account, make_message):
    default = make_account("wechat_mp", key_id="wx-default", owner=None)
    own = make_account("wechat_mp", key_id="wx-own")
    other_company_message = make_message(channel="wechat", recipient=OPENID, company=None)

    assert WechatChannel().account_for(make_message(channel="wechat", recipient=OPENID)) == own
    assert WechatChannel().account_for(other_company_message) == default
