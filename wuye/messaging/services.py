"""Writes for the message outbox: queue, deliver, retry, cancel, and the two sweeps.

Delivery is at-least-once: a worker claims a message with a conditional UPDATE
(queued → sending) so that two workers never both send it, and a worker that dies while
sending leaves a ``sending`` row that ``message_requeue_stale`` puts back in the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wuye.core.errors import DomainError
from wuye.core.phones import normalize_phone, validate_mobile
from wuye.core.tasks import enqueue_with
from wuye.messaging.channels import PermanentFailure, TemporaryFailure, channel_for
from wuye.messaging.events import event_type
from wuye.messaging.models import (
    ChannelAccount,
    Message,
    MessageCategory,
    MessageChannel,
    MessageEvent,
    MessageStatus,
    RateWindow,
)
from wuye.messaging.notify import (
    notification_after_message,
    notification_reopen,
    policy_for,
    quiet_release,
)
from wuye.messaging.rendering import TEMPLATE_CODE, render_text

logger = logging.getLogger(__name__)

# Backoff after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most one hour.
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=1)
# A message claimed longer ago than this is assumed to belong to a dead worker.
STALE_SENDING_AFTER = dt.timedelta(minutes=10)
# The retry sweep leaves a due message alone this long: its own (deferred) task should run first.
RETRY_SWEEP_GRACE = dt.timedelta(minutes=1)
SWEEP_BATCH = 500


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after ``attempts`` attempts have failed."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(BACKOFF_BASE * factor, BACKOFF_MAX)


# --- events and task dispatch ---------------------------------------------------------------


def _event(
    message: Message,
    *,
    code: str,
    from_status: str,
    to_status: str,
    at: dt.datetime,
    actor: Any = None,
    note: str = "",
) -> MessageEvent:
    return MessageEvent.objects.create(
        message=message,
        at=at,
        code=code,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:2000],
    )


def _enqueue_delivery(message_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Schedule ``deliver_message(message_id)``. Call inside the transaction that made the
    message due; the task never runs before that transaction commits."""
    from wuye.messaging.tasks import deliver_message

    task = deliver_message
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # no delayed tasks on this backend: message_retry_due picks the retry up
        task = task.using(run_after=run_after)
    enqueue_with(Message, task, message_id)


# --- queueing -------------------------------------------------------------------------------


def _validate_recipient(channel: str, recipient: str) -> str:
    recipient = recipient.strip()
    if not recipient:
        raise DomainError(_("A message needs a recipient."), field="recipient")
    try:
        if channel == MessageChannel.EMAIL:
            validate_email(recipient)
        elif channel == MessageChannel.SMS:
            recipient = normalize_phone(recipient)
            validate_mobile(recipient)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="recipient") from exc
    return recipient


def message_queue(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    template: str | None = None,
    context: dict[str, Any] | None = None,
    project: Any = None,
    dedupe_key: str | None = None,
    recipient_user: Any = None,
    event: str = "",
    category: str = MessageCategory.SERVICE,
    urgent: bool = False,
    language: str = "",
    company: Any = None,
    notification: Any = None,
    not_before: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Put a message in the outbox and schedule its delivery, inside the caller's transaction.

    The text is ``body`` (and ``subject``), or rendered at delivery from the file
    ``template`` or from the ``event``'s editable template with ``context``. ``not_before``
    holds it back (quiet hours). When ``dedupe_key`` was used before, nothing is queued and
    the existing message is returned (also under concurrency: the unique constraint
    decides). Raises ``DomainError`` for an unknown channel, an empty or malformed
    recipient, or no text at all.
    """
    if channel not in MessageChannel.values:
        raise DomainError(
            _("Unknown message channel “%(channel)s”.") % {"channel": channel}, field="channel"
        )
    recipient = _validate_recipient(channel, recipient)
    if template is not None and not TEMPLATE_CODE.match(template):
        raise DomainError(_("Invalid message template code."), field="template")
    if not body.strip() and not template and not event:
        raise DomainError(_("A message needs a body or a template."), field="body")
    if event:
        event_type(event)  # unknown events are a caller's error, not a delivery failure
    now = now or timezone.now()
    dedupe_key = dedupe_key or None
    if company is None and project is not None:
        company = project.company

    with transaction.atomic():
        if dedupe_key is not None:
            existing = Message.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():  # savepoint: a lost race must not poison the caller
                message = Message.objects.create(
                    project=project,
                    channel=channel,
                    recipient=recipient,
                    recipient_user=recipient_user,
                    subject=subject[:200],
                    body=body,
                    template=template,
                    context=context or {},
                    event=event,
                    category=category,
                    urgent=urgent,
                    language=language or settings.LANGUAGE_CODE,
                    company=company,
                    notification=notification,
                    status=MessageStatus.QUEUED,
                    next_attempt_at=max(now, not_before) if not_before else now,
                    dedupe_key=dedupe_key,
                    created_at=now,
                )
        except IntegrityError:
            if dedupe_key is None:
                raise
            existing = Message.objects.filter(dedupe_key=dedupe_key).first()
            if existing is None:
                raise
            return existing
        _event(
            message,
            code="messaging.message.queued",
            from_status="",
            to_status=MessageStatus.QUEUED,
            at=now,
            note=f"held until {message.next_attempt_at.isoformat()}" if not_before else "",
        )
        _enqueue_delivery(
            message.pk, run_after=message.next_attempt_at if message.next_attempt_at > now else None
        )
    return message


# --- delivery -------------------------------------------------------------------------------


def _claim(message_id: int, now: dt.datetime) -> Message | None:
    with transaction.atomic():
        claimed = Message.objects.filter(
            pk=message_id, status=MessageStatus.QUEUED, next_attempt_at__lte=now
        ).update(status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if not claimed:
            return None
        message = Message.objects.get(pk=message_id)
        _event(
            message,
            code="messaging.message.sending",
            from_status=MessageStatus.QUEUED,
            to_status=MessageStatus.SENDING,
            at=now,
            note=f"attempt {message.attempts}",
        )
    return message


def _settle(
    message: Message, *, to_status: str, code: str, at: dt.datetime, note: str = "", **fields: Any
) -> bool:
    """Move a message we claimed out of ``sending``. False when the claim was lost meanwhile
    (requeued as stale and claimed again), in which case nothing is written."""
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claimed_at=message.claimed_at
        ).update(status=to_status, claimed_at=None, **fields)
        if not updated:
            logger.warning("message %s: claim lost before settling as %s", message.pk, to_status)
            return False
        message.refresh_from_db()
        _event(
            message,
            code=code,
            from_status=MessageStatus.SENDING,
            to_status=to_status,
            at=at,
            note=note,
        )
        if to_status == MessageStatus.QUEUED:
            _enqueue_delivery(message.pk, run_after=message.next_attempt_at)
        else:
            notification_after_message(message, now=at)
    return True


def _retry_or_give_up(message: Message, error: str, at: dt.datetime) -> None:
    if message.attempts >= message.max_attempts:
        _settle(
            message,
            to_status=MessageStatus.FAILED,
            code="messaging.message.failed",
            at=at,
            note=f"gave up after {message.attempts} attempts: {error}",
            last_error=error,
        )
    else:
        _settle(
            message,
            to_status=MessageStatus.QUEUED,
            code="messaging.message.retry_scheduled",
            at=at,
            note=error,
            last_error=error,
            next_attempt_at=at + backoff(message.attempts),
        )


def _defer(message: Message, *, until: dt.datetime, at: dt.datetime, why: str) -> None:
    """Put a claimed message back without spending an attempt (quiet hours, rate limit)."""
    _settle(
        message,
        to_status=MessageStatus.QUEUED,
        code="messaging.message.deferred",
        at=at,
        note=f"{why}: held until {until.isoformat()}",
        next_attempt_at=until,
        attempts=F("attempts") - 1,
    )


def rate_slot(account: ChannelAccount, now: dt.datetime) -> dt.datetime | None:
    """Take one send from the account's per-minute budget. None when taken (go ahead);
    else the start of the next minute, when to try again. Exact across workers: each take
    is a conditional UPDATE on the minute's row."""
    limit = account.rate_limit_per_minute
    if not limit:
        return None
    window = now.replace(second=0, microsecond=0)
    for _attempt in range(2):
        taken = RateWindow.objects.filter(
            account=account, window_start=window, count__lt=limit
        ).update(count=F("count") + 1)
        if taken:
            return None
        if RateWindow.objects.filter(account=account, window_start=window).exists():
            return window + dt.timedelta(minutes=1)
        try:
            with transaction.atomic():
                RateWindow.objects.create(account=account, window_start=window, count=1)
            return None
        except IntegrityError:
            continue  # another worker opened the window first: take from it
    return window + dt.timedelta(minutes=1)


def message_deliver(*, message_id: int, now: dt.datetime | None = None) -> Message | None:
    """Deliver one message if it is still queued and due; returns it, or None when another
    worker has it, it was already settled, or it is not due yet.

    Success → sent (with the provider's id); ``TemporaryFailure`` or an unexpected error →
    queued again with exponential backoff, failed once ``max_attempts`` is reached;
    ``PermanentFailure`` → failed.
    """
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return None
    try:
        release = quiet_release(
            policy=policy_for(message.company_id),
            channel=message.channel,
            urgent=message.urgent,
            at=now,
        )
        if release is not None:
            _defer(message, until=release, at=now, why="quiet hours")
            message.refresh_from_db()
            return message
        channel = channel_for(message.channel)
        account = channel.account_for(message)
        if account is not None:
            if account.pk != message.account_id:
                message.account = account
                Message.objects.filter(pk=message.pk).update(account=account)
            slot = rate_slot(account, now)
            if slot is not None:
                _defer(message, until=slot, at=now, why=f"rate limit of {account.name}")
                message.refresh_from_db()
                return message
        rendered = render_text(message)
        if (rendered.subject, rendered.body) != (message.subject, message.body):
            message.subject, message.body = rendered.subject[:200], rendered.body
            Message.objects.filter(pk=message.pk).update(subject=message.subject, body=message.body)
        result = channel.send(message)
    except PermanentFailure as exc:
        _settle(
            message,
            to_status=MessageStatus.FAILED,
            code="messaging.message.failed",
            at=now,
            note=str(exc),
            last_error=str(exc),
        )
    except TemporaryFailure as exc:
        _retry_or_give_up(message, str(exc), now)
    except Exception as exc:
        # A bug or an unexpected provider reply: keep the message, retry with backoff.
        logger.exception("message %s: unexpected error during delivery", message.pk)
        _retry_or_give_up(message, f"{type(exc).__name__}: {exc}", now)
    else:
        extra: dict[str, Any] = {"delivered_at": now} if result.delivered else {}
        _settle(
            message,
            to_status=MessageStatus.DELIVERED if result.delivered else MessageStatus.SENT,
            code="messaging.message.delivered" if result.delivered else "messaging.message.sent",
            at=now,
            provider_message_id=result.provider_id[:200],
            sent_at=now,
            last_error="",
            **extra,
        )
    message.refresh_from_db()
    return message


# --- sweeps ---------------------------------------------------------------------------------


def message_requeue_stale(
    *, now: dt.datetime | None = None, older_than: dt.timedelta = STALE_SENDING_AFTER
) -> int:
    """Put messages stuck in ``sending`` (their worker died) back in the queue, or fail them
    when they used up their attempts. Safe to run concurrently. Returns how many moved."""
    now = now or timezone.now()
    moved = 0
    stale = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - older_than)
    for message in stale.order_by("claimed_at")[:SWEEP_BATCH]:
        error = _("The worker stopped while sending (claimed at %(at)s).") % {
            "at": message.claimed_at.isoformat() if message.claimed_at else "?"
        }
        if message.attempts >= message.max_attempts:
            settled = _settle(
                message,
                to_status=MessageStatus.FAILED,
                at=now,
                note=error,
                code="messaging.message.failed",
                last_error=error,
            )
        else:
            settled = _settle(
                message,
                to_status=MessageStatus.QUEUED,
                at=now,
                note=error,
                code="messaging.message.requeued",
                last_error=error,
                next_attempt_at=now,
            )
        moved += settled
    return moved


def message_retry_due(
    *, now: dt.datetime | None = None, grace: dt.timedelta = RETRY_SWEEP_GRACE
) -> int:
    """Enqueue a delivery task for every queued message that has been due for longer than
    ``grace`` — its task was lost (worker queue wiped, backend without delayed tasks,
    process died between commit and ``on_commit``). Duplicate tasks are harmless: only one
    can claim the message. Returns the number of tasks enqueued."""
    now = now or timezone.now()
    due = Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now - grace)
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    with transaction.atomic():
        # Pushing next_attempt_at to now means the next sweep leaves them alone for ``grace``.
        Message.objects.filter(
            pk__in=ids, status=MessageStatus.QUEUED, next_attempt_at__lte=now - grace
        ).update(next_attempt_at=now)
        for message_id in ids:
            _enqueue_delivery(message_id)
    return len(ids)


# --- operator actions -----------------------------------------------------------------------


def message_retry(*, actor: Any, message: Message, now: dt.datetime | None = None) -> Message:
    """Send a failed or cancelled message again with a fresh set of attempts."""
    now = now or timezone.now()
    if message.status not in (MessageStatus.FAILED, MessageStatus.CANCELLED):
        raise DomainError(
            _("Only failed or cancelled messages can be retried."), code="not_retryable"
        )
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status=message.status).update(
            status=MessageStatus.QUEUED, attempts=0, next_attempt_at=now, claimed_at=None
        )
        if not updated:
            raise DomainError(
                _("The message changed meanwhile; reload and try again."), code="conflict"
            )
        if message.notification_id is not None:
            notification_reopen(message, now=now)
        _event(
            message,
            code="messaging.message.retried",
            from_status=message.status,
            to_status=MessageStatus.QUEUED,
            at=now,
            actor=actor,
        )
        _enqueue_delivery(message.pk)
    message.refresh_from_db()
    return message


def message_cancel(
    *, actor: Any, message: Message, now: dt.datetime | None = None, note: str = ""
) -> Message:
    """Stop a queued message from being sent."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.CANCELLED
        )
        if not updated:
            raise DomainError(_("Only queued messages can be cancelled."), code="not_cancellable")
        _event(
            message,
            code="messaging.message.cancelled",
            from_status=MessageStatus.QUEUED,
            to_status=MessageStatus.CANCELLED,
            at=now,
            actor=actor,
            note=note,
        )
        message.refresh_from_db()
        notification_after_message(message, now=now)
    return message


# --- batch delivery (campaigns) -------------------------------------------------------------

BATCH_SIZE = 100


def enqueue_batch_delivery(*, source: str, workers: int) -> None:
    """Start ``workers`` batch tasks that deliver the queued messages of ``source``."""
    from wuye.messaging.tasks import deliver_batch

    for _worker in range(workers):
        enqueue_with(Message, deliver_batch, source)


def message_deliver_batch(*, source: str, now: dt.datetime | None = None, limit: int = 0) -> int:
    """Deliver due queued messages of ``source`` until none is left (or ``limit`` were
    tried); several runs share the work safely (each message is claimed on its own).
    Returns how many this run delivered or settled."""
    done = 0
    while True:
        at = now or timezone.now()
        ids = list(
            Message.objects.filter(
                notification__source=source,
                status=MessageStatus.QUEUED,
                next_attempt_at__lte=at,
            )
            .order_by("id")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return done
        progressed = False
        for message_id in ids:
            if message_deliver(message_id=message_id, now=now) is not None:
                done += 1
                progressed = True
            if limit and done >= limit:
                return done
        if not progressed:
            return done  # others hold them all
