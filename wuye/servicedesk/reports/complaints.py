"""Complaints (closure time, categories, monthly analysis) and hot spots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from wuye.servicedesk.models import Ticket, TicketState
from wuye.servicedesk.reports.filters import (
    _HUNDRED,
    REPEAT_LOCATIONS,
    TOP_CATEGORIES,
    K,
    ReportFilter,
    _finished_at,
    _hours,
    _month_start,
    percent,
)

# --- 5. complaints ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ClosureTime:
    count: int = 0
    average_hours: Decimal | None = None
    median_hours: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class CategoryCount:
    name: str
    count: int
    complaints: int = 0


@dataclass(frozen=True, kw_only=True)
class MonthlyCategory:
    project_id: int
    project_name: str
    category_id: int | None
    name: str
    this_month: int
    previous_month: int
    threshold: Decimal
    min_count: int

    @property
    def change(self) -> Decimal | None:
        """Rise against the previous month in per cent (``None`` from zero)."""
        if not self.previous_month:
            return None
        return percent(self.this_month - self.previous_month, self.previous_month)

    @property
    def warning(self) -> bool:
        """Reached the minimum count and rose by more than the threshold (from zero: any
        count reaching the minimum)."""
        if self.this_month < self.min_count:
            return False
        if not self.previous_month:
            return True
        rise = Decimal(self.this_month - self.previous_month) * _HUNDRED
        return rise > self.threshold * Decimal(self.previous_month)


@dataclass(frozen=True, kw_only=True)
class ComplaintReport:
    closure: ClosureTime
    by_category: list[CategoryCount]
    month: dt.date
    previous_month: dt.date
    monthly: list[MonthlyCategory]

    @property
    def warnings(self) -> list[MonthlyCategory]:
        return [m for m in self.monthly if m.warning]


def no_category_name() -> str:
    return str(_("(no category)"))


def closure_time(f: ReportFilter) -> ClosureTime:
    """Registered → finished of complaints finished in the period, in calendar hours:
    average (SQL) and median (the middle row(s) of the sorted durations). Two queries."""
    done = (
        f.tickets([K.COMPLAINT])
        .filter(f.finished())
        .annotate(
            took=ExpressionWrapper(_finished_at() - F("created_at"), output_field=DurationField())
        )
    )
    row = done.aggregate(n=Count("pk"), average=Avg("took"))
    n = row["n"] or 0
    if not n:
        return ClosureTime()
    middle = list(
        done.order_by("took", "pk").values_list("took", flat=True)[(n - 1) // 2 : n // 2 + 1]
    )
    median = sum(middle, dt.timedelta()) / len(middle)
    average = row["average"]
    if not isinstance(average, dt.timedelta):  # some backends answer microseconds
        average = dt.timedelta(microseconds=float(average))
    return ClosureTime(count=n, average_hours=_hours(average), median_hours=_hours(median))


def complaint_report(f: ReportFilter) -> ComplaintReport:
    """Closure time, complaints of the period by category, and the monthly analysis with
    its early warnings. Five queries (closure ×2, by category, settings, monthly)."""
    complaints = f.tickets([K.COMPLAINT])
    by_category = [
        CategoryCount(
            name=row["category__name"] or no_category_name(), count=row["n"], complaints=row["n"]
        )
        for row in complaints.filter(f.in_period("created_at"))
        .values("category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")
    ]
    month = f.month
    previous = _month_start(month, 1)
    following = _month_start(month, -1)
    this_q = f.between("created_at", month, following)
    previous_q = f.between("created_at", previous, month)
    desk = f.desk_settings()
    monthly = [
        MonthlyCategory(
            project_id=row["project_id"],
            project_name=row["project__name"],
            category_id=row["category_id"],
            name=row["category__name"] or no_category_name(),
            this_month=row["n_this"],
            previous_month=row["n_previous"],
            threshold=desk[row["project_id"]].complaint_rise_threshold,
            min_count=desk[row["project_id"]].complaint_rise_min_count,
        )
        for row in complaints.filter(this_q | previous_q)
        .values("project_id", "project__name", "category_id", "category__name")
        .annotate(n_this=Count("pk", filter=this_q), n_previous=Count("pk", filter=previous_q))
        .order_by("project__name", "category__name", "category_id")
    ]
    monthly.sort(key=lambda m: (not m.warning, -m.this_month, m.project_name, m.name))
    return ComplaintReport(
        closure=closure_time(f),
        by_category=by_category,
        month=month,
        previous_month=previous,
        monthly=monthly,
    )


# --- 6. hot spots -----------------------------------------------------------------------------


class LocationScope(StrEnum):
    UNIT = "unit"
    BUILDING = "building"
    PLACE = "place"


@dataclass(frozen=True, kw_only=True)
class RepeatLocation:
    project_name: str
    scope: str
    location: str
    count: int


@dataclass(frozen=True, kw_only=True)
class HotspotReport:
    top_categories: list[CategoryCount]
    repeat_locations: list[RepeatLocation]


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def hotspot_report(f: ReportFilter) -> HotspotReport:
    """Top categories and repeat locations of the tickets registered in the period (not
    cancelled: registered by mistake). Four queries (categories; units, buildings, places)."""
    registered = f.tickets().filter(f.in_period("created_at")).exclude(state=TicketState.CANCELLED)
    top = [
        CategoryCount(
            name=row["category__name"] or no_category_name(),
            count=row["n"],
            complaints=row["n_complaints"],
        )
        for row in registered.values("category__name")
        .annotate(n=Count("pk"), n_complaints=Count("pk", filter=Q(kind=K.COMPLAINT)))
        .order_by("-n", "category__name")[:TOP_CATEGORIES]
    ]

    def repeated(qs: QuerySet[Ticket], *names: str) -> Iterator[dict[str, Any]]:
        yield from (
            qs.values("project__name", *names)
            .annotate(n=Count("pk"))
            .filter(n__gte=2)
            .order_by("-n", *names)[:REPEAT_LOCATIONS]
        )

    locations = [
        RepeatLocation(
            project_name=row["project__name"],
            scope=LocationScope.UNIT,
            location=_join(row["building__name"], row["unit__number"]),
            count=row["n"],
        )
        for row in repeated(
            registered.filter(unit__isnull=False), "unit_id", "building__name", "unit__number"
        )
    ]
    locations += [
        RepeatLocation(
            project_name=row["project__name"],
            scope=LocationScope.BUILDING,
            location=_join(row["building__name"], row["place"]),
            count=row["n"],
        )
        for row in repeated(
            registered.filter(unit__isnull=True, building__isnull=False),
            "building_id",
            "building__name",
            "place",
        )
    ]
    locations += [
        RepeatLocation(
            project_name=row["project__name"],
            scope=LocationScope.PLACE,
            location=row["place"],
            count=row["n"],
        )
        for row in repeated(
            registered.filter(unit__isnull=True, building__isnull=True).exclude(place=""),
            "project_id",
            "place",
        )
    ]
    locations.sort(key=lambda loc: (-loc.count, loc.project_name, loc.location))
    return HotspotReport(top_categories=top, repeat_locations=locations[:REPEAT_LOCATIONS])
