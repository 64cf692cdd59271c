"""The public disclosure board (公示栏): notices per project, their events and reads.

A notice is plain text (paragraphs separated by blank lines); it is never rendered as HTML.
It is shown to residents only while ``published`` and inside its window
(``starts_at <= now < ends_at``; no ``ends_at`` = open-ended). Three categories make the
"three disclosures" (三公开): fee standards, service content and standards, procedures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.models import TimeStamped, TransitionEvent


class NoticeCategory(models.TextChoices):
    GENERAL = "general", _("General notice")
    WORKS = "works", _("Works and outages")
    FEES = "fees", _("Fee standards")
    SERVICE = "service", _("Service content and standards")
    PROCEDURES = "procedures", _("Procedures")
    OTHER = "other", _("Other")


#: The categories of the three disclosures (三公开), in the order the portal shows them.
DISCLOSURE_CATEGORIES: tuple[NoticeCategory, ...] = (
    NoticeCategory.FEES,
    NoticeCategory.SERVICE,
    NoticeCategory.PROCEDURES,
)


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


TITLE_MAX = 120
BODY_MAX = 10_000


class Notice(TimeStamped):
    project = models.ForeignKey(
        "places.Project",
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(
        _("body"),
        max_length=BODY_MAX,
        help_text=_("Plain text. Leave a blank line between paragraphs."),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=NoticeCategory.choices, default=NoticeCategory.GENERAL
    )
    state = models.CharField(
        _("state"), max_length=20, choices=NoticeState.choices, default=NoticeState.DRAFT
    )
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(
        _("shown until"), null=True, blank=True, help_text=_("Leave empty to keep it shown.")
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-starts_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="notice_project_created"),
            models.Index(fields=["project", "state", "starts_at"], name="notice_project_window"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="notice_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_disclosure(self) -> bool:
        return self.category in DISCLOSURE_CATEGORIES

    def paragraphs(self) -> list[str]:
        """The body's paragraphs (split at blank lines), each stripped; empty ones dropped."""
        text = self.body.replace("\r\n", "\n").replace("\r", "\n")
        return [p.strip() for p in text.split("\n\n") if p.strip()]


class NoticeEvent(TransitionEvent):
    """One row per transition and per notable change: who, when, from → to, note."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="events", verbose_name=_("notice")
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")
        ordering = ["notice_id", "at", "id"]
        indexes = [models.Index(fields=["notice", "at"], name="notice_event_notice_at")]

    def __str__(self) -> str:
        return f"{self.code} @ {self.at.isoformat()}"


class NoticeRead(models.Model):
    """A resident (user) opened the notice in the portal; one row per notice and user."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="reads", verbose_name=_("notice")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.user_id}"
