"""The national working calendar's overrides: statutory days off and make-up working days.

``chinese-calendar`` supplies the State Council's holiday arrangements for the years it
covers; a ``Holiday`` row wins over the package for its date, and is the only source for
years the package does not know yet.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from wuye.core.models import TimeStamped


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off (holiday)")
    WORKDAY = "workday", _("Make-up working day")


class Holiday(TimeStamped):
    """One national calendar day that is not what its weekday suggests. Edited only through
    ``wuye.workcal.services`` so that the in-process calendar cache is refreshed."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("For example 春节 or 国庆节."))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("public holiday or make-up day")
        verbose_name_plural = _("public holidays and make-up days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"
