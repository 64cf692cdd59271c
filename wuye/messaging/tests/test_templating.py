"""Which template text a message gets, and what a template may contain."""

from __future__ import annotations

import pytest

from wuye.core.errors import DomainError
from wuye.messaging.models import ChannelAccount, MessageTemplate, ProviderTemplate
from wuye.messaging.templating import render_event, template_for, validate_template

CTX = {"name": "王五", "project": "阳光新邸", "text": "停水"}


@pytest.fixture
def company(world):
    return world.company_a


def _text(company, channel="sms", language="zh-hans"):
    return template_for(
        company_id=company.pk, event="messaging.message", channel=channel, language=language
    )


def test_the_most_specific_template_wins(company):
    MessageTemplate.objects.create(company=None, event="messaging.message", body="site any")
    assert _text(company).body == "site any"
    MessageTemplate.objects.create(
        company=None, event="messaging.message", channel="sms", body="site sms"
    )
    assert _text(company).body == "site sms"
    MessageTemplate.objects.create(company=company, event="messaging.message", body="own any")
    assert _text(company).body == "own any"
    MessageTemplate.objects.create(
        company=company, event="messaging.message", channel="sms", body="own sms"
    )
    assert (_text(company).body, _text(company).source) == ("own sms", "company")
    assert _text(company, channel="email").body == "own any"


def test_an_inactive_template_is_ignored(company):
    MessageTemplate.objects.create(
        company=company, event="messaging.message", body="old", is_active=False
    )
    assert _text(company).source == "default"


def test_english_recipients_get_english_and_the_default_when_no_english_template(company):
    MessageTemplate.objects.create(
        company=company, event="messaging.message", body="中文 {{ text }}"
    )
    english = render_event(
        company_id=company.pk,
        event="messaging.message",
        channel="email",
        language="en",
        context=CTX,
    )
    assert english.subject == "Message from 阳光新邸"
    assert english.body == "停水"
    MessageTemplate.objects.create(
        company=company, event="messaging.message", language="en", body="EN {{ text }}"
    )
    assert _text(company, language="en").body == "EN {{ text }}"


def test_html_is_escaped_and_only_for_email(company):
    MessageTemplate.objects.create(
        company=company,
        event="messaging.message",
        body="{{ text }}",
        html="<p>{{ text }}</p>",
    )
    ctx = {**CTX, "text": "<script>"}
    email = render_event(
        company_id=company.pk,
        event="messaging.message",
        channel="email",
        language="zh-hans",
        context=ctx,
    )
    sms = render_event(
        company_id=company.pk,
        event="messaging.message",
        channel="sms",
        language="zh-hans",
        context=ctx,
    )
    assert email.html == "<p>&lt;script&gt;</p>"
    assert sms.html == "" and sms.body == "<script>"


def test_templates_cannot_reach_files(company):
    with pytest.raises(DomainError):
        validate_template(
            event="messaging.message",
            channel="",
            subject="",
            body='{% include "messaging/x.txt" %}{{ secret }}',
            company_id=company.pk,
        )


@pytest.mark.parametrize(
    "body",
    ["{% if text %}{{ text }}{% endif %}", "{{ text|upper }}", "{# note #}{{ text }}"],
)
def test_an_sms_template_is_text_and_variables_only(company, body):
    with pytest.raises(DomainError) as err:
        validate_template(
            event="messaging.message", channel="sms", subject="", body=body, company_id=company.pk
        )
    assert err.value.field == "body"


def test_an_sms_template_uses_only_the_variables_the_provider_template_takes(company):
    account = ChannelAccount.objects.create(company=company, provider="aliyun_sms", name="阿里云")
    ProviderTemplate.objects.create(
        account=account, event="messaging.message", code="SMS_1", variables=["text"]
    )

    validate_template(
        event="messaging.message",
        channel="sms",
        subject="",
        body="{{ text }}",
        company_id=company.pk,
    )
    with pytest.raises(DomainError) as err:
        validate_template(
            event="messaging.message",
            channel="sms",
            subject="",
            body="{{ name }}：{{ text }}",
            company_id=company.pk,
        )
    assert "name" in str(err.value.message)
