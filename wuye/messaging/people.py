"""Writes on the people's side of messaging: reading the in-app inbox, contact
preferences (channel order, opt-outs) and editing message templates. Every change is
audited; inbox reads are not (they change nothing but the read mark)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuye.audit.services import audit_record
from wuye.core.errors import DomainError
from wuye.messaging.models import ContactPreference, Message, MessageChannel, MessageTemplate
from wuye.messaging.notify import PLANNABLE
from wuye.messaging.templating import validate_template
from wuye.places.models import Company, Occupant

LANGUAGES = ("zh-hans", "en")


def inbox_mark_read(*, user: Any, message: Message, now: dt.datetime | None = None) -> Message:
    """Mark one of the user's in-app messages read (once; later calls change nothing)."""
    if message.recipient_user_id != user.pk or message.channel != MessageChannel.IN_APP:
        raise DomainError(_("This is not your message."), code="not_found")
    now = now or timezone.now()
    Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
    message.refresh_from_db(fields=["read_at"])
    return message


def inbox_mark_all_read(*, user: Any, now: dt.datetime | None = None) -> int:
    return Message.objects.filter(
        recipient_user_id=user.pk, channel=MessageChannel.IN_APP, read_at__isnull=True
    ).update(read_at=now or timezone.now())


def _clean_channels(channels: list[str]) -> list[str]:
    unknown = [c for c in channels if c not in PLANNABLE]
    if unknown:
        raise DomainError(
            _("Unknown channel: %(names)s.") % {"names": ", ".join(unknown)}, field="channels"
        )
    return list(dict.fromkeys(channels))


@transaction.atomic
def preference_update(
    *,
    actor: Any,
    user: Any = None,
    occupant: Occupant | None = None,
    channels: list[str] | None = None,
    opt_out_greetings: bool | None = None,
    opt_out_marketing: bool | None = None,
    language: str | None = None,
    wechat_openid: str | None = None,
    now: dt.datetime | None = None,
) -> ContactPreference:
    """Create or change the contact preference of a user or of an occupant (exactly one).
    Service messages cannot be opted out of; only the fields given change."""
    if (user is None) == (occupant is None):
        raise ValueError("preference_update needs a user or an occupant")
    if language is not None and language and language not in LANGUAGES:
        raise DomainError(_("Unknown language."), field="language")
    lookup = {"user": user} if user is not None else {"occupant": occupant}
    pref, _created = ContactPreference.objects.select_for_update().get_or_create(**lookup)
    before = {
        "channels": list(pref.channels),
        "opt_out_greetings": pref.opt_out_greetings,
        "opt_out_marketing": pref.opt_out_marketing,
        "language": pref.language,
        "wechat_openid": "***" if pref.wechat_openid else "",
    }
    if channels is not None:
        pref.channels = _clean_channels(channels)
    if opt_out_greetings is not None:
        pref.opt_out_greetings = opt_out_greetings
    if opt_out_marketing is not None:
        pref.opt_out_marketing = opt_out_marketing
    if language is not None:
        pref.language = language
    if wechat_openid is not None:
        pref.wechat_openid = wechat_openid.strip()
    pref.save()
    after = {
        "channels": list(pref.channels),
        "opt_out_greetings": pref.opt_out_greetings,
        "opt_out_marketing": pref.opt_out_marketing,
        "language": pref.language,
        "wechat_openid": "***" if pref.wechat_openid else "",
    }
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(
            actor=actor,
            action="messaging.preference.updated",
            instance=pref,
            changes=changes,
            project=occupant.project if occupant is not None else None,
            now=now,
        )
    return pref


@transaction.atomic
def template_save(
    *,
    actor: Any,
    company: Company | None,
    event: str,
    channel: str,
    language: str,
    subject: str,
    body: str,
    html: str = "",
    is_active: bool = True,
    now: dt.datetime | None = None,
) -> MessageTemplate:
    """Create or replace the company's template for (event, channel, language) after
    validating it (variables of the event; SMS: text and variables the provider allows)."""
    if language not in LANGUAGES:
        raise DomainError(_("Unknown language."), field="language")
    if channel and channel not in MessageChannel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    validate_template(
        event=event,
        channel=channel,
        subject=subject,
        body=body,
        html=html,
        company_id=company.pk if company is not None else None,
    )
    template, created = MessageTemplate.objects.select_for_update().get_or_create(
        company=company,
        event=event,
        channel=channel,
        language=language,
        defaults={"subject": subject, "body": body, "html": html, "updated_by": actor},
    )
    before = {"subject": template.subject, "body": template.body, "html": template.html}
    if not created:
        template.subject, template.body, template.html = subject, body, html
    template.is_active = is_active
    template.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    template.save()
    after = {"subject": subject, "body": body, "html": html}
    audit_record(
        actor=actor,
        action="messaging.template.created" if created else "messaging.template.updated",
        instance=template,
        changes={
            k: [None if created else before[k], after[k]]
            for k in after
            if created or before[k] != after[k]
        },
        now=now,
    )
    return template


@transaction.atomic
def template_delete(
    *, actor: Any, template: MessageTemplate, now: dt.datetime | None = None
) -> None:
    """Remove a company's override: the site's template or the default text applies again."""
    audit_record(
        actor=actor,
        action="messaging.template.deleted",
        instance=template,
        changes={"body": [template.body, None]},
        now=now,
    )
    template.delete()
