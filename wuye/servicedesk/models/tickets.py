"""Tickets: the ticket, its events, pauses and SLA clocks, and their choices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.masking import mask_phone
from wuye.core.models import TimeStamped, TransitionEvent
from wuye.servicedesk import sla

if TYPE_CHECKING:
    from wuye.servicedesk.models.policy import SlaClockRule


class Category(TimeStamped):
    """A ticket category of one project (water, electricity, doors and locks, lifts, …)."""

    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="ticket_categories",
        verbose_name=_("project"),
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["project_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"], name="ticket_category_code_unique_per_project"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TicketKind(models.TextChoices):
    REPAIR_PUBLIC = "repair_public", _("Repair (public area)")
    REPAIR_UNIT = "repair_unit", _("Repair (in unit)")
    COMPLAINT = "complaint", _("Complaint")
    INQUIRY = "inquiry", _("Inquiry")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    SPECIAL_SERVICE = "special_service", _("Special service")
    HOME_REPAIR = "home_repair", _("Home repair (paid)")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    APPOINTMENT = "appointment", _("By appointment")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Counter")
    PORTAL = "portal", _("Resident portal")
    APP = "app", _("App")
    API = "api", _("API")
    INSPECTION = "inspection", _("Inspection finding")


class TicketState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    ARRIVED = "arrived", _("Arrived")
    IN_PROGRESS = "in_progress", _("In progress")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    RETURN_VISITED = "return_visited", _("Return visited")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    # complaints
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    HANDLING = "handling", _("Handling")
    RESULT_REPORTED = "result_reported", _("Result reported")


class Family(models.TextChoices):
    """Which transition table a kind follows."""

    WORK = "work", _("Work order")
    COMPLAINT = "complaint", _("Complaint")


class ReturnVisitOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")
    UNREACHABLE = "unreachable", _("Unreachable")
    RETRY = "retry", _("Call again")


class FeeState(models.TextChoices):
    NONE = "", _("No fee")
    PROPOSED = "proposed", _("Fee proposed")
    CONFIRMED = "confirmed", _("Fee confirmed by the customer")
    DECLINED = "declined", _("Fee declined by the customer")
    PAID = "paid", _("Paid")


class Ticket(models.Model):
    project = models.ForeignKey(
        "places.Project",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("project"),
    )
    number = models.CharField(_("number"), max_length=30, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("category"),
    )
    urgency = models.CharField(
        _("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL
    )
    unit = models.ForeignKey(
        "places.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("unit"),
    )
    building = models.ForeignKey(
        "places.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("building"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE
    )
    reporter = models.ForeignKey(
        "places.Occupant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("reporter"),
    )
    reporter_name = models.CharField(_("reporter name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    # last four digits, indexed with the project: the desk finds a caller's tickets by tail.
    reporter_phone_tail = models.CharField(max_length=4, blank=True, editable=False)
    description = models.TextField(_("description"))
    state = models.CharField(
        _("state"), max_length=20, choices=TicketState.choices, default=TicketState.REGISTERED
    )
    # The state a paused ticket returns to on resume.
    resume_state = models.CharField(
        _("state before pause"), max_length=20, choices=TicketState.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    team = models.ForeignKey(
        "Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("team"),
    )
    # Paid services (home repair, special service): the technician proposes a fee from the
    # price list, the customer confirms before work starts, the desk records the payment.
    fee_state = models.CharField(
        _("fee state"), max_length=20, choices=FeeState.choices, default=FeeState.NONE
    )
    fee_total = models.DecimalField(
        _("fee"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    fee_confirmed_at = models.DateTimeField(_("fee confirmed at"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=30, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    reopened_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rework_tickets",
        verbose_name=_("reopened from"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    return_visit_outcome = models.CharField(
        _("return visit outcome"), max_length=20, choices=ReturnVisitOutcome.choices, blank=True
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="ticket_number_unique_per_project"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ticket_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="ticket_project_created"),
            models.Index(fields=["project", "state"], name="ticket_project_state"),
            models.Index(fields=["assignee", "state"], name="ticket_assignee_state"),
            models.Index(fields=["project", "reporter_phone_tail"], name="ticket_phone_tail"),
            # rework ("same unit + category within N days") and repeat locations
            models.Index(fields=["unit", "category", "created_at"], name="ticket_unit_category"),
            # reports: tickets completed in a period
            models.Index(fields=["project", "completed_at"], name="ticket_project_completed"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def family(self) -> Family:
        return Family.COMPLAINT if self.kind == TicketKind.COMPLAINT else Family.WORK

    @property
    def masked_reporter_phone(self) -> str:
        return mask_phone(self.reporter_phone)


class TicketSequence(models.Model):
    """The last number handed out per project and local day; its row lock serialises numbering."""

    project = models.ForeignKey("places.Project", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "day"], name="ticket_sequence_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.day}:{self.last}"


class TicketEvent(TransitionEvent):
    """One row per transition (and per notable change): who, when, from → to, note."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["ticket_id", "at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket_at")]

    def __str__(self) -> str:
        return f"{self.code} @ {self.at.isoformat()}"


class PauseReasonChoices(models.TextChoices):
    """Labels for ``sla.PauseReason`` (same values)."""

    WAITING_CUSTOMER = sla.PauseReason.WAITING_CUSTOMER.value, _("Waiting for the customer")
    WAITING_PARTS = sla.PauseReason.WAITING_PARTS.value, _("Waiting for parts")
    APPOINTMENT = sla.PauseReason.APPOINTMENT.value, _("Appointment")


class ClockKindChoices(models.TextChoices):
    """Labels for ``sla.ClockKind`` (same values)."""

    RESPONSE = sla.ClockKind.RESPONSE.value, _("Response")
    ARRIVAL = sla.ClockKind.ARRIVAL.value, _("Arrival")
    COMPLETION = sla.ClockKind.COMPLETION.value, _("Completion")
    SPECIAL_REPLY = sla.ClockKind.SPECIAL_REPLY.value, _("Special-service reply")
    COMPLAINT_FIRST_FEEDBACK = (
        sla.ClockKind.COMPLAINT_FIRST_FEEDBACK.value,
        _("Complaint first feedback"),
    )
    COMPLAINT_FINAL_REPLY = sla.ClockKind.COMPLAINT_FINAL_REPLY.value, _("Complaint final reply")
    RETURN_VISIT = sla.ClockKind.RETURN_VISIT.value, _("Return visit")


class ClockStateChoices(models.TextChoices):
    """Labels for ``sla.ClockState`` (same values)."""

    RUNNING = sla.ClockState.RUNNING.value, _("Running")
    PAUSED = sla.ClockState.PAUSED.value, _("Paused")
    MET = sla.ClockState.MET.value, _("Met")
    BREACHED = sla.ClockState.BREACHED.value, _("Breached")


class TimeBasisChoices(models.TextChoices):
    CALENDAR = sla.TimeBasis.CALENDAR.value, _("Calendar time")
    WORKING = sla.TimeBasis.WORKING.value, _("Working time")


def rule_of(row: TicketClock | SlaClockRule) -> sla.ClockRule:
    """The :class:`sla.ClockRule` stored in a clock's snapshot or a policy's rule row (both
    keep the same columns)."""
    return sla.ClockRule(
        kind=sla.ClockKind(row.kind),
        basis=sla.TimeBasis(row.basis),
        duration=row.duration,
        same_day=row.same_day,
        cutoff=row.cutoff,
        pauses_on=frozenset(sla.PauseReason(r) for r in row.pauses_on),
        warn_before=row.warn_before,
    )


class TicketPause(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("ticket")
    )
    reason = models.CharField(_("reason"), max_length=30, choices=PauseReasonChoices.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket pause")
        verbose_name_plural = _("ticket pauses")
        ordering = ["ticket_id", "started_at", "id"]
        constraints = [
            # At most one open pause per ticket.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ended_at__isnull=True), name="ticket_one_open_pause"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.started_at.isoformat()}"

    def as_pause(self) -> sla.Pause:
        return sla.Pause(sla.PauseReason(self.reason), self.started_at, self.ended_at)


class TicketClock(models.Model):
    """One SLA clock of a ticket: a snapshot of its rule, start/stop and cached status.

    ``due_at``/``warn_at``/``state``/``breached_at`` are recomputed by the services on every
    start, pause, resume and stop (the escalation sweep reads them). ``voided`` marks a clock
    stopped because the ticket was cancelled: it is kept for the record and left out of SLA
    attainment.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ClockKindChoices.choices)
    basis = models.CharField(
        _("time basis"),
        max_length=10,
        choices=TimeBasisChoices.choices,
    )
    duration = models.DurationField(_("duration"), null=True, blank=True)
    same_day = models.BooleanField(_("same day"), default=False)
    cutoff = models.TimeField(_("cut-off"), null=True, blank=True)
    pauses_on = models.JSONField(_("paused by"), default=list, blank=True)
    warn_before = models.DurationField(_("warn before"), default=dt.timedelta(0))
    started_at = models.DateTimeField(_("started at"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    voided = models.BooleanField(_("voided"), default=False)
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warn at"))
    state = models.CharField(_("state"), max_length=10, choices=ClockStateChoices.choices)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket clock")
        verbose_name_plural = _("ticket clocks")
        ordering = ["ticket_id", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="ticket_clock_one_per_kind")
        ]
        indexes = [
            models.Index(
                fields=["warn_at"], condition=Q(stopped_at__isnull=True), name="ticket_clock_open"
            ),
            # reports: clocks stopped in a period
            models.Index(fields=["stopped_at"], name="ticket_clock_stopped"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.state}"

    @property
    def rule(self) -> sla.ClockRule:
        return rule_of(self)

    def set_rule(self, rule: sla.ClockRule) -> None:
        self.kind = rule.kind.value
        self.basis = rule.basis.value
        self.duration = rule.duration
        self.same_day = rule.same_day
        self.cutoff = rule.cutoff
        self.pauses_on = sorted(r.value for r in rule.pauses_on)
        self.warn_before = rule.warn_before
