"""Return visits and satisfaction; rework."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from wuye.servicedesk.models import ReturnVisitOutcome
from wuye.servicedesk.reports.filters import (
    _FEN,
    _REACHED,
    REWORK_KINDS,
    VISIT_KINDS,
    ReportFilter,
    _reopened,
    _repeated,
    percent,
)

# --- 3. return visits and satisfaction --------------------------------------------------------


def _at_least(value: Decimal | None, target: Decimal | None) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target


@dataclass(frozen=True, kw_only=True)
class VisitFigures:
    finished: int = 0
    visited: int = 0
    satisfied: int = 0
    rated: int = 0
    rating_sum: int = 0
    visit_target: Decimal | None = None
    satisfaction_target: Decimal | None = None

    @property
    def visit_rate(self) -> Decimal | None:
        return percent(self.visited, self.finished)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.visited)

    @property
    def average_rating(self) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(self.rating_sum) / Decimal(self.rated)).quantize(_FEN, ROUND_HALF_UP)

    @property
    def visit_on_target(self) -> bool | None:
        return _at_least(self.visit_rate, self.visit_target)

    @property
    def satisfaction_on_target(self) -> bool | None:
        return _at_least(self.satisfaction_rate, self.satisfaction_target)


@dataclass(frozen=True, kw_only=True)
class VisitRow(VisitFigures):
    project_id: int
    project_name: str


@dataclass(frozen=True, kw_only=True)
class VisitReport:
    rows: list[VisitRow]
    total: VisitFigures


def _common(values: Iterable[Decimal]) -> Decimal | None:
    """The one value all projects share, else ``None`` (no single target for the total)."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def visit_report(f: ReportFilter) -> VisitReport:
    """Per project (all of the filter's, by name) and in total: repairs and complaints
    finished in the period, how many had a return visit that reached the customer, how many
    of those were satisfied, the average rating; against each project's targets. Two
    queries (figures, settings)."""
    desk = f.desk_settings()
    found: dict[int, Any] = {
        row["project_id"]: row
        for row in f.tickets(VISIT_KINDS)
        .filter(f.finished())
        .values("project_id")
        .order_by("project_id")
        .annotate(
            n=Count("pk"),
            n_visited=Count("pk", filter=_REACHED),
            n_satisfied=Count("pk", filter=Q(return_visit_outcome=ReturnVisitOutcome.SATISFIED)),
            n_rated=Count("rating", filter=_REACHED),
            rating_total=Sum("rating", filter=_REACHED),
        )
    }
    rows = []
    for project in f.projects:
        row = found.get(project.pk, {})
        rows.append(
            VisitRow(
                project_id=project.pk,
                project_name=project.name,
                finished=row.get("n", 0),
                visited=row.get("n_visited", 0),
                satisfied=row.get("n_satisfied", 0),
                rated=row.get("n_rated", 0),
                rating_sum=row.get("rating_total") or 0,
                visit_target=desk[project.pk].return_visit_target,
                satisfaction_target=desk[project.pk].satisfaction_target,
            )
        )
    total = VisitFigures(
        finished=sum(r.finished for r in rows),
        visited=sum(r.visited for r in rows),
        satisfied=sum(r.satisfied for r in rows),
        rated=sum(r.rated for r in rows),
        rating_sum=sum(r.rating_sum for r in rows),
        visit_target=_common(d.return_visit_target for d in desk.values()),
        satisfaction_target=_common(d.satisfaction_target for d in desk.values()),
    )
    return VisitReport(rows=rows, total=total)


# --- 4. rework --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReworkReport:
    finished: int = 0
    reworked: int = 0
    reopened: int = 0
    repeated: int = 0
    window_days: tuple[int, ...] = ()

    @property
    def rate(self) -> Decimal | None:
        return percent(self.reworked, self.finished)


def _reworked(f: ReportFilter) -> Q:
    return Q(_reopened()) | _repeated(f)


def rework_report(f: ReportFilter) -> ReworkReport:
    """Original tickets finished in the period and how many of them were reworked (each
    once: reopened, or the same unit + category again within the window). Two queries
    (settings, figures)."""
    row = (
        f.tickets(REWORK_KINDS)
        .filter(f.finished(), reopened_from__isnull=True)
        .aggregate(
            n=Count("pk"),
            n_reworked=Count("pk", filter=_reworked(f)),
            n_reopened=Count("pk", filter=Q(_reopened())),
            n_repeated=Count("pk", filter=_repeated(f)),
        )
    )
    windows = sorted({d.rework_window_days for d in f.desk_settings().values()})
    return ReworkReport(
        finished=row["n"] or 0,
        reworked=row["n_reworked"] or 0,
        reopened=row["n_reopened"] or 0,
        repeated=row["n_repeated"] or 0,
        window_days=tuple(windows),
    )
