"""Scoped reads for places and people. Views and API handlers list through these."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from wuye.accounts.access import (
    visible_buildings,
    visible_occupants,
    visible_projects,
    visible_units,
)
from wuye.core.phones import normalize_phone
from wuye.places.models import Building, Occupancy, Occupant, Project, Unit


def project_list(*, user: Any, q: str = "", kind: str = "") -> QuerySet[Project]:
    qs = visible_projects(user).select_related("company", "district")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("company__name", "name")


def building_list(*, user: Any, project_id: int | None = None, q: str = "") -> QuerySet[Building]:
    qs = visible_buildings(user).select_related("project")
    if project_id:
        qs = qs.filter(project_id=project_id)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("project_id", "name")


def _occupant_match(q: str) -> Q:
    """Match an occupant by the last four digits of a phone (indexed), a whole phone, or a name."""
    digits = normalize_phone(q)
    if digits.isdigit() and len(digits) == 4:
        return Q(mobile_tail=digits)
    if digits.isdigit() and len(digits) >= 7:
        return Q(mobile=digits)
    return Q(name__icontains=q)


def unit_list(
    *,
    user: Any,
    project_id: int | None = None,
    building_id: int | None = None,
    q: str = "",
    use: str = "",
) -> QuerySet[Unit]:
    """Units in scope. ``q`` matches the unit number, building name, or a current occupant's
    name / phone tail (4 digits) / full phone."""
    qs = visible_units(user)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if building_id:
        qs = qs.filter(building_id=building_id)
    if use:
        qs = qs.filter(use=use)
    q = q.strip()
    if q:
        occupants = visible_occupants(user).filter(_occupant_match(q))
        if project_id:
            occupants = occupants.filter(project_id=project_id)
        # An IN over a scoped, indexed occupant lookup beats a correlated EXISTS per unit.
        occupied = Occupancy.objects.filter(end_date__isnull=True, occupant__in=occupants).values(
            "unit_id"
        )
        qs = qs.filter(Q(number__icontains=q) | Q(building__name__icontains=q) | Q(pk__in=occupied))
    return qs.select_related("building", "project").order_by(
        "project_id", "building_id", "number", "id"
    )


def current_occupancies_prefetch() -> Prefetch:
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("occupant")
        .order_by("relation", "id"),
        to_attr="current_occupancies",
    )


def occupant_list(
    *, user: Any, project_id: int | None = None, q: str = "", kind: str = ""
) -> QuerySet[Occupant]:
    qs = visible_occupants(user)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if kind:
        qs = qs.filter(kind=kind)
    if q.strip():
        qs = qs.filter(_occupant_match(q.strip()))
    return qs.select_related("project").order_by("project_id", "name", "id")


def occupancy_history_for_occupant(*, occupant: Occupant) -> QuerySet[Occupancy]:
    return occupant.occupancies.select_related("unit", "unit__building").order_by(
        "-start_date", "-id"
    )


def occupancy_history_for_unit(*, unit: Unit) -> QuerySet[Occupancy]:
    # Current occupancies (no end date) first on every database: SQLite sorts NULL first,
    # PostgreSQL last.
    return unit.occupancies.select_related("occupant").order_by(
        F("end_date").asc(nulls_first=True), F("start_date").desc(nulls_last=True), "-id"
    )
