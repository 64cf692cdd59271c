"""The report's sections: labels, one-line definitions and the builder of each."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from wuye.servicedesk.reports.complaints import complaint_report, hotspot_report
from wuye.servicedesk.reports.filters import ReportFilter
from wuye.servicedesk.reports.people import overdue_report, technician_report
from wuye.servicedesk.reports.quality import rework_report, visit_report
from wuye.servicedesk.reports.sla import same_day_report, sla_report


class Section(StrEnum):
    """The report's sections: page anchors, export sheets (``section=``), API paths."""

    SLA = "sla"
    SAME_DAY = "same-day"
    VISITS = "return-visits"
    REWORK = "rework"
    COMPLAINTS = "complaints"
    HOTSPOTS = "hotspots"
    TECHNICIANS = "technicians"
    OVERDUE = "overdue"


SECTION_LABELS = {
    Section.SLA: _("SLA attainment"),
    Section.SAME_DAY: _("Same-day repairs"),
    Section.VISITS: _("Return visits and satisfaction"),
    Section.REWORK: _("Rework"),
    Section.COMPLAINTS: _("Complaints"),
    Section.HOTSPOTS: _("Hot spots"),
    Section.TECHNICIANS: _("Technicians"),
    Section.OVERDUE: _("Overdue tickets"),
}


#: How each section counts, in one sentence or two: shown on the page and in the workbook.
DEFINITIONS = {
    Section.SLA: _(
        "Clocks stopped in the period, cancelled tickets left out: met or breached by the "
        "clock's own rule (working-time clocks in working time). Overdue now: clocks still "
        "running past their deadline."
    ),
    Section.SAME_DAY: _(
        "Repairs whose completion clock is “the same day” (minor repairs), stopped in the "
        "period: done within the day, or by the end of the next working day when reported "
        "after the evening cut-off."
    ),
    Section.VISITS: _(
        "Repairs and complaints finished in the period. Visited: the return visit reached the "
        "customer (satisfied or not). Satisfaction: satisfied of visited. Targets from each "
        "project's service-desk settings."
    ),
    Section.REWORK: _(
        "Tickets finished in the period (rework tickets themselves excluded) that were "
        "reopened, or after which a new ticket for the same unit and category was registered "
        "within the rework window. Each ticket counts once. Recent weeks are provisional."
    ),
    Section.COMPLAINTS: _(
        "Closure time: registration to completion of complaints finished in the period, in "
        "calendar hours. Monthly analysis: complaints per category in the month of the "
        "period's end against the month before; early warning when a category rises by more "
        "than the threshold and reaches the minimum count."
    ),
    Section.HOTSPOTS: _(
        "Tickets registered in the period, cancelled ones left out. Repeat locations: two or "
        "more tickets for the same unit, the same building and place, or the same place."
    ),
    Section.TECHNICIANS: _(
        "Assignees of repairs and special services finished in the period. On time: arrival "
        "and completion clocks met. Rating: return visits that reached the customer. Fee "
        "income: fees paid in the period."
    ),
    Section.OVERDUE: _(
        "Clocks running past their deadline now, and clocks that stopped late during the "
        "period, latest first; late by in hours of wall-clock time."
    ),
}


#: Every report by section (the page, the workbook, the benchmark run them all).
BUILDERS: dict[Section, Callable[[ReportFilter], Any]] = {
    Section.SLA: sla_report,
    Section.SAME_DAY: same_day_report,
    Section.VISITS: visit_report,
    Section.REWORK: rework_report,
    Section.COMPLAINTS: complaint_report,
    Section.HOTSPOTS: hotspot_report,
    Section.TECHNICIANS: technician_report,
    Section.OVERDUE: overdue_report,
}
