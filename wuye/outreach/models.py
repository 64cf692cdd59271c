"""Outreach: campaigns to audiences, scheduled and event-driven message rules, and the
records the rules read (project contacts, warranty components, handovers, activities,
outage notices). Delivery is messaging's: everything here ends in ``notify``/``notify_many``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.models import TimeStamped, TransitionEvent


class ProjectContact(TimeStamped):
    """Who residents of a project call besides the 24-hour line: the assistant (管家).
    Outreach-owned so that places stays free of messaging concerns."""

    project = models.OneToOneField(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="outreach_contact",
        verbose_name=_("project"),
    )
    assistant_name = models.CharField(_("assistant (steward) name"), max_length=100, blank=True)
    assistant_phone = models.CharField(_("assistant (steward) phone"), max_length=30, blank=True)
    default_handover_date = models.DateField(
        _("default handover date"),
        null=True,
        blank=True,
        help_text=_("Used for warranty reminders of units without their own handover date."),
    )

    class Meta:
        verbose_name = _("project contact")
        verbose_name_plural = _("project contacts")

    def __str__(self) -> str:
        return f"{self.project_id}: {self.assistant_name}"


# --- campaigns -------------------------------------------------------------------------------


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class CampaignCategory(models.TextChoices):
    """The two message categories a campaign may use (values of ``MessageCategory``)."""

    SERVICE = "service", _("Service notice")
    MARKETING = "marketing", _("Marketing and activities")


class Campaign(TimeStamped):
    """One message to an audience. ``audience`` is the stored ``AudienceFilter`` (JSON);
    the audience is resolved when the campaign is sent, not when it is written."""

    company = models.ForeignKey(
        "places.Company",
        on_delete=models.CASCADE,
        related_name="campaigns",
        verbose_name=_("company"),
    )
    projects = models.ManyToManyField(
        "places.Project", related_name="campaigns", verbose_name=_("projects")
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=CampaignCategory.choices,
        default=CampaignCategory.SERVICE,
    )
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    # The last statistics read from messaging (``notification_stats``), kept for lists.
    stats = models.JSONField(_("delivery statistics"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="campaign_company_recent"),
            models.Index(fields=["state", "scheduled_at"], name="campaign_state_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source(self) -> str:
        return f"campaign:{self.pk}"


class CampaignEvent(TransitionEvent):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="events", verbose_name=_("campaign")
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")
        ordering = ["campaign_id", "at", "id"]
        indexes = [models.Index(fields=["campaign", "at"], name="campaign_event_at")]

    def __str__(self) -> str:
        return f"{self.code} @ {self.at.isoformat()}"


# --- rules -----------------------------------------------------------------------------------


class RuleKind(models.TextChoices):
    WELCOME = "welcome", _("Welcome after move-in")
    HOLIDAY = "holiday", _("Holiday and festival greetings")
    BIRTHDAY = "birthday", _("Birthday greetings")
    WARRANTY = "warranty", _("Warranty expiry reminder")


#: Parameters each rule kind understands, with their defaults.
RULE_DEFAULTS: dict[str, dict[str, object]] = {
    RuleKind.WELCOME: {"within_days": 7},
    RuleKind.HOLIDAY: {"days_before": 0, "skip": ["qixi"]},
    RuleKind.BIRTHDAY: {},
    RuleKind.WARRANTY: {"days_before": 30},
}


class MessageRule(TimeStamped):
    """A standing instruction: send event ``kind`` when it is due. ``project`` empty = every
    project of the company without a rule of its own for that kind."""

    company = models.ForeignKey(
        "places.Company",
        on_delete=models.CASCADE,
        related_name="message_rules",
        verbose_name=_("company"),
    )
    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="message_rules",
        verbose_name=_("project"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    enabled = models.BooleanField(_("enabled"), default=False)
    send_time = models.TimeField(
        _("send time"), default=dt.time(9, 0), help_text=_("Local time of the project.")
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    # Held by the sweep that is running this rule, so that two sweeps at once cannot both
    # send; expires by itself if that sweep dies.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("message rule")
        verbose_name_plural = _("message rules")
        ordering = ["company_id", "project_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "project", "kind"],
                condition=Q(project__isnull=False),
                name="message_rule_once_per_project",
            ),
            models.UniqueConstraint(
                fields=["company", "kind"],
                condition=Q(project__isnull=True),
                name="message_rule_once_per_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.company_id}/{self.project_id or '*'})"

    @property
    def source(self) -> str:
        return f"rule:{self.pk}"

    def param(self, name: str) -> object:
        return self.parameters.get(name, RULE_DEFAULTS.get(self.kind, {}).get(name))

    def int_param(self, name: str) -> int:
        value = self.param(name)
        return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0


# --- warranty --------------------------------------------------------------------------------


class WarrantyComponent(TimeStamped):
    """A part of the building with a statutory minimum warranty (Construction Quality
    Regulation art. 40). ``years``: for heating/cooling it counts heating or cooling
    seasons, taken as years for the reminder."""

    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="warranty_components",
        verbose_name=_("project"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    years = models.PositiveSmallIntegerField(
        _("warranty years"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("warranty component")
        verbose_name_plural = _("warranty components")
        ordering = ["project_id", "years", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"], name="warranty_component_code_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.years})"


class UnitHandover(TimeStamped):
    """When a unit was handed over to its owner; warranties run from this date."""

    unit = models.OneToOneField(
        "places.Unit", on_delete=models.CASCADE, related_name="handover", verbose_name=_("unit")
    )
    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="unit_handovers",
        verbose_name=_("project"),
    )
    handover_date = models.DateField(_("handover date"))

    class Meta:
        verbose_name = _("unit handover")
        verbose_name_plural = _("unit handovers")
        ordering = ["project_id", "handover_date", "unit_id"]
        indexes = [
            models.Index(fields=["project", "handover_date"], name="unit_handover_project_date")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.handover_date}"


# --- activities and outages ------------------------------------------------------------------


class Activity(TimeStamped):
    """A community activity (社区活动). Publishing invites the occupants whose interests
    match one of ``tags`` (all occupants when ``tags`` is empty)."""

    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    tags = models.JSONField(_("interest tags"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    invite_sent_at = models.DateTimeField(_("invitations sent at"), null=True, blank=True)
    invited = models.PositiveIntegerField(_("invited"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["project", "-starts_at"], name="activity_project_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def source(self) -> str:
        return f"activity:{self.pk}"


class OutageKind(models.TextChoices):
    WATER = "water", _("Water supply")
    POWER = "power", _("Power supply")
    GAS = "gas", _("Gas supply")
    LIFT = "lift", _("Lift")
    WORKS = "works", _("Works")


class OutageNotice(TimeStamped):
    """A planned interruption or works (停水停电通知, 施工公告). Issuing notifies the current
    occupants of the affected buildings (all buildings when none is chosen)."""

    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="outage_notices",
        verbose_name=_("project"),
    )
    buildings = models.ManyToManyField(
        "places.Building", blank=True, related_name="outage_notices", verbose_name=_("buildings")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutageKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.TextField(_("reason"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    notified = models.PositiveIntegerField(_("notified"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("outage notice")
        verbose_name_plural = _("outage notices")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["project", "-starts_at"], name="outage_project_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="outage_window_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d}"

    @property
    def source(self) -> str:
        return f"outage:{self.pk}"
