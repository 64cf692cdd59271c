"""The message events outreach sends, with their default texts (English source, translated).

Registered in :meth:`wuye.outreach.apps.OutreachConfig.ready`; an administrator overrides the
texts in messaging's templates.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CAMPAIGN = "outreach.campaign"
WELCOME = "outreach.welcome"
HOLIDAY = "outreach.greeting.holiday"
BIRTHDAY = "outreach.greeting.birthday"
WARRANTY = "outreach.warranty"
ACTIVITY = "outreach.activity"
OUTAGE = "outreach.outage"
OUTAGE_URGENT = "outreach.outage.urgent"


def register_outreach_events() -> None:
    from wuye.messaging.events import EventType, register_event

    register_event(
        EventType(
            code=CAMPAIGN,
            label=_("Campaign message"),
            category="service",  # the campaign's own category is passed to notify_many
            variables=("title", "text"),
            sample={
                "title": "电梯年检通知",
                "text": "12月5日上午9点至11点3号楼电梯年检，请提前安排出行。",
            },
            subject=_("{{ title }}"),
            body=_("{{ title }}: {{ text }} ({{ project }})"),
        )
    )
    register_event(
        EventType(
            code=WELCOME,
            label=_("Welcome after move-in"),
            category="service",
            variables=("unit", "assistant", "assistant_phone"),
            sample={"unit": "3号楼302", "assistant": "王管家", "assistant_phone": "13900001234"},
            subject=_("Welcome to {{ project }}"),
            body=_(
                "{{ name }}, welcome to {{ project }}! Your assistant {{ assistant }} is at "
                "{{ assistant_phone }}; 24-hour service: {{ service_phone }}."
            ),
        )
    )
    register_event(
        EventType(
            code=HOLIDAY,
            label=_("Holiday greeting"),
            category="greeting",
            variables=("festival", "wishes", "holiday_period"),
            sample={
                "festival": "春节",
                "wishes": "恭祝阖家幸福，新春大吉。",
                "holiday_period": "2月15日至2月23日",
            },
            subject=_("Happy {{ festival }}"),
            body=_(
                "{{ name }}, happy {{ festival }}! {{ wishes }}{% if holiday_period %} "
                "Holiday: {{ holiday_period }}.{% endif %} — {{ project }}"
            ),
            # SMS providers approve plain text with variables only: no conditional.
            sms_body=_("{{ name }}, happy {{ festival }}! {{ wishes }} — {{ project }}"),
        )
    )
    register_event(
        EventType(
            code=BIRTHDAY,
            label=_("Birthday greeting"),
            category="greeting",
            variables=(),
            sample={},
            subject=_("Happy birthday"),
            body=_("{{ name }}, happy birthday! Best wishes from everyone at {{ project }}."),
        )
    )
    register_event(
        EventType(
            code=WARRANTY,
            label=_("Warranty expiry reminder"),
            category="service",
            variables=("component", "expires_on", "years"),
            sample={"component": "屋面防水", "expires_on": "2027-01-01", "years": "5"},
            subject=_("Warranty for {{ component }} ends on {{ expires_on }}"),
            body=_(
                "{{ name }}, the {{ years }}-year warranty for {{ component }} of your home ends "
                "on {{ expires_on }}. Please report any defect before then: {{ service_phone }}."
            ),
        )
    )
    register_event(
        EventType(
            code=ACTIVITY,
            label=_("Activity invitation"),
            category="marketing",
            variables=("title", "starts_at", "place", "description"),
            sample={
                "title": "亲子手工课",
                "starts_at": "2026-12-12 14:00",
                "place": "会所二楼",
                "description": "",
            },
            subject=_("Invitation: {{ title }}"),
            body=_(
                "{{ name }}, you are invited to {{ title }} on {{ starts_at }} at {{ place }}. "
                "{{ description }}"
            ),
        )
    )
    outage = {
        "variables": ("kind", "starts_at", "ends_at", "reason", "buildings"),
        "sample": {
            "kind": "停水",
            "starts_at": "2026-12-05 09:00",
            "ends_at": "2026-12-05 12:00",
            "reason": "二次供水水箱清洗",
            "buildings": "3号楼、5号楼",
        },
        "subject": _("{{ kind }}: {{ starts_at }} – {{ ends_at }}"),
        "body": _(
            "{{ name }}: {{ kind }} in {{ buildings }} from {{ starts_at }} to {{ ends_at }} "
            "({{ reason }}). Sorry for the inconvenience. 24-hour service: {{ service_phone }}."
        ),
    }
    register_event(
        EventType(code=OUTAGE, label=_("Outage or works notice"), category="service", **outage)  # type: ignore[arg-type]
    )
    register_event(
        EventType(
            code=OUTAGE_URGENT,
            label=_("Outage or works notice (starting within 24 hours)"),
            category="service",
            urgent=True,
            **outage,  # type: ignore[arg-type]
        )
    )
