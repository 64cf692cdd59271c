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

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, scope_for, visible_projects
from wuye.accounts.models import User
from wuye.core.errors import DomainError
from wuye.places.models import Project
from wuye.servicedesk import sla
from wuye.servicedesk.models import (
    ClockKindChoices,
    DeskSettings,
    ReturnVisitOutcome,
    Ticket,
    TicketClock,
    TicketKind,
    TicketState,
)

K = TicketKind
REPAIR_KINDS = (K.REPAIR_PUBLIC, K.REPAIR_UNIT, K.HOME_REPAIR)
VISIT_KINDS = (*REPAIR_KINDS, K.COMPLAINT)
REWORK_KINDS = (*REPAIR_KINDS, K.SPECIAL_SERVICE, K.COMPLAINT)
TECHNICIAN_KINDS = (*REPAIR_KINDS, K.SPECIAL_SERVICE)
ON_TIME_CLOCKS = (sla.ClockKind.ARRIVAL, sla.ClockKind.COMPLETION)
REACHED = (ReturnVisitOutcome.SATISFIED, ReturnVisitOutcome.NOT_SATISFIED)

TOP_CATEGORIES = 10
REPEAT_LOCATIONS = 20
OVERDUE_PAGE = 200
MAX_DAYS = 366 * 3

_HUNDRED = Decimal(100)
_ONE_PLACE = Decimal("0.1")
_FEN = Decimal("0.01")
_ZERO_MONEY = Decimal("0.00")


class Period(StrEnum):
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    CUSTOM = "custom"


PERIOD_LABELS = {
    Period.THIS_MONTH: _("This month"),
    Period.LAST_MONTH: _("Last month"),
    Period.THIS_WEEK: _("This week"),
    Period.LAST_WEEK: _("Last week"),
    Period.CUSTOM: _("Custom dates"),
}


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


def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` in per cent, one decimal, half up; ``None`` when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(_ONE_PLACE, ROUND_HALF_UP)


def _one_place(value: Decimal | float | int | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(_ONE_PLACE, ROUND_HALF_UP)


def _hours(value: dt.timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return _one_place(Decimal(value.total_seconds()) / Decimal(3600))


# --- the filter -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: projects in the user's scope, a period of local dates (both
    inclusive) and optionally one ticket kind. Built by :func:`report_filter`."""

    projects: tuple[Project, ...]
    date_from: dt.date
    date_to: dt.date
    kind: str = ""
    period: str = Period.CUSTOM
    now: dt.datetime = field(default_factory=timezone.now)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def project_ids(self) -> list[int]:
        return [p.pk for p in self.projects]

    @property
    def kind_label(self) -> str:
        return str(TicketKind(self.kind).label) if self.kind else ""

    @property
    def month(self) -> dt.date:
        """First day of the month of the monthly complaint analysis (``date_to``'s month)."""
        return self.date_to.replace(day=1)

    def limited_to(self, project_ids: Iterable[int]) -> ReportFilter:
        """The same filter over fewer projects (e.g. those the user may export)."""
        keep = set(project_ids)
        return replace(self, projects=tuple(p for p in self.projects if p.pk in keep))

    def zones(self) -> dict[str, list[int]]:
        """Project ids by time zone (one entry in practice: Asia/Shanghai)."""
        groups: dict[str, list[int]] = defaultdict(list)
        for project in self.projects:
            groups[project.time_zone or settings.TIME_ZONE].append(project.pk)
        return dict(groups)

    def between(self, name: str, start: dt.date, end: dt.date, *, project: str = "project_id") -> Q:
        """``start <= name < end`` (local dates of each project's zone) and the project in
        scope; ``project`` is the path to the project id (``ticket__project_id`` from a clock)."""
        condition = Q(pk__in=[])
        for zone, ids in self.zones().items():
            tz = ZoneInfo(zone)
            condition |= Q(
                **{
                    f"{project}__in": ids,
                    f"{name}__gte": dt.datetime.combine(start, dt.time(0), tzinfo=tz),
                    f"{name}__lt": dt.datetime.combine(end, dt.time(0), tzinfo=tz),
                }
            )
        return condition

    def in_period(self, name: str, *, project: str = "project_id") -> Q:
        return self.between(
            name, self.date_from, self.date_to + dt.timedelta(days=1), project=project
        )

    def finished(self, *, prefix: str = "") -> Q:
        """Tickets finished in the period: completed then, or (complaints closed without a
        completion time) closed then; never cancelled ones. ``prefix`` reaches the ticket
        from a related model (``ticket__``)."""
        project = f"{prefix}project_id"
        completed = self.in_period(f"{prefix}completed_at", project=project)
        closed = self.in_period(f"{prefix}closed_at", project=project) & Q(
            **{f"{prefix}completed_at__isnull": True}
        )
        return (completed | closed) & ~Q(**{f"{prefix}state": TicketState.CANCELLED})

    def tickets(self, kinds: Sequence[str] | None = None) -> QuerySet[Ticket]:
        """Tickets of the filter's projects, of its kind (within ``kinds`` when given)."""
        return Ticket.objects.filter(self.kind_q(kinds), project_id__in=self.project_ids)

    def clocks(self, kinds: Sequence[str] | None = None) -> QuerySet[TicketClock]:
        return TicketClock.objects.filter(
            self.kind_q(kinds, prefix="ticket__"), ticket__project_id__in=self.project_ids
        )

    def kind_q(self, kinds: Sequence[str] | None, *, prefix: str = "") -> Q:
        name = f"{prefix}kind"
        if self.kind:
            if kinds is not None and self.kind not in kinds:
                return Q(pk__in=[])
            return Q(**{name: self.kind})
        if kinds is not None:
            return Q(**{f"{name}__in": list(kinds)})
        return Q()

    def desk_settings(self) -> dict[int, DeskSettings]:
        """Each project's ``DeskSettings`` (one query per filter); an unsaved instance with
        the model's defaults for projects without a row — a report does not create rows."""
        cached: dict[int, DeskSettings] | None = self._cache.get("settings")
        if cached is None:
            rows = {s.project_id: s for s in DeskSettings.objects.filter(project__in=self.projects)}
            cached = {
                pid: rows.get(pid) or DeskSettings(project_id=pid) for pid in self.project_ids
            }
            self._cache["settings"] = cached
        return cached


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    month = day.year * 12 + day.month - 1 - months_back
    return dt.date(month // 12, month % 12 + 1, 1)


def period_dates(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The local dates (both inclusive) of a preset period around ``today``."""
    if period == Period.THIS_MONTH:
        start = _month_start(today)
        return start, _month_start(today, -1) - dt.timedelta(days=1)
    if period == Period.LAST_MONTH:
        return _month_start(today, 1), _month_start(today) - dt.timedelta(days=1)
    monday = today - dt.timedelta(days=today.weekday())
    if period == Period.LAST_WEEK:
        monday -= dt.timedelta(days=7)
    if period in (Period.THIS_WEEK, Period.LAST_WEEK):
        return monday, monday + dt.timedelta(days=6)
    raise ValueError(period)


def report_projects(user: Any) -> list[Project]:
    """Projects the user may report on (``Capability.VIEW``), by name."""
    scope = scope_for(user)
    return [
        p
        for p in visible_projects(user).only("id", "name", "code", "time_zone").order_by("name")
        if scope.can(p.pk, Capability.VIEW)
    ]


def report_filter(
    *,
    user: Any,
    project_id: int | None = None,
    period: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str = "",
    now: dt.datetime | None = None,
    projects: Iterable[Project] | None = None,
) -> ReportFilter:
    """The filter of a report request.

    ``project_id``: one project (404 when not in the user's scope), else all of the user's
    projects. Dates: both given → that period; otherwise the ``period`` preset (default: this
    month) around today in the (first) project's time zone. ``projects`` may pass the
    user's already loaded projects (the console has them) to save a query; they are checked
    against the scope again.
    """
    now = now or timezone.now()
    scope = scope_for(user)
    if projects is None:
        chosen = report_projects(user)
    else:
        chosen = [p for p in projects if scope.can(p.pk, Capability.VIEW)]
    if project_id is not None:
        chosen = [p for p in chosen if p.pk == project_id]
        if not chosen:
            raise Http404
    if kind and kind not in TicketKind.values:
        raise DomainError(_("Choose a valid kind."), field="kind")
    if date_from is not None or date_to is not None:
        if date_from is None or date_to is None:
            field_name = "date_from" if date_from is None else "date_to"
            raise DomainError(_("Give both dates of the period."), field=field_name)
        if date_to < date_from:
            raise DomainError(_("The end date is before the start date."), field="date_to")
        if (date_to - date_from).days >= MAX_DAYS:
            raise DomainError(
                _("Choose a period of at most %(days)d days.") % {"days": MAX_DAYS},
                field="date_to",
            )
        chosen_period = Period.CUSTOM
    else:
        try:
            chosen_period = Period(period or Period.THIS_MONTH)
        except ValueError:
            raise DomainError(_("Choose a valid period."), field="period") from None
        if chosen_period == Period.CUSTOM:
            raise DomainError(_("Give both dates of the period."), field="date_from")
        zone = chosen[0].time_zone if chosen else settings.TIME_ZONE
        today = now.astimezone(ZoneInfo(zone or settings.TIME_ZONE)).date()
        date_from, date_to = period_dates(chosen_period, today)
    return ReportFilter(
        projects=tuple(chosen),
        date_from=date_from,
        date_to=date_to,
        kind=kind,
        period=chosen_period,
        now=now,
    )


# --- shared expressions -----------------------------------------------------------------------


#: A ticket whose return visit reached the customer. The visit services store the outcome and
#: rating of the (latest) reaching visit on the ticket with each ``ReturnVisit`` row, in the
#: same transaction; reading those columns spares a sub-query per ticket.
_REACHED = Q(return_visit_outcome__in=REACHED)


def _reopened() -> Exists:
    return Exists(
        Ticket.objects.filter(reopened_from=OuterRef("pk")).exclude(state=TicketState.CANCELLED)
    )


def _repeated(f: ReportFilter) -> Q:
    """Another ticket for the same unit and category registered within the project's rework
    window after the outer ticket finished (not its own rework tickets: those are
    :func:`_reopened`). One ``EXISTS`` per distinct window (one in practice)."""
    by_window: dict[int, list[int]] = defaultdict(list)
    for pid, desk in f.desk_settings().items():
        by_window[desk.rework_window_days].append(pid)
    condition = Q(pk__in=[])
    for days, ids in sorted(by_window.items()):
        finished_at = _finished_at(outer=True)
        limit = ExpressionWrapper(
            finished_at + Value(dt.timedelta(days=days)), output_field=DateTimeField()
        )
        later = (
            Ticket.objects.filter(
                unit_id=OuterRef("unit_id"),
                category_id=OuterRef("category_id"),
                created_at__gt=finished_at,
                created_at__lte=limit,
            )
            .exclude(state=TicketState.CANCELLED)
            .exclude(reopened_from=OuterRef("pk"))
        )
        condition |= Q(project_id__in=ids) & Q(Exists(later))
    return condition


def _finished_at(*, outer: bool = False) -> Coalesce:
    """When a ticket finished (completed, or closed for complaints without a completion
    time); ``outer``: of the outer query's ticket, inside a sub-query."""
    if outer:
        return Coalesce(
            OuterRef("completed_at"), OuterRef("closed_at"), output_field=DateTimeField()
        )
    return Coalesce("completed_at", "closed_at", output_field=DateTimeField())


def _running_overdue(now: dt.datetime) -> Q:
    """A clock still running that is overdue now: breached already (also while paused), or
    past its deadline and not paused (a paused clock's deadline moves)."""
    return Q(stopped_at__isnull=True) & (
        Q(state=sla.ClockState.BREACHED) | (Q(due_at__lt=now) & ~Q(state=sla.ClockState.PAUSED))
    )


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
