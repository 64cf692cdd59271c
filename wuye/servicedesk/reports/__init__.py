"""Service-desk reports: scoped, read-only aggregate queries returning plain dataclasses.

Every report takes a :class:`ReportFilter` built by :func:`report_filter` from the user's
scope (projects where they hold ``Capability.VIEW`` — district supervisors included), a
period and optionally a ticket kind. Each figure is one SQL aggregate (``GROUP BY`` /
conditional ``COUNT``/``SUM`` with ``EXISTS`` sub-queries), so a report costs a fixed number of
queries whatever the number of tickets; no ticket is loaded into Python except the rows of
the overdue list, which is a list and is paged. The definitions below are also shown on the
report page and in ``docs/servicedesk/reports.md``.

Period: ``date_from``..``date_to`` (both inclusive) are local dates of each project's time
zone; a ticket "finished in the period" has ``completed_at`` in it, or — complaints closed
without a completion time — ``closed_at`` (cancelled tickets never count as finished).

- **SLA attainment** (per clock kind): clocks *stopped* in the period, not voided
  (cancelled tickets): met / breached / % met; plus clocks still running that are overdue
  *now* (breached, or past due and not paused). Met/breached is the clock's own verdict, so
  working-time clocks are judged in working time.
- **Same-day completion**: the completion clocks with the "same day" rule (minor repairs)
  of repairs, stopped in the period: % met; plus those running and overdue now.
- **Return visits and satisfaction** (per project, against its ``DeskSettings`` targets —
  85 % satisfaction / 100 % return visits when a project has no settings row): repairs and
  complaints finished in the period; *visited* = with a return visit that reached the
  customer (satisfied / not satisfied, at any time); satisfaction = satisfied / visited;
  average rating of the reaching visit (the outcome and rating the visit services store on
  the ticket). A ticket counts once however many attempts it took.
- **Rework**: tickets finished in the period (repairs, home repairs, special services,
  complaints) that are not themselves rework tickets (``reopened_from`` empty); *reworked*
  when a rework ticket was opened from it (not cancelled), OR another ticket (any kind, not
  cancelled) was registered for the same unit and category within the project's
  ``rework_window_days`` after it was finished. Each original counts at most once — one row
  per original, both rules OR-ed — however often it was reopened. Rework tickets are not
  originals (the same job again); a new ticket for the same unit + category is a new report
  and is an original of its own. Figures of the last ``rework_window_days`` are provisional.
- **Complaints**: closure time = registered → finished (calendar hours; average and
  median) of complaints finished in the period; complaints registered in the period by
  category; the monthly analysis of the month holding ``date_to`` against the month before,
  per category, with an early warning when a category's count reaches
  ``complaint_rise_min_count`` and rose by more than ``complaint_rise_threshold`` % (from
  zero: any count reaching the minimum).
- **Hot spots**: top categories of the tickets registered in the period; repeat locations
  with at least two tickets registered in the period: the same unit; for tickets without a
  unit, the same building and place; for tickets without either, the same place.
- **Technicians** (assignees of repairs, home repairs and special services): tickets finished
  in the period; on-time = their arrival and completion clocks met / stopped (not voided);
  rework = of those originals, the reworked (rule above); average rating of the reaching
  return visits; fee income = ``fee_total`` of their paid tickets with ``paid_at`` in
  the period (``Decimal``).
- **Overdue list** (for the weekly meeting): one row per late clock — clocks running and
  overdue now, and clocks that stopped breached during the period; late by = (stop, or now)
  − due, in wall-clock time, latest first.
"""

from wuye.servicedesk.reports.complaints import (
    CategoryCount,
    ClosureTime,
    ComplaintReport,
    HotspotReport,
    LocationScope,
    MonthlyCategory,
    RepeatLocation,
    closure_time,
    complaint_report,
    hotspot_report,
    no_category_name,
)
from wuye.servicedesk.reports.filters import (
    MAX_DAYS,
    ON_TIME_CLOCKS,
    OVERDUE_PAGE,
    PERIOD_LABELS,
    REACHED,
    REPAIR_KINDS,
    REPEAT_LOCATIONS,
    REWORK_KINDS,
    TECHNICIAN_KINDS,
    TOP_CATEGORIES,
    VISIT_KINDS,
    Period,
    ReportFilter,
    percent,
    period_dates,
    report_filter,
    report_projects,
)
from wuye.servicedesk.reports.people import (
    OverdueReport,
    OverdueRow,
    TechnicianRow,
    overdue_clocks,
    overdue_report,
    overdue_rows,
    technician_report,
)
from wuye.servicedesk.reports.quality import (
    ReworkReport,
    VisitFigures,
    VisitReport,
    VisitRow,
    rework_report,
    visit_report,
)
from wuye.servicedesk.reports.sections import BUILDERS, DEFINITIONS, SECTION_LABELS, Section
from wuye.servicedesk.reports.sla import Attainment, SlaReport, SlaRow, same_day_report, sla_report

__all__ = [
    # the filter and its periods
    "MAX_DAYS",
    "ON_TIME_CLOCKS",
    "OVERDUE_PAGE",
    "PERIOD_LABELS",
    "REACHED",
    "REPAIR_KINDS",
    "REPEAT_LOCATIONS",
    "REWORK_KINDS",
    "TECHNICIAN_KINDS",
    "TOP_CATEGORIES",
    "VISIT_KINDS",
    "Period",
    "ReportFilter",
    "percent",
    "period_dates",
    "report_filter",
    "report_projects",
    # sections
    "BUILDERS",
    "DEFINITIONS",
    "SECTION_LABELS",
    "Section",
    # 1-2. SLA attainment, same-day completion
    "Attainment",
    "SlaReport",
    "SlaRow",
    "same_day_report",
    "sla_report",
    # 3-4. return visits, rework
    "ReworkReport",
    "VisitFigures",
    "VisitReport",
    "VisitRow",
    "rework_report",
    "visit_report",
    # 5-6. complaints, hot spots
    "CategoryCount",
    "ClosureTime",
    "ComplaintReport",
    "HotspotReport",
    "LocationScope",
    "MonthlyCategory",
    "RepeatLocation",
    "closure_time",
    "complaint_report",
    "hotspot_report",
    "no_category_name",
    # 7-8. technicians, overdue list
    "OverdueReport",
    "OverdueRow",
    "TechnicianRow",
    "overdue_clocks",
    "overdue_report",
    "overdue_rows",
    "technician_report",
]
