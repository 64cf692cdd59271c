"""Status callbacks: each provider's push, verified (token, HMAC or WeChat's signature),
turns a sent message into delivered or failed through ``message_receipt``; a repeated
receipt changes nothing; a bad signature changes nothing and answers 403. Also the
provider-account admin (write-only secret, callback URLs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from wuye.messaging.models import ChannelAccount, Message, MessageEvent, MessageStatus
from wuye.messaging.receipts import message_receipt
from wuye.testing.factories import CompanyFactory, UserFactory

SENT_AT = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def after_message(monkeypatch):
    """Records the calls to the core's ``notification_after_message``."""
    import wuye.messaging.notify as notify

    calls: list[tuple[int, str, dt.datetime | None]] = []
    original = notify.notification_after_message

    def spy(message, *, now=None):
        calls.append((message.pk, message.status, now))
        return original(message, now=now)

    monkeypatch.setattr(notify, "notification_after_message", spy)
    return calls


@pytest.fixture
def company(db):
    return CompanyFactory()


def _account(company, provider: str) -> ChannelAccount:
    return ChannelAccount.objects.create(
        company=company, provider=provider, name=provider, key_id="k", secret="provider-secret"
    )


def _sent(account: ChannelAccount, provider_id: str, **fields) -> Message:
    return Message.objects.create(
        company=account.company,
        account=account,
        channel=account.channel,
        recipient="13800001111" if account.channel == "sms" else "openid-1",
        status=MessageStatus.SENT,
        sent_at=SENT_AT,
        provider_message_id=provider_id,
        **fields,
    )


def _codes(message: Message) -> list[str]:
    return list(message.events.values_list("code", flat=True))


# --- message_receipt --------------------------------------------------------------------------


def test_receipt_delivered(company, after_message):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "biz-1")
    at = SENT_AT + dt.timedelta(seconds=5)

    result = message_receipt(account=account, provider_message_id="biz-1", delivered=True, at=at)

    assert result == message
    message.refresh_from_db()
    assert (message.status, message.delivered_at) == (MessageStatus.DELIVERED, at)
    [event] = message.events.all()
    assert (event.code, event.from_status, event.to_status, event.at) == (
        "messaging.message.delivered",
        "sent",
        "delivered",
        at,
    )
    assert after_message == [(message.pk, "delivered", at)]


def test_receipt_undelivered(company, after_message):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "biz-1")

    message_receipt(
        account=account, provider_message_id="biz-1", delivered=False, error="MK:0012 关机"
    )

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.receipt_error == message.last_error == "MK:0012 关机"
    assert _codes(message) == ["messaging.message.undelivered"]
    assert [c[1] for c in after_message] == ["failed"]


def test_a_repeated_receipt_changes_nothing(company, after_message):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "biz-1")
    message_receipt(account=account, provider_message_id="biz-1", delivered=True)

    again = message_receipt(account=account, provider_message_id="biz-1", delivered=False)

    assert again == message
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.receipt_error == ""
    assert _codes(message) == ["messaging.message.delivered"]
    assert len(after_message) == 1


def test_receipts_match_only_the_accounts_own_messages(company, after_message):
    mine = _account(company, "aliyun_sms")
    theirs = _account(CompanyFactory(), "aliyun_sms")
    other = _sent(theirs, "biz-1")

    assert message_receipt(account=mine, provider_message_id="biz-1", delivered=True) is None
    assert message_receipt(account=mine, provider_message_id="", delivered=True) is None
    other.refresh_from_db()
    assert other.status == MessageStatus.SENT
    assert after_message == []


def test_a_message_not_yet_sent_is_left_alone(company, after_message):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "biz-1")
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING)

    message_receipt(account=account, provider_message_id="biz-1", delivered=True)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING
    assert not MessageEvent.objects.exists()


# --- Aliyun -----------------------------------------------------------------------------------


def _aliyun_report(biz_id: str, success: bool = True) -> list[dict]:
    return [
        {
            "phone_number": "13800001111",
            "send_time": "2026-12-02 09:00:00",
            "report_time": "2026-12-02 09:00:05",
            "success": success,
            "err_code": "DELIVERED" if success else "MK:0012",
            "err_msg": "用户接收成功" if success else "关机",
            "sms_size": "1",
            "biz_id": biz_id,
            "out_id": "1",
        }
    ]


def _post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def test_aliyun_report_delivers(client, company, after_message):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "900619867281^0")
    url = reverse("messaging_hooks:aliyun", args=[account.pk])

    response = _post_json(
        client, f"{url}?token={account.callback_secret}", _aliyun_report("900619867281^0")
    )

    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "成功"}
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    # report_time is Beijing time
    assert message.delivered_at == dt.datetime(2026, 12, 2, 1, 0, 5, tzinfo=dt.UTC)


def test_aliyun_report_of_failure(client, company, after_message):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "b-2")
    url = reverse("messaging_hooks:aliyun", args=[account.pk])

    _post_json(client, f"{url}?token={account.callback_secret}", _aliyun_report("b-2", False))

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.receipt_error == "MK:0012 关机"


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_aliyun_report_without_the_token_is_refused(client, company, after_message, token):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "b-1")
    url = reverse("messaging_hooks:aliyun", args=[account.pk])
    if token is not None:
        url += f"?token={token}"

    response = _post_json(client, url, _aliyun_report("b-1"))

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert after_message == []


def test_aliyun_duplicate_report_is_harmless(client, company, after_message):
    account = _account(company, "aliyun_sms")
    message = _sent(account, "b-1")
    url = reverse("messaging_hooks:aliyun", args=[account.pk]) + f"?token={account.callback_secret}"

    for _ in range(2):
        assert _post_json(client, url, _aliyun_report("b-1")).status_code == 200

    assert _codes(message) == ["messaging.message.delivered"]


def test_unknown_account_or_wrong_provider_is_404(client, company):
    sms = _account(company, "tencent_sms")
    for account_id in (sms.pk + 1000, sms.pk):  # missing; not an Aliyun account
        url = reverse("messaging_hooks:aliyun", args=[account_id])
        response = _post_json(client, f"{url}?token={sms.callback_secret}", [])
        assert response.status_code == 404


@pytest.mark.parametrize("body", [b"not json", b'[{"success": true}]', b"[1, 2]"])
def test_aliyun_malformed_report_is_400(client, company, body):
    account = _account(company, "aliyun_sms")
    url = reverse("messaging_hooks:aliyun", args=[account.pk]) + f"?token={account.callback_secret}"

    response = client.post(url, body, content_type="application/json")

    assert response.status_code == 400


def test_hooks_accept_only_post(client, company):
    account = _account(company, "aliyun_sms")
    url = reverse("messaging_hooks:aliyun", args=[account.pk]) + f"?token={account.callback_secret}"

    assert client.get(url).status_code == 405


# --- Tencent ----------------------------------------------------------------------------------


def _tencent_report(sid: str, status: str = "SUCCESS") -> list[dict]:
    return [
        {
            "user_receive_time": "2026-12-02 09:00:07",
            "nationcode": "86",
            "mobile": "13800001111",
            "report_status": status,
            "errmsg": "DELIVRD" if status == "SUCCESS" else "MI:0013",
            "description": "用户短信送达成功" if status == "SUCCESS" else "空号",
            "sid": sid,
        }
    ]


def test_tencent_report_delivers_and_fails(client, company, after_message):
    account = _account(company, "tencent_sms")
    ok, bad = _sent(account, "2019:1234"), _sent(account, "2019:5678")
    url = (
        reverse("messaging_hooks:tencent", args=[account.pk]) + f"?token={account.callback_secret}"
    )

    response = _post_json(
        client, url, _tencent_report("2019:1234") + _tencent_report("2019:5678", "FAIL")
    )

    assert response.status_code == 200
    assert response.json() == {"result": 0, "errmsg": "OK"}
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert ok.status == MessageStatus.DELIVERED
    assert ok.delivered_at == dt.datetime(2026, 12, 2, 1, 0, 7, tzinfo=dt.UTC)
    assert (bad.status, bad.receipt_error) == (MessageStatus.FAILED, "MI:0013 空号")


def test_tencent_report_with_a_wrong_token_is_refused(client, company, after_message):
    account = _account(company, "tencent_sms")
    message = _sent(account, "s-1")
    url = reverse("messaging_hooks:tencent", args=[account.pk]) + "?token=guess"

    assert _post_json(client, url, _tencent_report("s-1")).status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


# --- generic HTTP gateway ---------------------------------------------------------------------


def _signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_http_gateway_report(client, company, after_message):
    account = _account(company, "http_sms")
    ok, bad = _sent(account, "gw-1"), _sent(account, "gw-2")
    url = reverse("messaging_hooks:http", args=[account.pk])
    for report in (
        {"id": "gw-1", "status": "delivered"},
        {"id": "gw-2", "status": "failed", "error": "blocked"},
    ):
        body = json.dumps(report).encode()
        response = client.post(
            url,
            body,
            content_type="application/json",
            headers={"X-Wuye-Signature": _signed(account.callback_secret, body)},
        )
        assert response.status_code == 200

    ok.refresh_from_db()
    bad.refresh_from_db()
    assert ok.status == MessageStatus.DELIVERED
    assert (bad.status, bad.receipt_error) == (MessageStatus.FAILED, "blocked")


@pytest.mark.parametrize("signature", [None, "sha256=00", "with-the-provider-secret"])
def test_http_gateway_report_with_a_bad_signature_is_refused(
    client, company, after_message, signature
):
    account = _account(company, "http_sms")
    message = _sent(account, "gw-1")
    body = json.dumps({"id": "gw-1", "status": "delivered"}).encode()
    headers = {}
    if signature == "with-the-provider-secret":
        headers["X-Wuye-Signature"] = _signed(account.secret, body)  # the wrong key
    elif signature:
        headers["X-Wuye-Signature"] = signature

    response = client.post(
        reverse("messaging_hooks:http", args=[account.pk]),
        body,
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_http_gateway_report_with_an_unknown_status_is_400(client, company):
    account = _account(company, "http_sms")
    body = json.dumps({"id": "gw-1", "status": "maybe"}).encode()

    response = client.post(
        reverse("messaging_hooks:http", args=[account.pk]),
        body,
        content_type="application/json",
        headers={"X-Wuye-Signature": _signed(account.callback_secret, body)},
    )

    assert response.status_code == 400


# --- WeChat -----------------------------------------------------------------------------------


def _wechat_query(token: str, timestamp: str = "1764640000", nonce: str = "n0nce") -> str:
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return f"signature={signature}&timestamp={timestamp}&nonce={nonce}"


def _wechat_event(msg_id: str, status: str) -> bytes:
    return (
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>"
        "<FromUserName><![CDATA[openid-1]]></FromUserName>"
        "<CreateTime>1764640005</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"
        f"<MsgID>{msg_id}</MsgID><Status><![CDATA[{status}]]></Status></xml>"
    ).encode()


def test_wechat_url_verification_echoes_echostr(client, company):
    account = _account(company, "wechat_mp")
    url = reverse("messaging_hooks:wechat", args=[account.pk])

    good = client.get(f"{url}?{_wechat_query(account.callback_secret)}&echostr=4711")
    bad = client.get(f"{url}?{_wechat_query('not-the-token')}&echostr=4711")

    assert (good.status_code, good.content) == (200, b"4711")
    assert bad.status_code == 403


@pytest.mark.parametrize(
    "status, expected",
    [
        ("success", MessageStatus.DELIVERED),
        ("failed:user block", MessageStatus.FAILED),
        ("failed: system failed", MessageStatus.FAILED),
    ],
)
def test_wechat_template_job_finished(client, company, after_message, status, expected):
    account = _account(company, "wechat_mp")
    message = _sent(account, "200163840")
    url = reverse("messaging_hooks:wechat", args=[account.pk])

    response = client.post(
        f"{url}?{_wechat_query(account.callback_secret)}",
        _wechat_event("200163840", status),
        content_type="text/xml",
    )

    assert (response.status_code, response.content) == (200, b"success")
    message.refresh_from_db()
    assert message.status == expected
    assert message.receipt_error == ("" if status == "success" else status)
    at = dt.datetime.fromtimestamp(1764640005, dt.UTC)
    assert after_message == [(message.pk, expected, at)]


def test_wechat_event_with_a_bad_signature_is_refused(client, company, after_message):
    account = _account(company, "wechat_mp")
    message = _sent(account, "200163840")
    url = reverse("messaging_hooks:wechat", args=[account.pk])

    response = client.post(
        f"{url}?{_wechat_query('guess')}",
        _wechat_event("200163840", "success"),
        content_type="text/xml",
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.mark.parametrize(
    "body",
    [b"<xml><MsgID>1", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><MsgID>&a;</MsgID></xml>'],
)
def test_wechat_malformed_xml_is_400(client, company, body):
    account = _account(company, "wechat_mp")
    url = reverse("messaging_hooks:wechat", args=[account.pk])

    response = client.post(
        f"{url}?{_wechat_query(account.callback_secret)}", body, content_type="text/xml"
    )

    assert response.status_code == 400


def test_wechat_other_events_are_acknowledged_and_ignored(client, company, after_message):
    account = _account(company, "wechat_mp")
    url = reverse("messaging_hooks:wechat", args=[account.pk])
    body = b"<xml><MsgType>event</MsgType><Event>subscribe</Event></xml>"

    response = client.post(
        f"{url}?{_wechat_query(account.callback_secret)}", body, content_type="text/xml"
    )

    assert (response.status_code, response.content) == (200, b"success")
    assert after_message == []


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_admin_never_shows_the_secret_but_shows_the_callback_url(client, company, superuser):
    account = _account(company, "aliyun_sms")
    client.force_login(superuser)

    page = client.get(reverse("admin:messaging_channelaccount_change", args=[account.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "provider-secret" not in html
    path = reverse("messaging_hooks:aliyun", args=[account.pk])
    assert f"http://testserver{path}?token={account.callback_secret}" in html


def test_admin_keeps_the_secret_when_left_empty_and_replaces_it_when_given(
    client, company, superuser
):
    account = _account(company, "aliyun_sms")
    client.force_login(superuser)
    url = reverse("admin:messaging_channelaccount_change", args=[account.pk])
    form = {
        "company": company.pk,
        "provider": "aliyun_sms",
        "name": "阿里云",
        "is_active": "on",
        "key_id": "LTAI",
        "new_secret": "",
        "sign_name": "万家物业",
        "config": "{}",
        "rate_limit_per_minute": "60",
        "templates-TOTAL_FORMS": "1",
        "templates-INITIAL_FORMS": "0",
        "templates-0-event": "accounts.login_code",
        "templates-0-code": "SMS_1",
        "templates-0-variables": '["code"]',
    }

    assert client.post(url, form).status_code == 302
    account.refresh_from_db()
    assert account.secret == "provider-secret"
    assert account.templates.get().code == "SMS_1"

    form.update({"new_secret": "rotated", "templates-TOTAL_FORMS": "0"})
    assert client.post(url, form).status_code == 302
    account.refresh_from_db()
    assert account.secret == "rotated"
    assert timezone.now() >= account.updated_at


def test_admin_creates_an_account_with_its_secret(client, company, superuser):
    client.force_login(superuser)
    url = reverse("admin:messaging_channelaccount_add")

    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "company": company.pk,
            "provider": "wechat_mp",
            "name": "服务号",
            "is_active": "on",
            "key_id": "wx123",
            "new_secret": "app-secret",
            "sign_name": "",
            "config": "{}",
            "rate_limit_per_minute": "0",
            "templates-TOTAL_FORMS": "0",
            "templates-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    account = ChannelAccount.objects.get(key_id="wx123")
    assert (account.secret, account.channel) == ("app-secret", "wechat")
    page = client.get(reverse("admin:messaging_channelaccount_changelist")).content.decode()
    assert "app-secret" not in page
