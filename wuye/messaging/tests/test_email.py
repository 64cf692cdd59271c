"""The e-mail channel sends through Django's mail backend (locmem in tests)."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail

from wuye.messaging.models import MessageStatus
from wuye.messaging.services import message_deliver, message_queue

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def email_enabled(settings):
    settings.WUYE_MESSAGE_CHANNELS = ["email"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "wuye@example.com"


def test_email_is_sent_through_the_mail_backend(db, email_enabled):
    message = message_queue(
        channel="email",
        recipient="owner@example.com",
        subject="账单",
        body="本月物业费已出账。",
        now=T0,
    )

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.SENT
    [email] = mail.outbox
    assert email.to == ["owner@example.com"]
    assert email.from_email == "wuye@example.com"
    assert (email.subject, email.body) == ("账单", "本月物业费已出账。")
    assert email.alternatives == []
    assert message.provider_message_id == email.extra_headers["Message-ID"]
    assert message.provider_message_id.endswith("@example.com>")


def test_email_with_html_template_has_an_html_alternative(db, email_enabled, settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "messaging/test.notice.txt": "Hello {{ name }}",
                            "messaging/test.notice.subject.txt": "Notice",
                            "messaging/test.notice.html": "<p>Hello <b>{{ name }}</b></p>",
                        },
                    )
                ]
            },
        }
    ]
    message = message_queue(
        channel="email",
        recipient="a@example.com",
        body="",
        template="test.notice",
        context={"name": "<Li>"},
        now=T0,
    )

    message_deliver(message_id=message.pk, now=T0)

    [email] = mail.outbox
    assert email.subject == "Notice"
    assert email.body == "Hello &lt;Li&gt;" or email.body == "Hello <Li>"
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "<b>&lt;Li&gt;</b>" in html


def test_smtp_outage_is_a_temporary_failure(db, email_enabled, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    message = message_queue(channel="email", recipient="a@example.com", body="x", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.QUEUED
    assert "SMTPServerDisconnected" in message.last_error


def test_refused_recipient_is_a_permanent_failure(db, email_enabled, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    message = message_queue(channel="email", recipient="a@example.com", body="x", now=T0)

    message = message_deliver(message_id=message.pk, now=T0)

    assert message.status == MessageStatus.FAILED
