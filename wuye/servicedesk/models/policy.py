"""Per-project policy: desk settings, SLA policies and their clock rules, teams, escalations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wuye.core.models import TimeStamped
from wuye.servicedesk import sla
from wuye.servicedesk.models.tickets import (
    Category,
    ClockKindChoices,
    Ticket,
    TicketClock,
    TicketKind,
    TimeBasisChoices,
    Urgency,
    rule_of,
)

# --- per-project policy ----------------------------------------------------------------------


class DeskSettings(models.Model):
    """The service-desk policy numbers of one project that are not clock rules.

    Created with defaults on first use (:func:`wuye.servicedesk.policies.desk_settings`);
    an administrator edits them in the Django admin.
    """

    project = models.OneToOneField(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="desk_settings",
        verbose_name=_("project"),
    )
    reopen_within_days = models.PositiveSmallIntegerField(
        _("reopen within (days)"),
        default=30,
        help_text=_("A finished ticket may be reopened as rework within this many days."),
    )
    rework_window_days = models.PositiveSmallIntegerField(
        _("rework window (days)"),
        default=30,
        help_text=_(
            "A new ticket for the same unit and category within this many days counts as rework."
        ),
    )
    satisfaction_target = models.DecimalField(
        _("satisfaction target (%)"), max_digits=5, decimal_places=2, default=Decimal("85.00")
    )
    return_visit_target = models.DecimalField(
        _("return-visit target (%)"), max_digits=5, decimal_places=2, default=Decimal("100.00")
    )
    complaint_rise_threshold = models.DecimalField(
        _("complaint early warning: rise (%)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("50.00"),
        help_text=_(
            "Warn when a category's complaints rise by more than this against the previous month."
        ),
    )
    complaint_rise_min_count = models.PositiveSmallIntegerField(
        _("complaint early warning: minimum count"), default=3
    )
    fee_tolerance = models.DecimalField(
        _("fee tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        help_text=_("Fees deviating from the price list by more than this are reported."),
    )
    second_level_after = models.DurationField(
        _("second-level escalation after breach"), default=dt.timedelta(hours=2)
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service-desk settings")
        verbose_name_plural = _("service-desk settings")

    def __str__(self) -> str:
        return str(self.project)


class SlaPolicy(TimeStamped):
    """Which clocks a ticket runs, chosen by kind × category × urgency within a project.

    The most specific active policy wins: kind must match; a policy with a category beats
    one without, then one with an urgency beats one without. A project with no policy rows
    at all runs the shipped defaults (:data:`wuye.servicedesk.sla.DEFAULT_RULES`). A policy
    with no clock rules means "no clocks" for the tickets it matches.
    """

    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="sla_policies",
        verbose_name=_("project"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("ticket kind"), max_length=20, choices=TicketKind.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("category"),
        help_text=_("Empty: every category."),
    )
    urgency = models.CharField(
        _("urgency"),
        max_length=20,
        choices=Urgency.choices,
        blank=True,
        help_text=_("Empty: every urgency."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["project_id", "kind", "name"]
        indexes = [models.Index(fields=["project", "kind"], name="sla_policy_project_kind")]

    def __str__(self) -> str:
        return self.name


class SlaClockRule(models.Model):
    """One clock of a policy (the stored form of :class:`wuye.servicedesk.sla.ClockRule`)."""

    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.CASCADE, related_name="rules", verbose_name=_("policy")
    )
    kind = models.CharField(_("clock"), max_length=30, choices=ClockKindChoices.choices)
    basis = models.CharField(
        _("time basis"),
        max_length=10,
        choices=TimeBasisChoices.choices,
        default=TimeBasisChoices.WORKING,
    )
    duration = models.DurationField(
        _("duration"), null=True, blank=True, help_text=_("Empty for a same-day clock.")
    )
    same_day = models.BooleanField(_("same day"), default=False)
    cutoff = models.TimeField(
        _("evening cut-off"),
        null=True,
        blank=True,
        help_text=_("Same-day clocks: reported later than this, due the next working day."),
    )
    pauses_on = models.JSONField(_("paused by"), default=list, blank=True)
    warn_before = models.DurationField(_("warn before"), default=dt.timedelta(0))

    class Meta:
        verbose_name = _("SLA clock rule")
        verbose_name_plural = _("SLA clock rules")
        ordering = ["policy_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="sla_rule_one_per_clock")
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_kind_display()}"

    def as_rule(self) -> sla.ClockRule:
        return rule_of(self)


# --- dispatch --------------------------------------------------------------------------------


class Team(TimeStamped):
    """A maintenance (or cleaning, security…) team of a project.

    ``categories`` are its skills and ``buildings`` its zone (none: the whole project); the
    dispatch suggestion prefers members of teams matching a ticket's category and building.
    A ticket dispatched to a team without a person sits in that team's grab pool.
    """

    project = models.ForeignKey(
        "places.Project", on_delete=models.CASCADE, related_name="teams", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("leader"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="teams", verbose_name=_("skills (categories)")
    )
    buildings = models.ManyToManyField(
        "places.Building", blank=True, related_name="teams", verbose_name=_("zone (buildings)")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["project_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="team_name_unique_per_project")
        ]

    def __str__(self) -> str:
        return self.name


# --- escalation ------------------------------------------------------------------------------


class EscalationLevel(models.TextChoices):
    WARN = "warn", _("Due soon (assignee warned)")
    BREACH = "breach", _("Breached (supervisor notified)")
    SECOND = "second", _("Second level (project manager notified)")


class TicketEscalation(models.Model):
    """One notification level reached by one clock. The unique constraint is what makes the
    sweep send each level once, even when two sweeps run at the same moment."""

    clock = models.ForeignKey(
        TicketClock, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("clock")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("ticket")
    )
    level = models.CharField(_("level"), max_length=10, choices=EscalationLevel.choices)
    at = models.DateTimeField(_("at"))
    recipients = models.JSONField(_("recipients"), default=list, blank=True)

    class Meta:
        verbose_name = _("ticket escalation")
        verbose_name_plural = _("ticket escalations")
        ordering = ["ticket_id", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "level"], name="ticket_escalation_once")
        ]

    def __str__(self) -> str:
        return f"{self.clock_id}/{self.level}"
