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
