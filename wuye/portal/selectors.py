"""Reads for the resident portal. Units start from the signed-in user's occupancies
(``wuye.accounts.access``), so a resident can only ever see their own units; tickets from
the service desk's scoped selectors, narrowed to those the user reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from wuye.accounts.access import access_resident_unit, resident_occupancies
from wuye.accounts.models import User
from wuye.places.models import Occupancy, Occupant, Project, Unit
from wuye.servicedesk.models import (
    AttachmentKind,
    Category,
    DeskSettings,
    PriceItem,
    ReturnVisit,
    ReturnVisitMethod,
    Ticket,
    TicketAttachment,
    TicketCharge,
    TicketClock,
    TicketEvent,
    TicketPause,
)
from wuye.servicedesk.selectors import OPEN_STATES, access_ticket, ticket_list
from wuye.servicedesk.services import REOPEN_WITHIN


@dataclass
class ResidentUnit:
    """One unit as its resident sees it: their own relation(s) and the other occupants."""

    unit: Unit
    mine: list[Occupancy] = field(default_factory=list)
    others: list[Occupancy] = field(default_factory=list)

    @property
    def since(self) -> Any:
        dates = [o.start_date for o in self.mine if o.start_date]
        return min(dates) if dates else None


def _current_occupancies() -> Prefetch:
    return Prefetch(
        "unit__occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("occupant")
        .order_by("relation", "id"),
        to_attr="current_occupancies",
    )


def _split(unit: Unit, current: list[Occupancy], user: Any) -> ResidentUnit:
    entry = ResidentUnit(unit=unit)
    for occupancy in current:
        if occupancy.occupant.user_id == user.pk:
            entry.mine.append(occupancy)
        else:
            entry.others.append(occupancy)
    return entry


def resident_unit_list(*, user: Any) -> list[ResidentUnit]:
    """The user's current units (each once), with relations and co-occupants. Two queries."""
    occupancies = (
        resident_occupancies(user)
        .select_related("unit__building", "unit__project")
        .prefetch_related(_current_occupancies())
        .order_by("unit__project__name", "unit__building__name", "unit__number", "unit_id", "id")
    )
    units: dict[int, ResidentUnit] = {}
    for occupancy in occupancies:
        if occupancy.unit_id not in units:
            unit = occupancy.unit
            # Set by the Prefetch(to_attr=...) above, which the Django plugin cannot see.
            current: list[Occupancy] = unit.current_occupancies  # type: ignore[attr-defined]
            units[unit.pk] = _split(unit, current, user)
    return list(units.values())


def resident_unit_detail(*, user: Any, unit_id: Any) -> ResidentUnit:
    """One of the user's units; ``Http404`` for any other unit."""
    unit = access_resident_unit(user, unit_id)
    current = list(
        unit.occupancies.filter(end_date__isnull=True)
        .select_related("occupant")
        .order_by("relation", "id")
    )
    return _split(unit, current, user)


def resident_projects(*, user: Any) -> list[Project]:
    """Projects where the user currently lives or works, for service phone numbers."""
    ids = resident_occupancies(user).values("unit__project_id")
    return list(Project.objects.filter(id__in=ids).order_by("name"))


# --- service desk: my tickets ----------------------------------------------------------------


@dataclass
class ReportUnit:
    """A unit the resident may report for, and the occupant record that reports."""

    unit: Unit
    occupant: Occupant


def resident_report_units(*, user: Any) -> list[ReportUnit]:
    """The user's current units (each once), with the occupant record that files a report
    for it. One query."""
    occupancies = (
        resident_occupancies(user)
        .select_related("unit__building", "unit__project", "occupant")
        .order_by("unit__project__name", "unit__building__name", "unit__number", "unit_id", "id")
    )
    units: dict[int, ReportUnit] = {}
    for occupancy in occupancies:
        units.setdefault(occupancy.unit_id, ReportUnit(occupancy.unit, occupancy.occupant))
    return list(units.values())


def resident_categories(*, project_ids: Iterable[int]) -> list[Category]:
    """The ticket categories of these projects, by project and name."""
    return list(
        Category.objects.filter(project_id__in=list(project_ids))
        .select_related("project")
        .order_by("project__name", "project_id", "name")
    )


#: Tabs of "my tickets": still being handled, finished (completed, closed, cancelled), all.
TICKET_TABS = ("open", "done", "all")


def resident_ticket_list(
    *, user: Any, tab: str = "open", unit_id: int | None = None
) -> QuerySet[Ticket]:
    """Tickets the user reported (their occupant record is the reporter), newest first.

    Staff scope does not widen it: a resident who also works for the project sees here only
    what they reported. Project, category and unit are joined.
    """
    qs = ticket_list(user=user, mine_as_reporter=True, unit_id=unit_id)
    if tab == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif tab == "done":
        qs = qs.exclude(state__in=OPEN_STATES)
    return qs


def resident_open_ticket_count(*, user: Any) -> int:
    return ticket_list(user=user, mine_as_reporter=True, open_only=True).count()


def resident_ticket(*, user: Any, ticket_id: Any) -> Ticket:
    """One ticket the user reported; ``Http404`` for any other (also for tickets the user
    may see as staff: the portal shows a resident's own reports only)."""
    ticket = access_ticket(user, ticket_id)
    if ticket.reporter is None or ticket.reporter.user_id != user.pk:
        raise Http404
    return ticket


@dataclass
class TicketPage:
    """Everything the resident's ticket page shows, read in a fixed number of queries."""

    ticket: Ticket
    events: list[TicketEvent]
    clocks: list[TicketClock]
    photos: list[TicketAttachment]
    charges: list[TicketCharge]
    people: dict[int, str]
    rework: list[Ticket]
    open_pause: TicketPause | None
    portal_rating: ReturnVisit | None
    reopen_until: dt.datetime | None


def _reopen_days(ticket: Ticket) -> int:
    # The project's window when an administrator set one, else the shipped default. Read
    # only: the page never creates the settings row.
    days = (
        DeskSettings.objects.filter(project_id=ticket.project_id)
        .values_list("reopen_within_days", flat=True)
        .first()
    )
    return days if days is not None else REOPEN_WITHIN.days


def resident_ticket_page(*, user: Any, ticket_id: Any) -> TicketPage:
    ticket = resident_ticket(user=user, ticket_id=ticket_id)
    events = list(ticket.events.select_related("actor").order_by("at", "id"))
    ids: set[int] = {ticket.assignee_id} if ticket.assignee_id else set()
    for event in events:
        for key in ("assignee", "previous_assignee", "from", "to"):
            value = event.data.get(key) if isinstance(event.data, dict) else None
            if isinstance(value, dict):  # {"id": …, "name": …} of a reassignment
                value = value.get("id")
            if isinstance(value, int):
                ids.add(value)
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    finished = ticket.completed_at or ticket.closed_at
    reopen_until = finished + dt.timedelta(days=_reopen_days(ticket)) if finished else None
    return TicketPage(
        ticket=ticket,
        events=events,
        clocks=list(ticket.clocks.order_by("started_at", "id")),
        # the customer's signature is a record for the desk, not a photo to show
        photos=list(ticket.attachments.exclude(kind=AttachmentKind.SIGNATURE)),
        charges=list(ticket.charges.filter(chargeable=True).order_by("id")),
        people=people,
        rework=list(ticket.rework_tickets.order_by("created_at", "id")),
        open_pause=ticket.pauses.filter(ended_at__isnull=True).first(),
        portal_rating=ticket.return_visits.filter(method=ReturnVisitMethod.PORTAL)
        .order_by("-at", "-id")
        .first(),
        reopen_until=reopen_until,
    )


# --- published price lists -------------------------------------------------------------------


@dataclass
class ProjectPrices:
    project: Project
    items: list[PriceItem]


def resident_price_lists(*, user: Any) -> list[ProjectPrices]:
    """The published price list (paid home repairs, labour and materials) of every project
    the resident lives in; two queries."""
    projects = resident_projects(user=user)
    by_project: dict[int, list[PriceItem]] = {p.pk: [] for p in projects}
    items = (
        PriceItem.objects.filter(project_id__in=list(by_project), active=True)
        .select_related("category")
        .order_by("project_id", "category__name", "code", "id")
    )
    for item in items:
        by_project[item.project_id].append(item)
    return [ProjectPrices(project=p, items=by_project[p.pk]) for p in projects]
