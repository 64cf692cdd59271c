"""Every outreach event renders its default texts with its sample values, in both
languages, on every channel, and uses only the variables it declares."""

import pytest

from wuye.messaging.events import event_type
from wuye.messaging.templating import preview, validate_template
from wuye.outreach import events

CODES = [
    events.CAMPAIGN,
    events.WELCOME,
    events.HOLIDAY,
    events.BIRTHDAY,
    events.WARRANTY,
    events.ACTIVITY,
    events.OUTAGE,
    events.OUTAGE_URGENT,
]


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_default_texts_render(code, channel, language):
    rendered = preview(event=code, channel=channel, language=language, company_id=None)
    assert rendered.body and "{{" not in rendered.body and "{%" not in rendered.body
    et = event_type(code)
    from django.utils import translation

    with translation.override(language):
        body = str(et.sms_body) if channel == "sms" and et.sms_body else str(et.body)
        validate_template(
            event=code, channel=channel, subject=str(et.subject), body=body, company_id=None
        )


def test_categories_and_urgency():
    assert event_type(events.HOLIDAY).category == "greeting"
    assert event_type(events.ACTIVITY).category == "marketing"
    assert event_type(events.OUTAGE).category == "service"
    assert event_type(events.OUTAGE_URGENT).urgent and not event_type(events.OUTAGE).urgent
