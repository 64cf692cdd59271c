"""Writing a validated import in bulk: upsert buildings, units, occupants and occupancies
by their natural keys, with one audit row per created or changed record.

The rules are those of ``wuye.places.services`` (same normalisation and derived fields via
``wuye.places.services``, same audit codes and masked change sets via ``wuye.audit.services``);
only the mechanics differ: existing keys are read into dicts once per entity and writes go
through ``bulk_create``/``bulk_update``, so 1,000 rows cost a handful of queries.

Blank optional cells leave stored values unchanged; nothing is deleted or ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from wuye.audit.models import AuditEvent
from wuye.audit.services import audit_event_build, created_changes, diff, snapshot
from wuye.dataio.parsing import OccupantData, OccupantKey, ParsedFile, UnitKey
from wuye.places.models import Building, Occupancy, Occupant, OccupantKind, Project, Unit
from wuye.places.services import occupant_derive_fields as derive_occupant_fields

BATCH = 1000
CHUNK = 900  # keys per IN (...) lookup: well below SQLite's parameter limit
_UNIT_TRACKED = ("floor", "use", "building_area")
_OCCUPANT_TRACKED = ("name", "kind", "mobile", "id_number", "birthday")
ENTITIES = ("buildings", "units", "occupants", "occupancies")


def _chunks(values: list[Any], size: int = CHUNK) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


@dataclass
class _Writer:
    actor: Any
    project: Project
    note: str
    now: dt.datetime
    events: list[AuditEvent] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            name: {"created": 0, "updated": 0, "unchanged": 0} for name in ENTITIES
        }
    )

    def event(self, action: str, instance: models.Model, changes: dict[str, Any]) -> None:
        # Unsaved for bulk_create; the project is always set (the import is one project's).
        self.events.append(
            audit_event_build(
                actor=self.actor,
                action=action,
                instance=instance,
                changes=changes,
                project=self.project,
                note=self.note,
                now=self.now,
            )
        )

    def created(self, entity: str, action: str, instances: list[Any]) -> None:
        for instance in instances:
            self.event(action, instance, created_changes(instance))
        self.counts[entity]["created"] += len(instances)

    def compared(
        self,
        entity: str,
        action: str,
        pairs: list[tuple[Any, dict[str, Any]]],
        tracked: tuple[str, ...],
    ) -> list[Any]:
        """Audit the instances whose tracked fields differ from ``before``; return them."""
        changed = []
        for instance, before in pairs:
            changes = diff(before, snapshot(instance, tracked))
            if changes:
                instance.updated_at = self.now  # bulk_update does not run auto_now
                changed.append(instance)
                self.event(action, instance, changes)
        self.counts[entity]["updated"] += len(changed)
        self.counts[entity]["unchanged"] += len(pairs) - len(changed)
        return changed

    # --- entities ----------------------------------------------------------------------------

    def buildings(self, names: list[str]) -> dict[str, Building]:
        by_name = {b.name: b for b in Building.objects.filter(project=self.project)}
        new = [Building(project=self.project, name=name) for name in names if name not in by_name]
        Building.objects.bulk_create(new, batch_size=BATCH)
        self.created("buildings", "places.building.created", new)
        self.counts["buildings"]["unchanged"] += len(names) - len(new)
        by_name.update((b.name, b) for b in new)
        return by_name

    def units(self, parsed: ParsedFile, buildings: dict[str, Building]) -> dict[UnitKey, Unit]:
        building_ids = sorted({buildings[name].pk for name in parsed.buildings})
        existing = {
            (u.building_id, u.number): u
            for ids in _chunks(building_ids)
            for u in Unit.objects.filter(project=self.project, building_id__in=ids)
        }
        result: dict[UnitKey, Unit] = {}
        new: list[Unit] = []
        pairs: list[tuple[Unit, dict[str, Any]]] = []
        for key, data in parsed.units.items():
            building = buildings[data.building]
            unit = existing.get((building.pk, data.number))
            if unit is None:
                unit = Unit(
                    project=self.project,
                    building=building,
                    number=data.number,
                    floor=data.floor,
                    use=data.use,
                    building_area=data.area,
                )
                new.append(unit)
            else:
                pairs.append((unit, snapshot(unit, _UNIT_TRACKED)))
                unit.use = data.use
                if data.floor is not None:
                    unit.floor = data.floor
                if data.area is not None:
                    unit.building_area = data.area
            result[key] = unit
        Unit.objects.bulk_create(new, batch_size=BATCH)
        self.created("units", "places.unit.created", new)
        changed = self.compared("units", "places.unit.updated", pairs, _UNIT_TRACKED)
        Unit.objects.bulk_update(changed, [*_UNIT_TRACKED, "updated_at"], batch_size=BATCH)
        return result

    def occupants(self, parsed: ParsedFile) -> dict[OccupantKey, Occupant]:
        by_index: dict[str, Occupant] = {}
        by_name_mobile: dict[tuple[str, str], Occupant] = {}
        without_id: dict[tuple[str, str], Occupant] = {}
        for candidate in self._candidates(parsed):
            if candidate.id_number_index:
                by_index.setdefault(candidate.id_number_index, candidate)
            else:
                without_id.setdefault((candidate.name, candidate.mobile), candidate)
            by_name_mobile.setdefault((candidate.name, candidate.mobile), candidate)

        result: dict[OccupantKey, Occupant] = {}
        new: list[Occupant] = []
        before: dict[int, tuple[Occupant, dict[str, Any]]] = {}
        # ID-keyed occupants first, so that a name+mobile row of the same file finds them the
        # way a re-import would.
        ordered = sorted(parsed.occupants.values(), key=lambda o: o.key[0] != "id")
        for data in ordered:
            occupant = self._match(data, by_index, by_name_mobile, without_id)
            if occupant is None:
                occupant = Occupant(
                    project=self.project,
                    name=data.name,
                    kind=data.kind or OccupantKind.PERSON,
                    mobile=data.mobile,
                    id_number=data.id_number,
                    birthday=data.birthday,
                )
                derive_occupant_fields(occupant)
                new.append(occupant)
            else:
                if occupant.pk and occupant.pk not in before:
                    before[occupant.pk] = (occupant, snapshot(occupant, _OCCUPANT_TRACKED))
                self._apply(occupant, data)
            if data.id_index:
                by_index[data.id_index] = occupant
            by_name_mobile.setdefault((occupant.name, occupant.mobile), occupant)
            result[data.key] = occupant
        Occupant.objects.bulk_create(new, batch_size=BATCH)
        self.created("occupants", "places.occupant.created", new)
        changed = self.compared(
            "occupants", "places.occupant.updated", list(before.values()), _OCCUPANT_TRACKED
        )
        Occupant.objects.bulk_update(
            changed,
            [*_OCCUPANT_TRACKED, "mobile_tail", "id_number_index", "updated_at"],
            batch_size=BATCH,
        )
        return result

    def _candidates(self, parsed: ParsedFile) -> list[Occupant]:
        """Stored occupants that may match a file occupant: same ID index or same name (the
        name+mobile key and the fallback for IDs both need the name), oldest first."""
        indexes = sorted({o.id_index for o in parsed.occupants.values() if o.id_index})
        names = sorted({o.name for o in parsed.occupants.values()})
        found: dict[int, Occupant] = {}
        project_occupants = Occupant.objects.filter(project=self.project)
        for chunk in _chunks(indexes):
            found.update((o.pk, o) for o in project_occupants.filter(id_number_index__in=chunk))
        for chunk in _chunks(names):
            found.update((o.pk, o) for o in project_occupants.filter(name__in=chunk))
        return [found[pk] for pk in sorted(found)]

    @staticmethod
    def _match(
        data: OccupantData,
        by_index: dict[str, Occupant],
        by_name_mobile: dict[tuple[str, str], Occupant],
        without_id: dict[tuple[str, str], Occupant],
    ) -> Occupant | None:
        if data.id_index:
            # An ID not on file yet may belong to someone first imported without one.
            return by_index.get(data.id_index) or without_id.pop((data.name, data.mobile), None)
        return by_name_mobile.get((data.name, data.mobile))

    @staticmethod
    def _apply(occupant: Occupant, data: OccupantData) -> None:
        if data.id_index:  # keyed by ID: the file's name and mobile are the current ones
            occupant.name = data.name
            if data.mobile:
                occupant.mobile = data.mobile
            if not occupant.id_number_index:
                occupant.id_number = data.id_number
        if data.kind:
            occupant.kind = data.kind
        if data.birthday:
            occupant.birthday = data.birthday
        derive_occupant_fields(occupant)

    def occupancies(
        self, parsed: ParsedFile, units: dict[UnitKey, Unit], occupants: dict[OccupantKey, Occupant]
    ) -> None:
        unit_ids = sorted(unit.pk for unit in units.values() if unit.pk)
        existing = {
            (o.occupant_id, o.unit_id, o.relation): o
            for ids in _chunks(unit_ids)
            for o in Occupancy.objects.filter(unit_id__in=ids, end_date__isnull=True)
        }
        today = timezone.localdate(self.now)
        new: list[Occupancy] = []
        pairs: list[tuple[Occupancy, dict[str, Any]]] = []
        for row in parsed.rows:
            if row.occupant is None or row.relation is None:
                continue
            occupant, unit = occupants[row.occupant], units[row.unit]
            occupancy = existing.get((occupant.pk, unit.pk, row.relation))
            if occupancy is None:
                new.append(
                    Occupancy(
                        occupant=occupant,
                        unit=unit,
                        relation=row.relation,
                        start_date=row.start_date or today,
                    )
                )
            else:
                pairs.append((occupancy, snapshot(occupancy, ("start_date",))))
                if row.start_date:
                    occupancy.start_date = row.start_date
        Occupancy.objects.bulk_create(new, batch_size=BATCH)
        self.created("occupancies", "places.occupancy.started", new)
        changed = self.compared("occupancies", "places.occupancy.updated", pairs, ("start_date",))
        Occupancy.objects.bulk_update(changed, ["start_date", "updated_at"], batch_size=BATCH)


def import_parsed_rows(
    *,
    actor: Any,
    project: Project,
    parsed: ParsedFile,
    note: str = "",
    now: dt.datetime | None = None,
) -> dict[str, dict[str, int]]:
    """Upsert a validated file into ``project``; return counts per entity
    (``{"units": {"created": 3, "updated": 0, "unchanged": 1}, ...}``).

    Precondition: ``parsed.ok`` and the caller holds an open transaction (the writes must
    commit or roll back together).
    """
    writer = _Writer(actor=actor, project=project, note=note, now=now or timezone.now())
    buildings = writer.buildings(parsed.buildings)
    units = writer.units(parsed, buildings)
    occupants = writer.occupants(parsed)
    writer.occupancies(parsed, units, occupants)
    AuditEvent.objects.bulk_create(writer.events, batch_size=BATCH)
    return writer.counts
