"""Messaging demo data: each demo company's messaging policy (quiet hours 21:00–08:00 for
SMS), an Aliyun SMS account with the approved templates of the events it sends (no secret:
in development the console channel prints SMS instead, see docs/messaging.md), a resident's
contact preference, and a few in-app messages in the demo resident's inbox — all through
the real services. Idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from wuye.accounts.models import User
from wuye.messaging.models import (
    ChannelAccount,
    MessagingPolicy,
    Notification,
    ProviderTemplate,
)
from wuye.messaging.notify import notify
from wuye.messaging.people import preference_update
from wuye.places.models import Occupant, Project

# Events and the variables their (demo) approved SMS templates take.
SMS_TEMPLATES = {
    "accounts.login_code": ("SMS_480115001", ["code", "minutes"]),
    "accounts.portal_welcome": ("SMS_480115002", ["project", "portal_url"]),
    "messaging.message": ("SMS_480115003", ["project", "text"]),
}


def messages_demo_load(*, projects: Sequence[Project], now: dt.datetime) -> Counter[str]:
    created: Counter[str] = Counter()
    for company in {p.company for p in projects}:
        _policy, made = MessagingPolicy.objects.get_or_create(
            company=company, defaults={"quiet_channels": ["sms"]}
        )
        created["messagingpolicy"] += made
        account, made = ChannelAccount.objects.get_or_create(
            company=company,
            provider="aliyun_sms",
            defaults={
                "name": f"{company.name} 阿里云短信",
                "sign_name": company.name[:12],
                "rate_limit_per_minute": 600,
            },
        )
        created["channelaccount"] += made
        for event, (code, variables) in SMS_TEMPLATES.items():
            _t, made = ProviderTemplate.objects.get_or_create(
                account=account, event=event, defaults={"code": code, "variables": variables}
            )
            created["providertemplate"] += made
    resident = User.objects.filter(username="resident").first()
    occupant = (
        Occupant.objects.filter(user=resident, project__in=projects)
        .select_related("project")
        .first()
        if resident
        else None
    )
    if resident is not None and occupant is not None:
        if not hasattr(resident, "contact_preference"):
            preference_update(
                actor=None, user=resident, channels=["in_app", "sms", "email"], now=now
            )
            created["contactpreference"] += 1
        for key, text, hours in (
            (
                "demo:inbox:welcome",
                f"欢迎使用{occupant.project.name}住户服务。报修、缴费、公告都可以在这里办理。",
                72,
            ),
            (
                "demo:inbox:lift",
                "本周四 9:00–11:00 1幢电梯年度检验，期间请使用另一部电梯，谢谢配合。",
                20,
            ),
        ):
            if Notification.objects.filter(dedupe_key=key).exists():
                continue
            notify(
                event="messaging.message",
                recipient=occupant,
                context={"text": text},
                channels=["in_app"],
                dedupe_key=key,
                source="demo",
                now=now - dt.timedelta(hours=hours),
            )
            created["notification"] += 1
    return created
