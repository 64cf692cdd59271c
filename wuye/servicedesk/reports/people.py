"""Technicians and the overdue list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from wuye.accounts.models import User
from wuye.servicedesk import sla
from wuye.servicedesk.models import ClockKindChoices, Ticket, TicketClock, TicketKind, TicketState
from wuye.servicedesk.reports.complaints import _join
from wuye.servicedesk.reports.filters import (
    _FEN,
    _REACHED,
    _ZERO_MONEY,
    ON_TIME_CLOCKS,
    OVERDUE_PAGE,
    TECHNICIAN_KINDS,
    ReportFilter,
    _hours,
    _running_overdue,
    percent,
)
from wuye.servicedesk.reports.quality import _reworked

# --- 7. technicians ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TechnicianRow:
    user_id: int
    name: str
    finished: int = 0
    clocks_stopped: int = 0
    clocks_met: int = 0
    reworked: int = 0
    rated: int = 0
    rating_sum: int = 0
    fee_income: Decimal = _ZERO_MONEY

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.clocks_met, self.clocks_stopped)

    @property
    def average_rating(self) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(self.rating_sum) / Decimal(self.rated)).quantize(_FEN, ROUND_HALF_UP)


def _money(value: Decimal | None) -> Decimal:
    return (value or _ZERO_MONEY).quantize(_FEN, ROUND_HALF_UP)


def technician_report(f: ReportFilter) -> list[TechnicianRow]:
    """Per assignee of repairs, home repairs and special services: tickets finished in the
    period, on-time clocks, rework, rating, fee income. Three queries (tickets, clocks,
    names) plus the settings; most finished first."""
    finished = f.finished()
    paid = Q(fee_state="paid") & f.in_period("paid_at")
    tickets: dict[int, Any] = {
        row["assignee_id"]: row
        for row in f.tickets(TECHNICIAN_KINDS)
        .filter(finished | paid, assignee__isnull=False)
        .values("assignee_id")
        .order_by("assignee_id")
        .annotate(
            n=Count("pk", filter=finished),
            n_reworked=Count("pk", filter=finished & Q(reopened_from__isnull=True) & _reworked(f)),
            n_rated=Count("rating", filter=finished & _REACHED),
            rating_total=Sum("rating", filter=finished & _REACHED),
            fee=Sum("fee_total", filter=paid),
        )
    }
    clocks: dict[int, Any] = {
        row["ticket__assignee_id"]: row
        for row in f.clocks(TECHNICIAN_KINDS)
        .filter(
            f.finished(prefix="ticket__"),
            kind__in=[k.value for k in ON_TIME_CLOCKS],
            voided=False,
            stopped_at__isnull=False,
            ticket__assignee__isnull=False,
        )
        .values("ticket__assignee_id")
        .order_by("ticket__assignee_id")
        .annotate(n=Count("pk"), n_met=Count("pk", filter=Q(state=sla.ClockState.MET)))
    }
    names = {
        user.pk: str(user)
        for user in User.objects.filter(pk__in=list(tickets)).only(
            "username", "display_name", "first_name", "last_name"
        )
    }
    rows = [
        TechnicianRow(
            user_id=uid,
            name=names.get(uid, ""),
            finished=row["n"],
            clocks_stopped=clocks.get(uid, {}).get("n", 0),
            clocks_met=clocks.get(uid, {}).get("n_met", 0),
            reworked=row["n_reworked"],
            rated=row["n_rated"],
            rating_sum=row["rating_total"] or 0,
            fee_income=_money(row["fee"]),
        )
        for uid, row in tickets.items()
    ]
    rows.sort(key=lambda r: (-r.finished, r.name, r.user_id))
    return rows


# --- 8. overdue list --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OverdueRow:
    ticket_id: int
    number: str
    project_name: str
    kind: str
    category: str
    location: str
    assignee: str
    state: str
    clock_kind: str
    due_at: dt.datetime
    stopped_at: dt.datetime | None
    late: dt.timedelta

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    @property
    def late_hours(self) -> Decimal:
        return _hours(self.late) or Decimal(0)

    @property
    def kind_label(self) -> str:
        return str(TicketKind(self.kind).label)

    @property
    def state_label(self) -> str:
        return str(TicketState(self.state).label)

    @property
    def clock_label(self) -> str:
        return str(ClockKindChoices(self.clock_kind).label)


@dataclass(frozen=True, kw_only=True)
class OverdueReport:
    rows: list[OverdueRow]
    total: int
    limit: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _location(ticket: Ticket) -> str:
    building = ticket.building.name if ticket.building else ""
    if ticket.unit is not None:
        return _join(building, ticket.unit.number)
    return _join(building, ticket.place)


_OVERDUE_FIELDS = (
    "kind",
    "due_at",
    "stopped_at",
    "ticket__number",
    "ticket__kind",
    "ticket__state",
    "ticket__place",
    "ticket__project__name",
    "ticket__category__name",
    "ticket__unit__number",
    "ticket__building__name",
    "ticket__assignee__username",
    "ticket__assignee__display_name",
    "ticket__assignee__first_name",
    "ticket__assignee__last_name",
)


def overdue_clocks(f: ReportFilter) -> QuerySet[TicketClock]:
    """Late clocks: running and overdue now, or stopped breached in the period; latest
    first, with their tickets (one query, however many rows are read)."""
    now = Value(f.now, output_field=DateTimeField())
    stopped_late = Q(voided=False, state=sla.ClockState.BREACHED) & f.in_period(
        "stopped_at", project="ticket__project_id"
    )
    return (
        f.clocks()
        .filter(_running_overdue(f.now) | stopped_late)
        .annotate(
            late=ExpressionWrapper(
                Coalesce("stopped_at", now) - F("due_at"), output_field=DurationField()
            )
        )
        .select_related(
            "ticket__project",
            "ticket__category",
            "ticket__unit",
            "ticket__building",
            "ticket__assignee",
        )
        .only(*_OVERDUE_FIELDS)
        .order_by("-late", "ticket__number", "id")
    )


def _overdue_row(clock: TicketClock) -> OverdueRow:
    ticket = clock.ticket
    late: dt.timedelta = clock.late  # type: ignore[attr-defined]
    return OverdueRow(
        ticket_id=ticket.pk,
        number=ticket.number,
        project_name=ticket.project.name,
        kind=ticket.kind,
        category=ticket.category.name if ticket.category else "",
        location=_location(ticket),
        assignee=str(ticket.assignee) if ticket.assignee else "",
        state=ticket.state,
        clock_kind=clock.kind,
        due_at=clock.due_at,
        stopped_at=clock.stopped_at,
        late=late,
    )


def overdue_report(f: ReportFilter, *, limit: int = OVERDUE_PAGE) -> OverdueReport:
    """The first ``limit`` late clocks and how many there are. Two queries."""
    clocks = overdue_clocks(f)
    total = clocks.count()
    rows = [_overdue_row(c) for c in clocks[:limit]] if total else []
    return OverdueReport(rows=rows, total=total, limit=limit)


def overdue_rows(f: ReportFilter, *, chunk_size: int = 2000) -> Iterator[OverdueRow]:
    """Every late clock, streamed in chunks (the Excel export)."""
    for clock in overdue_clocks(f).iterator(chunk_size=chunk_size):
        yield _overdue_row(clock)
