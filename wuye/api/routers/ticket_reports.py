"""Service-desk reports as JSON: ``GET /reports/servicedesk/<report>`` (see docs/api.md and
docs/servicedesk/reports.md).

The same figures as the console's report page, from :mod:`wuye.servicedesk.reports`: every
endpoint takes the same filters (``project``, ``period`` or ``date_from``/``date_to``,
``kind``), covers only projects where the caller holds ``view`` (a project outside their
scope is 404; without any project the figures are empty) and echoes the filter it applied.
Rates, targets, hours and money are decimal strings (``"66.7"``, ``"120.50"``), ``null``
where there is nothing to divide by.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from wuye.api.auth import ApiRequest
from wuye.api.schemas import ErrorOut, Out
from wuye.servicedesk import reports as r
from wuye.servicedesk.models import ClockKindChoices, TicketKind, TicketState

router = Router(tags=["reports"])

ERRORS = {frozenset({401, 404, 422}): ErrorOut}
PREFIX = "/reports/servicedesk"


class ReportParams(Schema):
    project: int | None = Field(None, description="One project; default: all of yours.")
    period: Literal["this_month", "last_month", "this_week", "last_week"] | None = Field(
        None,
        description="A preset around today in the project's time zone (default this_month); "
        "ignored when date_from and date_to are given.",
    )
    date_from: dt.date | None = Field(None, description="First local date of the period.")
    date_to: dt.date | None = Field(None, description="Last local date of the period.")
    kind: TicketKind | None = Field(None, description="Only tickets of this kind.")


class OverdueParams(ReportParams):
    limit: int = Field(r.OVERDUE_PAGE, ge=1, le=1000, description="Rows to return.")


# --- responses -------------------------------------------------------------------------------


class ProjectRef(Out):
    id: int
    name: str


class FilterOut(Out):
    projects: list[ProjectRef]
    date_from: dt.date
    date_to: dt.date
    period: str
    kind: TicketKind | None


class AttainmentOut(Out):
    met: int
    breached: int
    rate: Decimal | None = Field(description="Met of stopped clocks, per cent.")
    overdue_now: int


class SlaRowOut(AttainmentOut):
    kind: ClockKindChoices
    label: str


class SlaOut(Out):
    filter: FilterOut
    rows: list[SlaRowOut]
    total: AttainmentOut


class SameDayOut(AttainmentOut):
    filter: FilterOut


class VisitFiguresOut(Out):
    finished: int
    visited: int
    satisfied: int
    visit_rate: Decimal | None
    visit_target: Decimal | None
    visit_on_target: bool | None
    satisfaction_rate: Decimal | None
    satisfaction_target: Decimal | None
    satisfaction_on_target: bool | None
    average_rating: Decimal | None


class VisitRowOut(VisitFiguresOut):
    project_id: int
    project_name: str


class VisitsOut(Out):
    filter: FilterOut
    rows: list[VisitRowOut]
    total: VisitFiguresOut


class ReworkOut(Out):
    filter: FilterOut
    finished: int
    reworked: int
    reopened: int
    repeated: int = Field(description="Same unit and category again within the window.")
    rate: Decimal | None
    window_days: list[int]


class ClosureOut(Out):
    count: int
    average_hours: Decimal | None
    median_hours: Decimal | None


class CategoryCountOut(Out):
    name: str
    count: int
    complaints: int


class MonthlyCategoryOut(Out):
    project_id: int
    project_name: str
    category_id: int | None
    name: str
    previous_month: int
    this_month: int
    change: Decimal | None = Field(description="Per cent; null when the previous month had none.")
    threshold: Decimal
    min_count: int
    warning: bool


class ComplaintsOut(Out):
    filter: FilterOut
    closure: ClosureOut
    by_category: list[CategoryCountOut]
    month: dt.date
    previous_month: dt.date
    monthly: list[MonthlyCategoryOut]


class RepeatLocationOut(Out):
    project_name: str
    scope: Literal["unit", "building", "place"]
    location: str
    count: int


class HotspotsOut(Out):
    filter: FilterOut
    top_categories: list[CategoryCountOut]
    repeat_locations: list[RepeatLocationOut]


class TechnicianOut(Out):
    user_id: int
    name: str
    finished: int
    clocks_met: int
    clocks_stopped: int
    on_time_rate: Decimal | None
    reworked: int
    average_rating: Decimal | None
    fee_income: Decimal


class TechniciansOut(Out):
    filter: FilterOut
    rows: list[TechnicianOut]


class OverdueRowOut(Out):
    ticket_id: int
    number: str
    project_name: str
    kind: TicketKind
    category: str
    location: str
    assignee: str
    state: TicketState
    clock_kind: ClockKindChoices
    due_at: dt.datetime
    stopped_at: dt.datetime | None
    late_hours: Decimal


class OverdueOut(Out):
    filter: FilterOut
    rows: list[OverdueRowOut]
    total: int


# --- endpoints -------------------------------------------------------------------------------


def _filter(request: ApiRequest, params: ReportParams) -> r.ReportFilter:
    return r.report_filter(
        user=request.auth,
        project_id=params.project,
        period=params.period or "",
        date_from=params.date_from,
        date_to=params.date_to,
        kind=params.kind or "",
    )


def _echo(f: r.ReportFilter) -> dict[str, Any]:
    return {
        "projects": [{"id": p.pk, "name": p.name} for p in f.projects],
        "date_from": f.date_from,
        "date_to": f.date_to,
        "period": f.period,
        "kind": f.kind or None,
    }


@router.get(f"{PREFIX}/sla", response={200: SlaOut, **ERRORS})
def report_sla(request: ApiRequest, params: Query[ReportParams]) -> Any:
    f = _filter(request, params)
    report = r.sla_report(f)
    return {"filter": _echo(f), "rows": report.rows, "total": report.total}


@router.get(f"{PREFIX}/same-day", response={200: SameDayOut, **ERRORS})
def report_same_day(request: ApiRequest, params: Query[ReportParams]) -> Any:
    f = _filter(request, params)
    x = r.same_day_report(f)
    return {
        "filter": _echo(f),
        "met": x.met,
        "breached": x.breached,
        "rate": x.rate,
        "overdue_now": x.overdue_now,
    }


@router.get(f"{PREFIX}/return-visits", response={200: VisitsOut, **ERRORS})
def report_return_visits(request: ApiRequest, params: Query[ReportParams]) -> Any:
    f = _filter(request, params)
    report = r.visit_report(f)
    return {"filter": _echo(f), "rows": report.rows, "total": report.total}


@router.get(f"{PREFIX}/rework", response={200: ReworkOut, **ERRORS})
def report_rework(request: ApiRequest, params: Query[ReportParams]) -> Any:
    f = _filter(request, params)
    x = r.rework_report(f)
    return {
        "filter": _echo(f),
        "finished": x.finished,
        "reworked": x.reworked,
        "reopened": x.reopened,
        "repeated": x.repeated,
        "rate": x.rate,
        "window_days": list(x.window_days),
    }


@router.get(f"{PREFIX}/complaints", response={200: ComplaintsOut, **ERRORS})
def report_complaints(request: ApiRequest, params: Query[ReportParams]) -> Any:
    f = _filter(request, params)
    x = r.complaint_report(f)
    return {
        "filter": _echo(f),
        "closure": x.closure,
        "by_category": x.by_category,
        "month": x.month,
        "previous_month": x.previous_month,
        "monthly": x.monthly,
    }


@router.get(f"{PREFIX}/hotspots", response={200: HotspotsOut, **ERRORS})
def report_hotspots(request: ApiRequest, params: Query[ReportParams]) -> Any:
    f = _filter(request, params)
    x = r.hotspot_report(f)
    return {
        "filter": _echo(f),
        "top_categories": x.top_categories,
        "repeat_locations": x.repeat_locations,
    }


@router.get(f"{PREFIX}/technicians", response={200: TechniciansOut, **ERRORS})
def report_technicians(request: ApiRequest, params: Query[ReportParams]) -> Any:
    f = _filter(request, params)
    return {"filter": _echo(f), "rows": r.technician_report(f)}


@router.get(f"{PREFIX}/overdue", response={200: OverdueOut, **ERRORS})
def report_overdue(request: ApiRequest, params: Query[OverdueParams]) -> Any:
    f = _filter(request, params)
    x = r.overdue_report(f, limit=params.limit)
    return {"filter": _echo(f), "rows": x.rows, "total": x.total}
