from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScheduledRun(models.Model):
    """One row per (schedule entry, slot) that the scheduler has enqueued.

    The unique constraint is what makes periodic work exactly-once across any number of
    scheduler processes: the first process to insert the row enqueues the task in the same
    transaction; every other one hits the constraint and skips the slot.
    """

    name = models.CharField(_("name"), max_length=100)
    slot_start = models.DateTimeField(_("slot start"))
    enqueued_at = models.DateTimeField(_("enqueued at"))
    task_result_id = models.CharField(_("task result id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-slot_start", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "slot_start"], name="scheduled_run_once_per_slot"
            )
        ]
        indexes = [models.Index(fields=["slot_start"], name="scheduled_run_slot")]

    def __str__(self) -> str:
        return f"{self.name}@{self.slot_start.isoformat()}"


class TransitionEvent(models.Model):
    """Base of the event rows every workflow writes (CONVENTIONS §3): who, when, a dotted
    code and a note. Subclasses add the FK to their record and their own from → to fields."""

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    code = models.CharField(_("code"), max_length=100)  # dotted, e.g. servicedesk.ticket.arrived
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
