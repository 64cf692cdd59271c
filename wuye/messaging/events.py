"""The registry of message events: what each event is called, its category, the variables
its templates may use, sample values for previews and its default texts.

Apps register their events in ``AppConfig.ready()``. Default texts are ``gettext_lazy``
strings in Django template syntax, so the shipped wording is translated like any other
string; an administrator overrides it per company, channel and language with a
``MessageTemplate`` row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from wuye.core.errors import DomainError

# Every template may use these; ``notify`` fills them in from the recipient and project.
COMMON_VARIABLES: tuple[str, ...] = ("name", "project", "company", "service_phone")
COMMON_SAMPLE: Mapping[str, str] = {
    "name": "王先生",
    "project": "示例花园",
    "company": "示例物业",
    "service_phone": "0571-87961234",
}


@dataclass(frozen=True)
class EventType:
    code: str
    label: Any
    category: str
    variables: tuple[str, ...] = ()
    sample: Mapping[str, str] = field(default_factory=dict)
    subject: Any = ""
    body: Any = ""
    sms_body: Any = ""
    urgent: bool = False

    @property
    def all_variables(self) -> tuple[str, ...]:
        return COMMON_VARIABLES + tuple(v for v in self.variables if v not in COMMON_VARIABLES)

    def sample_context(self) -> dict[str, str]:
        return {**COMMON_SAMPLE, **self.sample}


_EVENTS: dict[str, EventType] = {}


def register_event(event: EventType) -> None:
    """Add (or replace, on re-import) an event type."""
    _EVENTS[event.code] = event


def event_type(code: str) -> EventType:
    try:
        return _EVENTS[code]
    except KeyError:
        raise DomainError(
            _("Unknown message event “%(event)s”.") % {"event": code}, field="event"
        ) from None


def known_event(code: str) -> bool:
    return code in _EVENTS


def all_events() -> list[EventType]:
    return sorted(_EVENTS.values(), key=lambda e: e.code)


def register_core_events() -> None:
    """Events of the foundation and the service desk (called from MessagingConfig.ready)."""
    register_event(
        EventType(
            code="accounts.login_code",
            label=_("Portal login code"),
            category="service",
            variables=("code", "minutes"),
            sample={"code": "123456", "minutes": "5"},
            subject=_("Your login code"),
            body=_(
                "Your Wuye login code is {{ code }}. It is valid for {{ minutes }} minutes. "
                "Do not share it with anyone."
            ),
            urgent=True,
        )
    )
    register_event(
        EventType(
            code="accounts.portal_welcome",
            label=_("Portal access granted"),
            category="service",
            variables=("portal_url",),
            sample={"portal_url": "https://wuye.example/portal/"},
            subject=_("Welcome to the resident portal"),
            body=_(
                "{{ name }}, welcome to the {{ project }} resident portal: {{ portal_url }} "
                "Sign in with this mobile number. 24-hour service: {{ service_phone }}"
            ),
        )
    )
    register_event(
        EventType(
            code="servicedesk.escalation",
            label=_("Ticket deadline warning or breach"),
            category="service",
            variables=("ticket", "clock", "due_at", "level", "subject", "text"),
            sample={
                "ticket": "BX-20261202-0001",
                "clock": "arrival",
                "due_at": "2026-12-02T10:30:00+08:00",
                "level": "warn",
                "subject": "工单 BX-20261202-0001：到场时限 2026-12-02 10:30 将到",
                "text": "工单 BX-20261202-0001（示例花园，户内报修）的到场时限为 10:30，请在此之前处理。",
            },
            # The service desk words the text in the site's language (see escalation._text).
            subject=_("{{ subject }}"),
            body=_("{{ text }}"),
        )
    )
    register_event(
        EventType(
            code="messaging.message",
            label=_("Free-text message"),
            category="service",
            variables=("text",),
            sample={"text": "明天上午九点电梯年检。"},
            subject=_("Message from {{ project }}"),
            body=_("{{ text }}"),
        )
    )
