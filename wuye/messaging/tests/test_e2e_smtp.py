# ruff: noqa: F811 (pytest fixtures imported from providers_server)
"""End to end through real servers: ``notify`` → the outbox → the real adapters.

- E-mail goes through Django's SMTP backend to an SMTP server this test starts (aiosmtpd
  on 127.0.0.1), and is read back from what that server received.
- SMS goes through the real Aliyun and Tencent Cloud adapters to the local provider server
  of ``providers_server.py``, which verifies each request's signature (Aliyun RPC
  HMAC-SHA1, Tencent TC3-HMAC-SHA256) independently of the adapters.
- Delivery is the real worker: ``manage.py db_worker --batch`` runs the queued tasks,
  including the e-mail fallback that the failed SMS queues.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from io import StringIO
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from wuye.core.tests.processes import free_port
from wuye.messaging.models import (
    Message,
    MessageStatus,
    MessageTemplate,
    MessagingPolicy,
    Notification,
    NotificationStatus,
)
from wuye.messaging.notify import notify
from wuye.messaging.services import message_deliver
from wuye.messaging.tests.providers_server import (  # noqa: F401 (fixtures)
    company,
    fake,
    make_account,
)
from wuye.testing.factories import OccupantFactory, ProjectFactory

TEXT = "明天上午九点至十一点电梯年检，请提前安排出行。"
MOBILE = "13912345678"
ADDRESS = "zhang.san@example.com"
SENDER = "wuye@wanjia.example.com"
TEMPLATES = {"messaging.message": ("SMS_900001", ["text"])}


# --- the SMTP server ----------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """What the SMTP server accepted, parsed."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = SENDER
    try:
        yield mailbox
    finally:
        controller.stop()


# --- the world ------------------------------------------------------------------------------


@pytest.fixture
def occupant(company, settings) -> Any:
    settings.WUYE_MESSAGE_CHANNELS = ["sms", "email"]
    settings.DEBUG = False
    settings.WUYE_ENV = "production"  # no console fallback: a channel works or fails
    # No quiet hours: the test must not depend on the time of day it runs at.
    MessagingPolicy.objects.create(company=company, quiet_start=dt.time(0), quiet_end=dt.time(0))
    project = ProjectFactory(company=company, name="阳光新邸", service_phone="0571-87961234")
    # An HTML version of the free-text message for e-mail (the shipped default has none).
    MessageTemplate.objects.create(
        company=company,
        event="messaging.message",
        channel="email",
        subject="{{ project }}：物业通知",
        body="{{ name }}，您好：\n{{ text }}\n服务电话 {{ service_phone }}",
        html="<p>{{ name }}，您好：</p><p><strong>{{ text }}</strong></p>",
    )
    return OccupantFactory(project=project, name="张三", mobile=MOBILE, email=ADDRESS)


def _deliver() -> None:
    """Run the task queue dry with the real worker (SMS first, then any fallback).

    On PostgreSQL the in-process ``db_worker`` closes the test's connection after each task
    (it is meant to run in its own process), so there the queued delivery tasks are run by
    calling their service directly, in the order the worker would take them."""
    if connection.vendor == "sqlite":
        call_command(
            "db_worker",
            batch=True,
            reload=False,
            startup_delay=False,
            interval=0,
            stdout=StringIO(),
        )
        return
    while True:
        due = list(
            Message.objects.filter(status="queued", next_attempt_at__lte=timezone.now())
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not due:
            return
        for pk in due:
            message_deliver(message_id=pk)


def _notify(occupant: Any) -> Notification:
    notification = notify(event="messaging.message", recipient=occupant, context={"text": TEXT})
    assert notification.channels == ["sms", "email"]  # no portal user: no in-app step
    return notification


def _events(message: Message) -> list[tuple[str, str]]:
    return list(message.events.order_by("at", "id").values_list("code", "note"))


def _check_sms_request(fake: Any, provider: str) -> Any:
    [seen] = fake.requests(f"/{provider}/")
    assert seen.signature_ok, seen.problem
    if provider == "aliyun":
        assert seen.query["PhoneNumbers"] == MOBILE
        assert seen.query["TemplateCode"] == "SMS_900001"
        assert json.loads(seen.query["TemplateParam"]) == {"text": TEXT}
    else:
        assert seen.json["PhoneNumberSet"] == [f"+86{MOBILE}"]
        assert seen.json["TemplateId"] == "SMS_900001"
        assert seen.json["TemplateParamSet"] == [TEXT]
    return seen


PROVIDERS = [("aliyun_sms", "aliyun"), ("tencent_sms", "tencent")]


# --- (a) the SMS provider accepts ----------------------------------------------------------


@pytest.mark.parametrize(("account_provider", "path"), PROVIDERS, ids=["aliyun", "tencent"])
def test_sms_accepted_by_the_provider_delivers_the_notification(
    fake, make_account, occupant, smtp, account_provider, path
):
    account = make_account(account_provider, templates=TEMPLATES, sdk_app_id="1400000001")

    notification = _notify(occupant)
    _deliver()

    _check_sms_request(fake, path)
    [sms] = Message.objects.filter(notification=notification)
    assert (sms.channel, sms.status, sms.recipient) == ("sms", MessageStatus.SENT, MOBILE)
    assert sms.account == account and sms.provider_message_id  # BizId / SerialNo
    assert sms.provider_template_code == "SMS_900001"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DELIVERED
    assert smtp.received == []  # no fallback needed


# --- (b) the SMS provider refuses: fall back to e-mail -------------------------------------

PERMANENT_ERRORS = {
    "aliyun": (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}),
    "tencent": (
        200,
        {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": "",
                        "PhoneNumber": f"+86{MOBILE}",
                        "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                        "Message": "手机号格式错误",
                        "SessionContext": "",
                    }
                ],
                "RequestId": "r-1",
            }
        },
    ),
}
ERROR_CODES = {
    "aliyun": "isv.MOBILE_NUMBER_ILLEGAL",
    "tencent": "InvalidParameterValue.IncorrectPhoneNumber",
}


@pytest.mark.parametrize(("account_provider", "path"), PROVIDERS, ids=["aliyun", "tencent"])
def test_failing_sms_falls_back_to_email_through_a_real_smtp_server(
    fake, make_account, occupant, smtp, account_provider, path
):
    make_account(account_provider, templates=TEMPLATES, sdk_app_id="1400000001")
    status, body = PERMANENT_ERRORS[path]
    fake.reply(path, status=status, body=body)

    notification = _notify(occupant)
    _deliver()

    # The SMS reached the provider, correctly signed, and was refused for good.
    _check_sms_request(fake, path)
    sms = Message.objects.get(notification=notification, channel="sms")
    assert sms.status == MessageStatus.FAILED
    assert sms.attempts == 1  # permanent: not retried
    assert ERROR_CODES[path] in sms.last_error
    codes = [code for code, _note in _events(sms)]
    assert codes == [
        "messaging.message.queued",
        "messaging.message.sending",
        "messaging.message.failed",
    ]
    assert ERROR_CODES[path] in _events(sms)[-1][1]

    # The fallback e-mail went out through the SMTP server …
    mail = Message.objects.get(notification=notification, channel="email")
    assert (mail.status, mail.recipient) == (MessageStatus.SENT, ADDRESS)
    [received] = smtp.received
    assert received.mail_from == SENDER
    assert received.rcpt_tos == [ADDRESS]
    message = received.message
    assert message["From"] == SENDER
    assert message["To"] == ADDRESS
    assert message["Subject"] == "阳光新邸：物业通知"
    assert message["Message-ID"] == mail.provider_message_id
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    # (SMTP carries CRLF line ends)
    assert (
        text.get_content().replace("\r\n", "\n").strip()
        == f"张三，您好：\n{TEXT}\n服务电话 0571-87961234"
    )
    assert html.get_content().strip() == f"<p>张三，您好：</p><p><strong>{TEXT}</strong></p>"
    assert mail.subject == "阳光新邸：物业通知" and TEXT in mail.body

    # … and the notification records the outcome: delivered, on its second channel.
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DELIVERED
    assert notification.step == 1 and notification.channel == "email"
    assert notification.finished_at is not None
