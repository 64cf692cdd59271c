"""SLA attainment and same-day completion."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from wuye.servicedesk import sla
from wuye.servicedesk.models import ClockKindChoices
from wuye.servicedesk.reports.filters import REPAIR_KINDS, ReportFilter, _running_overdue, percent

# --- 1. SLA attainment ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Attainment:
    met: int = 0
    breached: int = 0
    overdue_now: int = 0

    @property
    def stopped(self) -> int:
        return self.met + self.breached

    @property
    def rate(self) -> Decimal | None:
        return percent(self.met, self.stopped)


@dataclass(frozen=True, kw_only=True)
class SlaRow(Attainment):
    kind: str

    @property
    def label(self) -> str:
        return str(ClockKindChoices(self.kind).label)


@dataclass(frozen=True, kw_only=True)
class SlaReport:
    rows: list[SlaRow]
    total: Attainment


def _attainment(f: ReportFilter) -> tuple[Q, dict[str, Count]]:
    """Which clocks an attainment figure reads, and its three counts."""
    stopped = Q(voided=False) & f.in_period("stopped_at", project="ticket__project_id")
    running = _running_overdue(f.now)
    return stopped | running, {
        "n_met": Count("pk", filter=stopped & Q(state=sla.ClockState.MET)),
        "n_breached": Count("pk", filter=stopped & Q(state=sla.ClockState.BREACHED)),
        "n_overdue": Count("pk", filter=running),
    }


def sla_report(f: ReportFilter) -> SlaReport:
    """Per clock kind (every kind, in lifecycle order): met / breached among the clocks
    stopped in the period, and the clocks overdue now. One query."""
    base, counts = _attainment(f)
    found: dict[str, Any] = {
        row["kind"]: row
        for row in f.clocks().filter(base).values("kind").order_by("kind").annotate(**counts)
    }
    rows = []
    for kind in sla.ClockKind:
        row = found.get(kind.value, {})
        rows.append(
            SlaRow(
                kind=kind.value,
                met=row.get("n_met", 0),
                breached=row.get("n_breached", 0),
                overdue_now=row.get("n_overdue", 0),
            )
        )
    total = Attainment(
        met=sum(r.met for r in rows),
        breached=sum(r.breached for r in rows),
        overdue_now=sum(r.overdue_now for r in rows),
    )
    return SlaReport(rows=rows, total=total)


# --- 2. same-day completion -------------------------------------------------------------------


def same_day_report(f: ReportFilter) -> Attainment:
    """Completion clocks with the same-day rule (minor repairs) of repairs: met / breached
    among those stopped in the period, and those overdue now. One query."""
    base, counts = _attainment(f)
    clocks = f.clocks(REPAIR_KINDS).filter(base, kind=sla.ClockKind.COMPLETION, same_day=True)
    row = clocks.aggregate(**counts)
    return Attainment(
        met=row["n_met"] or 0, breached=row["n_breached"] or 0, overdue_now=row["n_overdue"] or 0
    )
