"""The logical notification (one event to one person) behind the outbox messages that
carry it, the editable message templates, and each person's contact preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.messaging.models.outbox import MessageCategory


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # a message is on its way on the current channel
    DELIVERED = "delivered", _("Delivered")  # a channel accepted (or confirmed) it
    FAILED = "failed", _("Failed")  # every planned channel failed
    OPTED_OUT = "opted_out", _("Opted out")  # the recipient opted out of this category
    UNREACHABLE = "unreachable", _("No channel")  # no channel can reach the recipient
    CANCELLED = "cancelled", _("Cancelled")


class Notification(models.Model):
    """One event for one recipient. ``channels`` is the plan (e.g. in-app → SMS → e-mail);
    ``step`` the channel now tried. When a channel's message fails, the next one is queued
    in the same transaction; the unique ``dedupe_key`` (event + recipient) makes a repeated
    trigger harmless, and each message's key adds the channel."""

    company = models.ForeignKey(
        "places.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("company"),
    )
    project = models.ForeignKey(
        "places.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("project"),
    )
    event = models.CharField(_("event"), max_length=100)
    # What caused it, for statistics: "campaign:12", "rule:3", "ticket:55" …
    source = models.CharField(_("source"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=MessageCategory.choices)
    urgent = models.BooleanField(_("urgent"), default=False)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient user"),
    )
    recipient_occupant = models.ForeignKey(
        "places.Occupant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient occupant"),
    )
    recipient_name = models.CharField(_("recipient"), max_length=200, blank=True)
    context = models.JSONField(_("variables"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    channels = models.JSONField(_("channel plan"), default=list)
    step = models.PositiveSmallIntegerField(_("current channel"), default=0)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    last_error = models.TextField(_("last error"), blank=True)
    dedupe_key = models.CharField(
        _("dedupe key"), max_length=200, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["source", "status"], name="notification_source_status"),
            models.Index(fields=["project", "-created_at"], name="notification_project_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_name} ({self.status})"

    @property
    def channel(self) -> str:
        return self.channels[self.step] if self.step < len(self.channels) else ""


class MessageTemplate(models.Model):
    """The text of one event on one channel in one language, editable by an administrator.
    ``company`` empty = the shipped default; ``channel`` empty = any channel. Bodies are
    Django templates over the event's variables (``{{ name }}``)."""

    company = models.ForeignKey(
        "places.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="message_templates",
        verbose_name=_("company"),
    )
    event = models.CharField(_("event"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    html = models.TextField(_("HTML body (e-mail)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "event", "channel", "language"],
                condition=Q(company__isnull=False),
                name="message_template_unique",
            ),
            models.UniqueConstraint(
                fields=["event", "channel", "language"],
                condition=Q(company__isnull=True),
                name="message_template_default_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} [{self.channel or '*'}] {self.language}"


class ContactPreference(models.Model):
    """How a person wants to be reached: channel order and opt-outs (greetings, marketing —
    never service messages). Belongs to a user (residents with a portal account, staff) or
    to an occupant without one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contact_preference",
        verbose_name=_("user"),
    )
    occupant = models.OneToOneField(
        "places.Occupant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contact_preference",
        verbose_name=_("occupant"),
    )
    channels = models.JSONField(_("channel order"), default=list, blank=True)
    opt_out_greetings = models.BooleanField(_("no greetings"), default=False)
    opt_out_marketing = models.BooleanField(
        _("no marketing or activity invitations"), default=False
    )
    # The person's open id on the company's WeChat official account.
    wechat_openid = models.CharField(_("WeChat open id"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, occupant__isnull=True)
                | Q(user__isnull=True, occupant__isnull=False),
                name="contact_preference_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.occupant}"
