"""Editable message templates: lookup, rendering, validation and preview.

A message of an event is rendered from the most specific active ``MessageTemplate``:
the company's for the channel, the company's for any channel, the site's for the channel,
the site's for any channel — in the recipient's language, then in zh-hans — and else from
the event's default texts (translated). Bodies are Django templates rendered by an engine
with no template loaders (no ``include``/``extends`` of files) over the message's variables.
SMS templates may hold only text and ``{{ variable }}``: Chinese SMS providers send
pre-approved templates with variables, so that is all the provider's template allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import VariableNode
from django.utils import translation
from django.utils.translation import gettext as _

from wuye.core.errors import DomainError
from wuye.messaging.events import EventType, event_type

_TEXT_ENGINE = Engine(loaders=[], autoescape=False, string_if_invalid="")
_HTML_ENGINE = Engine(loaders=[], autoescape=True, string_if_invalid="")
_SMS_ALLOWED = re.compile(r"^(?:[^{}]|\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}|\{(?![{%#]))*$", re.S)
DEFAULT_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str = ""


@dataclass(frozen=True)
class TemplateText:
    subject: str
    body: str
    html: str
    source: str  # "company", "site" or "default"


def render_string(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    engine = _HTML_ENGINE if html else _TEXT_ENGINE
    try:
        return engine.from_string(source).render(Context(context, autoescape=html))
    except TemplateSyntaxError as exc:
        from wuye.messaging.channels.base import PermanentFailure

        raise PermanentFailure(f"template syntax error: {exc}") from exc


def variables_used(source: str) -> set[str]:
    """The top-level names of the variables a template refers to."""
    template = _TEXT_ENGINE.from_string(source)
    names: set[str] = set()
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        assert isinstance(node, VariableNode)
        var = node.filter_expression.var
        lookup = getattr(var, "var", None)
        if isinstance(lookup, str):
            names.add(lookup.split(".")[0])
    return names


def _default_text(event: EventType, channel: str, language: str) -> TemplateText:
    with translation.override(language):
        body = str(event.sms_body) if channel == "sms" and event.sms_body else str(event.body)
        return TemplateText(subject=str(event.subject), body=body, html="", source="default")


def template_for(
    *, company_id: int | None, event: str, channel: str, language: str
) -> TemplateText:
    """The text to send for (company, event, channel, language); see the module docstring."""
    from wuye.messaging.models import MessageTemplate

    et = event_type(event)
    languages = [language] if language == DEFAULT_LANGUAGE else [language, DEFAULT_LANGUAGE]
    rows = list(
        MessageTemplate.objects.filter(
            Q(company_id=company_id) | Q(company__isnull=True),
            event=event,
            channel__in=[channel, ""],
            language__in=languages,
            is_active=True,
        )
    )

    def rank(t: MessageTemplate) -> tuple[int, int, int]:
        return (
            languages.index(t.language),
            0 if t.company_id is not None else 1,
            0 if t.channel == channel else 1,
        )

    if rows:
        best = min(rows, key=rank)
        # A template in the fallback language loses to the default text in the wanted one.
        if best.language == language or not et.body:
            return TemplateText(
                subject=best.subject,
                body=best.body,
                html=best.html,
                source="company" if best.company_id else "site",
            )
    return _default_text(et, channel, language)


def render_event(
    *, company_id: int | None, event: str, channel: str, language: str, context: dict[str, Any]
) -> Rendered:
    text = template_for(company_id=company_id, event=event, channel=channel, language=language)
    subject = " ".join(render_string(text.subject, context).split())
    body = render_string(text.body, context).strip()
    html = render_string(text.html, context, html=True) if text.html and channel == "email" else ""
    return Rendered(subject=subject[:200], body=body, html=html)


def sms_template_variables(*, company_id: int | None, event: str) -> list[str] | None:
    """The variables the company's SMS provider template for ``event`` allows, or None
    when no SMS account or no provider template is configured for it."""
    from wuye.messaging.accounts import active_account
    from wuye.messaging.models import ProviderTemplate

    account = active_account(company_id=company_id, channel="sms")
    if account is None:
        return None
    template = ProviderTemplate.objects.filter(account=account, event=event).first()
    return list(template.variables) if template is not None else None


def validate_template(
    *, event: str, channel: str, subject: str, body: str, html: str = "", company_id: int | None
) -> None:
    """Raise ``DomainError`` (with a field) when the template cannot be rendered, uses a
    variable the event does not have, or — for SMS — anything but text and variables the
    provider's template allows."""
    et = event_type(event)
    allowed = set(et.all_variables)
    for field_name, source in (("subject", subject), ("body", body), ("html", html)):
        if not source:
            continue
        try:
            used = variables_used(source)
        except TemplateSyntaxError as exc:
            raise DomainError(
                _("The template cannot be read: %(error)s") % {"error": exc}, field=field_name
            ) from exc
        unknown = sorted(used - allowed)
        if unknown:
            raise DomainError(
                _("Unknown variables: %(names)s. Allowed: %(allowed)s.")
                % {"names": ", ".join(unknown), "allowed": ", ".join(et.all_variables)},
                field=field_name,
            )
    if not body.strip():
        raise DomainError(_("The body is required."), field="body")
    if channel == "sms":
        if not _SMS_ALLOWED.match(body):
            raise DomainError(
                _("An SMS template may contain only text and {{ variable }} placeholders."),
                field="body",
            )
        provider_vars = sms_template_variables(company_id=company_id, event=event)
        if provider_vars is not None:
            extra = sorted(variables_used(body) - set(provider_vars))
            if extra:
                raise DomainError(
                    _(
                        "The SMS provider's approved template does not take %(names)s; "
                        "it takes only: %(allowed)s."
                    )
                    % {"names": ", ".join(extra), "allowed": ", ".join(provider_vars) or "—"},
                    field="body",
                )


def preview(
    *,
    event: str,
    channel: str,
    language: str,
    company_id: int | None,
    subject: str | None = None,
    body: str | None = None,
    html: str | None = None,
) -> Rendered:
    """Render a template (given, or the one in force) with the event's sample values."""
    et = event_type(event)
    context = et.sample_context()
    if body is None:
        return render_event(
            company_id=company_id, event=event, channel=channel, language=language, context=context
        )
    return Rendered(
        subject=" ".join(render_string(subject or "", context).split()),
        body=render_string(body, context).strip(),
        html=render_string(html, context, html=True) if html else "",
    )
