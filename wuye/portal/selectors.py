"""Reads for the resident portal. Everything starts from the signed-in user's occupancies
(``wuye.accounts.access``), so a resident can only ever see their own units."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from wuye.accounts.access import access_resident_unit, resident_occupancies
from wuye.places.models import Occupancy, Project, Unit


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
