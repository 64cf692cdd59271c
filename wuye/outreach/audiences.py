"""Audiences: which occupants a campaign reaches (a selector, no writes).

An :class:`AudienceFilter` narrows the occupants of some projects by building, unit,
relation to the unit, interests, birthday month and current occupancy. The result is a
queryset of occupant ids with no ``DISTINCT``: every condition on occupancies is an
``EXISTS`` over the indexed ``occupant_id`` foreign key, so a count is one query whatever
the size (measured: see ``tests/test_audiences.py::test_count_is_one_query``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from wuye.accounts.access import Capability, scope_for
from wuye.core.masking import mask_phone
from wuye.places.models import Occupancy, Occupant, Relation

SAMPLE_SIZE = 10


@dataclass(frozen=True)
class AudienceFilter:
    """Empty lists mean "no restriction". ``interests``: any of the tags."""

    project_ids: tuple[int, ...] = ()
    building_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()
    relations: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    birthday_month: int | None = None
    current_only: bool = True

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AudienceFilter:
        data = data or {}

        def ints(name: str) -> tuple[int, ...]:
            return tuple(int(v) for v in data.get(name) or () if str(v).isdigit())

        def strs(name: str) -> tuple[str, ...]:
            return tuple(str(v).strip() for v in data.get(name) or () if str(v).strip())

        raw_month = str(data.get("birthday_month") or "")
        month = int(raw_month) if raw_month.isdigit() else None
        return cls(
            project_ids=ints("project_ids"),
            building_ids=ints("building_ids"),
            unit_ids=ints("unit_ids"),
            relations=tuple(r for r in strs("relations") if r in Relation.values),
            interests=strs("interests"),
            birthday_month=month if month is not None and 1 <= month <= 12 else None,
            current_only=bool(data.get("current_only", True)),
        )


@dataclass
class AudiencePreview:
    count: int
    sample: list[dict[str, Any]] = field(default_factory=list)


def interests_any(tags: Sequence[str], column: str = "interests") -> RawSQL:
    """``occupant.interests`` (a JSON list) contains at least one of ``tags``.

    JSON containment is not portable (``__contains`` on a JSONField is refused by SQLite),
    so this is one raw predicate per backend.
    """
    table = Occupant._meta.db_table
    placeholders = ", ".join(["%s"] * len(tags))
    if connection.vendor == "postgresql":
        sql = f'"{table}"."{column}" ?| ARRAY[{placeholders}]::text[]'
    else:
        sql = (
            f'EXISTS (SELECT 1 FROM json_each("{table}"."{column}") AS j '
            f"WHERE j.value IN ({placeholders}))"
        )
    return RawSQL(sql, tuple(tags), output_field=BooleanField())  # noqa: S611 - placeholders only


def outreach_project_ids(user: Any) -> frozenset[int]:
    """Projects where ``user`` may run outreach (``Capability.MANAGE_OUTREACH``)."""
    scope = scope_for(user)
    return frozenset(pid for pid in scope.project_ids if scope.can(pid, Capability.MANAGE_OUTREACH))


def audience_occupants(
    *, project_ids: Iterable[int], audience: AudienceFilter
) -> QuerySet[Occupant]:
    """Occupants of ``project_ids`` (the already-checked scope) that match ``audience``.
    ``audience.project_ids`` can only narrow the scope."""
    allowed = set(project_ids)
    if audience.project_ids:
        allowed &= set(audience.project_ids)
    qs = Occupant.objects.filter(project_id__in=sorted(allowed))
    if audience.birthday_month:
        qs = qs.filter(birthday__month=audience.birthday_month)
    if audience.interests:
        qs = qs.filter(interests_any(audience.interests))
    occupancy = Q()
    if audience.current_only:
        occupancy &= Q(end_date__isnull=True)
    if audience.unit_ids:
        occupancy &= Q(unit_id__in=audience.unit_ids)
    if audience.building_ids:
        occupancy &= Q(unit__building_id__in=audience.building_ids)
    if audience.relations:
        occupancy &= Q(relation__in=audience.relations)
    if occupancy:
        qs = qs.filter(Exists(Occupancy.objects.filter(occupancy, occupant_id=OuterRef("pk"))))
    return qs


def audience_ids(*, project_ids: Iterable[int], audience: AudienceFilter) -> QuerySet[Any]:
    """The matching occupant ids, ordered (stable batches for the fan-out)."""
    return (
        audience_occupants(project_ids=project_ids, audience=audience)
        .order_by("id")
        .values_list("id", flat=True)
    )


def audience_preview(user: Any, audience: AudienceFilter) -> AudiencePreview:
    """How many occupants ``audience`` reaches in the user's outreach scope, and the first
    :data:`SAMPLE_SIZE` of them with masked mobiles. Two queries."""
    qs = audience_occupants(project_ids=outreach_project_ids(user), audience=audience)
    count = qs.count()
    rows = qs.order_by("id").values("id", "name", "mobile", "project__name")[:SAMPLE_SIZE]
    sample = [
        {
            "id": row["id"],
            "name": row["name"],
            "mobile": mask_phone(row["mobile"]),
            "project": row["project__name"],
        }
        for row in rows
    ]
    return AudiencePreview(count=count, sample=sample)
