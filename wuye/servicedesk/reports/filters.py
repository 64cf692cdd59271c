"""The report filter (scope, period, kind), the preset periods, and the constants,
number helpers and query expressions the reports share.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, scope_for, visible_projects
from wuye.core.errors import DomainError
from wuye.places.models import Project
from wuye.servicedesk import sla
from wuye.servicedesk.models import (
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
