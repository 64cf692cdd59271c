"""Rendering templated messages at delivery time.

A template code such as ``portal.welcome`` names Django templates under ``messaging/``:
``messaging/portal.welcome.txt`` (body, required), ``messaging/portal.welcome.subject.txt``
(subject, optional) and ``messaging/portal.welcome.html`` (HTML alternative for e-mail,
optional). They are rendered with the message's ``context`` in the site's default language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import translation

from wuye.messaging.channels.base import PermanentFailure

if TYPE_CHECKING:
    from wuye.messaging.models import Message

TEMPLATE_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _name(code: str, suffix: str) -> str:
    if not TEMPLATE_CODE.match(code):
        raise PermanentFailure(f"invalid template code {code!r}")
    return f"messaging/{code}{suffix}"


def _render(name: str, context: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(name, context)


def _event_rendering(message: Message) -> Rendered:
    from wuye.messaging import templating

    r = templating.render_event(
        company_id=message.company_id,
        event=message.event,
        channel=message.channel,
        language=message.language or settings.LANGUAGE_CODE,
        context=dict(message.context or {}),
    )
    return Rendered(subject=r.subject, body=r.body)


def render_text(message: Message) -> Rendered:
    """Subject and body to send: from the file template when set; from the event's
    editable template when the message has an event and no stored body; else as stored."""
    if not message.template:
        if message.event and not message.body:
            return _event_rendering(message)
        return Rendered(subject=message.subject, body=message.body)
    context = dict(message.context or {})
    try:
        body = _render(_name(message.template, ".txt"), context).strip()
    except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
        raise PermanentFailure(
            f"template {message.template!r}: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        subject = " ".join(_render(_name(message.template, ".subject.txt"), context).split())
    except TemplateDoesNotExist:
        subject = message.subject
    return Rendered(subject=subject, body=body)


def render_html(message: Message) -> str:
    """The HTML alternative, or "" when the message has no template or no HTML version."""
    if not message.template:
        if message.event:
            from wuye.messaging import templating

            return templating.render_event(
                company_id=message.company_id,
                event=message.event,
                channel=message.channel,
                language=message.language or settings.LANGUAGE_CODE,
                context=dict(message.context or {}),
            ).html
        return ""
    try:
        return _render(_name(message.template, ".html"), dict(message.context or {}))
    except TemplateDoesNotExist:
        return ""
    except TemplateSyntaxError as exc:
        raise PermanentFailure(f"template {message.template!r} (HTML): {exc}") from exc
