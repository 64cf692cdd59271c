"""The message outbox: one row per outgoing message, whatever the channel.

Services in ``services.py`` are the only writers. A message is delivered by the
``deliver_message`` task; every status change leaves a ``MessageEvent``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.core.masking import mask_phone
from wuye.core.models import TransitionEvent

DEFAULT_MAX_ATTEMPTS = 5
_MOBILE = re.compile(r"1\d{10}")


class MessageChannel(models.TextChoices):
    CONSOLE = "console", _("Console (development)")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    IN_APP = "in_app", _("In-app")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    # The provider's receipt confirmed the handset (or inbox) received it.
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class MessageCategory(models.TextChoices):
    """Why a message is sent. Recipients may opt out of greetings and marketing, never of
    service messages (login codes, ticket updates, outage notices, bills)."""

    SERVICE = "service", _("Service")
    GREETING = "greeting", _("Greeting")
    MARKETING = "marketing", _("Marketing and activities")


class Message(models.Model):
    """An outgoing message. ``recipient`` is what the channel needs: an e-mail address, a
    mobile number, an open id or a user id. When ``template`` is set, subject and body are
    rendered from it with ``context`` at delivery time."""

    company = models.ForeignKey(
        "places.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("company"),
    )
    project = models.ForeignKey(
        "places.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("project"),
    )
    # The logical notification this message delivers on one channel (None for plain messages).
    notification = models.ForeignKey(
        "messaging.Notification",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("notification"),
    )
    # The event this message tells about (``accounts.login_code``, ``greeting.holiday`` …):
    # chooses the editable template and the provider's pre-approved SMS/WeChat template.
    event = models.CharField(_("event"), max_length=100, blank=True)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=MessageCategory.choices,
        default=MessageCategory.SERVICE,
    )
    # Urgent messages ignore quiet hours.
    urgent = models.BooleanField(_("urgent"), default=False)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    channel = models.CharField(_("channel"), max_length=20, choices=MessageChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("recipient user"),
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    template = models.CharField(_("template"), max_length=100, null=True, blank=True)
    context = models.JSONField(_("template context"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("max attempts"), default=DEFAULT_MAX_ATTEMPTS)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # Set when a worker claims the message (queued → sending); identifies that claim.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    # The provider account that sent it, and the provider's template (SMS, WeChat).
    account = models.ForeignKey(
        "messaging.ChannelAccount",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("provider account"),
    )
    provider_template_code = models.CharField(_("provider template"), max_length=100, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    receipt_error = models.CharField(_("receipt error"), max_length=500, blank=True)
    # In-app messages: when the recipient opened it.
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The same key can never be queued twice (e.g. ``otp:<mobile>:<code id>``).
    dedupe_key = models.CharField(
        _("dedupe key"), max_length=200, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_status_due"),
            models.Index(fields=["project", "-created_at"], name="message_project_recent"),
            models.Index(fields=["recipient_user", "-created_at"], name="message_user_recent"),
            models.Index(fields=["account", "provider_message_id"], name="message_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.masked_recipient} ({self.status})"

    @property
    def masked_recipient(self) -> str:
        if self.channel == MessageChannel.SMS or _MOBILE.fullmatch(self.recipient):
            return mask_phone(self.recipient)
        return self.recipient


class MessageEvent(TransitionEvent):
    """One status change of a message: who, when, from → to, and why."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="events", verbose_name=_("message")
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["message", "at"], name="message_event_message_at")]

    def __str__(self) -> str:
        return self.code
