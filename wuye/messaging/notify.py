"""Notifications: one event for one person, delivered on the first channel that works.

(The bulk path for campaigns, ``notify_many``, is in :mod:`wuye.messaging.bulk`.)

``notify`` writes a ``Notification`` with its channel plan (the person's preference, else
the company's default order, filtered to the channels that can reach them) and queues the
first channel's message, all inside the caller's transaction. When that message fails for
good (permanent error, attempts used up, or an "undelivered" receipt),
``notification_after_message`` queues the next channel's message in the same transaction;
when a channel accepts it the notification is delivered. Recipients may opt out of
greetings and marketing, never of service messages; an opted-out notification is kept
(status ``opted_out``) so that campaign statistics count it.

``notify_many`` is the bulk path for campaigns: rows are written in chunks with one
``executemany`` per table and delivered by a few ``deliver_batch`` tasks instead of a task
per message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from wuye.accounts.models import User
from wuye.core.phones import normalize_phone
from wuye.messaging.events import event_type
from wuye.messaging.models import (
    ContactPreference,
    Message,
    MessageCategory,
    MessageChannel,
    MessageStatus,
    MessagingPolicy,
    Notification,
    NotificationStatus,
)
from wuye.messaging.models.config import DEFAULT_CHANNEL_ORDER
from wuye.places.models import Company, Occupant, Project

DEFAULT_QUIET_CHANNELS = ("sms",)
PLANNABLE = ("in_app", "wechat", "sms", "email")


# --- policy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    quiet_start: dt.time
    quiet_end: dt.time
    quiet_channels: tuple[str, ...]
    zone: ZoneInfo
    default_channels: tuple[str, ...]


def policy_for(company_id: int | None) -> Policy:
    row = (
        MessagingPolicy.objects.filter(company_id=company_id).first()
        if company_id is not None
        else None
    )
    if row is None:
        return Policy(
            dt.time(21, 0),
            dt.time(8, 0),
            DEFAULT_QUIET_CHANNELS,
            ZoneInfo("Asia/Shanghai"),
            tuple(DEFAULT_CHANNEL_ORDER),
        )
    return Policy(
        row.quiet_start,
        row.quiet_end,
        tuple(row.quiet_channels or DEFAULT_QUIET_CHANNELS),
        ZoneInfo(row.time_zone or "Asia/Shanghai"),
        tuple(row.default_channels or DEFAULT_CHANNEL_ORDER),
    )


def quiet_release(
    *, policy: Policy, channel: str, urgent: bool, at: dt.datetime
) -> dt.datetime | None:
    """When ``at`` falls in the quiet hours for ``channel``, the moment they end; else None.
    Urgent messages are never held."""
    if urgent or channel not in policy.quiet_channels or policy.quiet_start == policy.quiet_end:
        return None
    local = at.astimezone(policy.zone)
    t = local.time()
    start, end = policy.quiet_start, policy.quiet_end
    if start > end:  # over midnight, e.g. 21:00–08:00
        inside = t >= start or t < end
        release_day = local.date() + dt.timedelta(days=1) if t >= start else local.date()
    else:
        inside = start <= t < end
        release_day = local.date()
    if not inside:
        return None
    return dt.datetime.combine(release_day, end, tzinfo=policy.zone)


# --- recipients -----------------------------------------------------------------------------


@dataclass
class Reach:
    user: User | None
    occupant: Occupant | None
    name: str
    addresses: dict[str, str]
    preference: ContactPreference | None
    language: str


def _preference(user: User | None, occupant: Occupant | None) -> ContactPreference | None:
    if occupant is not None:
        own = ContactPreference.objects.filter(occupant=occupant).first()
        if own is not None:
            return own
    if user is not None:
        return ContactPreference.objects.filter(user=user).first()
    return None


def _addresses(*, user: User | None, mobile: str, email: str, openid: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if user is not None and user.is_active:
        found["in_app"] = str(user.pk)
    if openid:
        found["wechat"] = openid
    mobile = normalize_phone(mobile or "")
    if len(mobile) == 11 and mobile.startswith("1"):
        found["sms"] = mobile
    if email:
        found["email"] = email
    return found


def reach_for(recipient: Occupant | User) -> Reach:
    if isinstance(recipient, Occupant):
        occupant: Occupant | None = recipient
        user = recipient.user if recipient.user_id else None
        name = recipient.contact_name or recipient.name
        mobile = recipient.mobile or (user.mobile if user is not None else "") or ""
        email = recipient.email or (user.email if user is not None else "")
    else:
        occupant, user = None, recipient
        name = str(recipient)
        mobile, email = recipient.mobile or "", recipient.email
    pref = _preference(user, occupant)
    return Reach(
        user=user,
        occupant=occupant,
        name=name,
        addresses=_addresses(
            user=user, mobile=mobile, email=email, openid=pref.wechat_openid if pref else ""
        ),
        preference=pref,
        language=(pref.language if pref and pref.language else "zh-hans"),
    )


def plan_channels(
    *,
    addresses: dict[str, str],
    preferred: Sequence[str],
    policy: Policy,
    requested: Sequence[str] | None,
) -> list[str]:
    order = list(requested or preferred or policy.default_channels)
    return [c for c in dict.fromkeys(order) if c in PLANNABLE and c in addresses]


def opted_out(category: str, preference: ContactPreference | None) -> bool:
    if preference is None or category == MessageCategory.SERVICE:
        return False
    if category == MessageCategory.GREETING:
        return preference.opt_out_greetings
    if category == MessageCategory.MARKETING:
        return preference.opt_out_marketing
    return False


def _common_context(project: Project | None, company: Company | None, name: str) -> dict[str, str]:
    return {
        "name": name,
        "project": project.name if project is not None else "",
        "company": company.name if company is not None else "",
        "service_phone": project.service_phone if project is not None else "",
    }


# --- notify ---------------------------------------------------------------------------------


def notify(
    *,
    event: str,
    recipient: Occupant | User,
    context: dict[str, Any],
    project: Project | None = None,
    company: Company | None = None,
    category: str | None = None,
    urgent: bool | None = None,
    dedupe_key: str | None = None,
    source: str = "",
    channels: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> Notification:
    """Tell ``recipient`` about ``event``; see the module docstring. Returns the
    notification (the existing one when ``dedupe_key`` was used before)."""
    et = event_type(event)
    now = now or timezone.now()
    if project is None and isinstance(recipient, Occupant):
        project = recipient.project
    if company is None and project is not None:
        company = project.company
    category = category or et.category
    urgent = et.urgent if urgent is None else urgent
    reach = reach_for(recipient)
    policy = policy_for(company.pk if company is not None else None)
    plan = plan_channels(
        addresses=reach.addresses,
        preferred=reach.preference.channels if reach.preference else (),
        policy=policy,
        requested=channels,
    )
    full_context = {**_common_context(project, company, reach.name), **context}
    if opted_out(category, reach.preference):
        status = NotificationStatus.OPTED_OUT
    elif not plan:
        status = NotificationStatus.UNREACHABLE
    else:
        status = NotificationStatus.PENDING
    with transaction.atomic():
        if dedupe_key:
            existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():  # savepoint: a lost race must not poison the caller
                notification = Notification.objects.create(
                    company=company,
                    project=project,
                    event=event,
                    source=source[:100],
                    category=category,
                    urgent=urgent,
                    recipient_user=reach.user,
                    recipient_occupant=reach.occupant,
                    recipient_name=reach.name[:200],
                    context=full_context,
                    language=reach.language,
                    channels=plan,
                    status=status,
                    dedupe_key=dedupe_key or None,
                    created_at=now,
                    finished_at=None if status == NotificationStatus.PENDING else now,
                )
        except IntegrityError:
            existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
            if not dedupe_key or existing is None:
                raise
            return existing
        if status == NotificationStatus.PENDING:
            _queue_step(notification, reach=reach, policy=policy, now=now)
    return notification


def _message_key(notification: Notification, channel: str) -> str:
    base = notification.dedupe_key or f"n{notification.pk}"
    return f"{base}:{channel}"[:200]


def _queue_step(
    notification: Notification, *, reach: Reach, policy: Policy, now: dt.datetime
) -> Message | None:
    from wuye.messaging.services import message_queue

    channel = notification.channel
    address = reach.addresses.get(channel)
    if address is None:  # the person lost this channel since planning: try the next one
        return _advance(notification, now=now, error=f"no {channel} address", reach=reach)
    release = quiet_release(policy=policy, channel=channel, urgent=notification.urgent, at=now)
    message = message_queue(
        channel=channel,
        recipient=address,
        body="",
        event=notification.event,
        context=notification.context,
        category=notification.category,
        urgent=notification.urgent,
        language=notification.language,
        project=notification.project,
        company=notification.company,
        recipient_user=reach.user,
        notification=notification,
        dedupe_key=_message_key(notification, channel),
        not_before=release,
        now=now,
    )
    if message.status in (MessageStatus.FAILED, MessageStatus.CANCELLED):
        # This channel was tried before (an operator retry re-opened an earlier step).
        return _advance(notification, now=now, error=message.last_error, reach=reach)
    return message


def notification_reopen(message: Message, *, now: dt.datetime) -> None:
    """An operator retries ``message``: its notification waits on that channel again."""
    if message.notification_id is None:
        return
    notification = Notification.objects.filter(pk=message.notification_id).first()
    if notification is None or message.channel not in notification.channels:
        return
    if notification.status in (NotificationStatus.FAILED, NotificationStatus.CANCELLED):
        Notification.objects.filter(pk=notification.pk, status=notification.status).update(
            status=NotificationStatus.PENDING,
            step=notification.channels.index(message.channel),
            finished_at=None,
        )


def _advance(
    notification: Notification, *, now: dt.datetime, error: str, reach: Reach | None = None
) -> Message | None:
    """Move to the next planned channel and queue it, or mark the notification failed."""
    step = notification.step
    next_step = step + 1
    if next_step >= len(notification.channels):
        Notification.objects.filter(pk=notification.pk, step=step).update(
            status=NotificationStatus.FAILED, last_error=error[:2000], finished_at=now
        )
        notification.status = NotificationStatus.FAILED
        return None
    moved = Notification.objects.filter(
        pk=notification.pk, step=step, status=NotificationStatus.PENDING
    ).update(step=next_step, last_error=error[:2000])
    if not moved:
        return None  # another worker advanced it already
    notification.step = next_step
    if reach is None:
        recipient: Occupant | User | None = notification.recipient_occupant or (
            notification.recipient_user
        )
        if recipient is None:
            return _advance(notification, now=now, error="recipient deleted")
        reach = reach_for(recipient)
    policy = policy_for(notification.company_id)
    return _queue_step(notification, reach=reach, policy=policy, now=now)


def notification_after_message(message: Message, *, now: dt.datetime | None = None) -> None:
    """Bring the message's notification up to date after the message changed status: a
    sent or delivered message delivers it; a failed one moves it to the next channel.
    Call inside the transaction that changed the message."""
    if message.notification_id is None:
        return
    now = now or timezone.now()
    if message.status in (MessageStatus.SENT, MessageStatus.DELIVERED):
        Notification.objects.filter(
            pk=message.notification_id,
            status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED],
        ).update(status=NotificationStatus.DELIVERED, finished_at=now, last_error="")
        return
    if message.status == MessageStatus.CANCELLED:
        Notification.objects.filter(
            pk=message.notification_id, status=NotificationStatus.PENDING
        ).update(status=NotificationStatus.CANCELLED, finished_at=now)
        return
    if message.status != MessageStatus.FAILED:
        return
    notification = Notification.objects.select_for_update().get(pk=message.notification_id)
    if notification.status != NotificationStatus.PENDING or notification.channel != message.channel:
        return  # already delivered or moved on (an operator retry of an older channel)
    _advance(notification, now=now, error=f"{message.channel}: {message.last_error}")


# --- statistics -----------------------------------------------------------------------------


def notification_stats(*, source: str) -> dict[str, int]:
    """Delivery figures of everything sent under ``source`` (e.g. ``campaign:12``):
    total, queued (on its way), sent, delivered, failed, opted_out, unreachable.
    "sent" counts notifications whose channel accepted the message without a receipt yet;
    "delivered" those confirmed by a receipt or delivered to the in-app inbox."""
    stats = dict.fromkeys(
        ("total", "queued", "sent", "delivered", "failed", "opted_out", "unreachable", "cancelled"),
        0,
    )
    for row in Notification.objects.filter(source=source).values("status").annotate(n=Count("id")):
        stats["total"] += row["n"]
        names: dict[str, str] = {
            NotificationStatus.PENDING: "queued",
            NotificationStatus.DELIVERED: "delivered",
        }
        key = names.get(row["status"], row["status"])
        stats[key] = stats.get(key, 0) + row["n"]
    # Split "delivered" notifications into confirmed (receipt / inbox) and merely sent.
    sent_only = Message.objects.filter(
        notification__source=source,
        notification__status=NotificationStatus.DELIVERED,
        status=MessageStatus.SENT,
    ).exclude(channel=MessageChannel.IN_APP)
    moved = sent_only.count()
    stats["sent"] += moved
    stats["delivered"] -= moved
    return stats
