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
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from wuye.audit.models import AuditEvent
from wuye.audit.services import audit_event_build, created_changes, diff, snapshot
from wuye.dataio import columns as cols
from wuye.dataio.parsing import OccupantData, OccupantKey, ParsedFile, UnitKey
from wuye.places.models import Building, Occupancy, Occupant, OccupantKind, Project, Unit
from wuye.places.services import occupant_derive_fields as derive_occupant_fields

BATCH = 1000
CHUNK = 900  # keys per IN (...) lookup: well below SQLite's parameter limit
_UNIT_TRACKED = ("floor", "use", "building_area")
_OCCUPANT_TRACKED = ("name", "kind", "mobile", "id_number", "birthday")
ENTITIES = ("buildings", "units", "occupants", "occupancies")

RowOccupant = tuple[OccupantKey, str]  # (occupant key, relation) of a row


class AmbiguousOccupants(Exception):
    """Rows whose occupant cannot be told apart from others of the same name in their unit.
    Raised before anything is committed; ``errors`` are reported like the file's errors."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = sorted(errors, key=lambda e: e["row"])
        super().__init__(f"{len(errors)} rows name an occupant ambiguously")


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

    def current_occupancies(self, units: dict[UnitKey, Unit]) -> list[Occupancy]:
        """Current occupancies of the file's existing units: who lives there now (the unit
        rule for occupants) and which occupancies already exist."""
        unit_ids = sorted(unit.pk for unit in units.values() if unit.pk)
        return [
            occupancy
            for ids in _chunks(unit_ids)
            for occupancy in Occupancy.objects.filter(unit_id__in=ids, end_date__isnull=True)
        ]

    def occupants(
        self, parsed: ParsedFile, units: dict[UnitKey, Unit], current: list[Occupancy]
    ) -> dict[RowOccupant, Occupant]:
        """Match every file occupant to a stored one or create it (rules in ``_Matcher``);
        returns the occupant of each (occupant key, relation) of the file's rows."""
        matcher = _Matcher(self.project, self._candidates(parsed), parsed, units, current)
        result = matcher.match()
        if matcher.errors:
            raise AmbiguousOccupants(matcher.errors)
        new = matcher.new
        Occupant.objects.bulk_create(new, batch_size=BATCH)
        self.created("occupants", "places.occupant.created", new)
        changed = self.compared(
            "occupants", "places.occupant.updated", list(matcher.before.values()), _OCCUPANT_TRACKED
        )
        Occupant.objects.bulk_update(
            changed,
            [*_OCCUPANT_TRACKED, "mobile_tail", "id_number_index", "updated_at"],
            batch_size=BATCH,
        )
        return result

    def _candidates(self, parsed: ParsedFile) -> list[Occupant]:
        """Stored occupants that may match a file occupant: same ID index or same name (every
        other rule needs the name), oldest first."""
        indexes = sorted({o.id_index for o in parsed.occupants.values() if o.id_index})
        names = sorted({o.name for o in parsed.occupants.values()})
        found: dict[int, Occupant] = {}
        project_occupants = Occupant.objects.filter(project=self.project)
        for chunk in _chunks(indexes):
            found.update((o.pk, o) for o in project_occupants.filter(id_number_index__in=chunk))
        for chunk in _chunks(names):
            found.update((o.pk, o) for o in project_occupants.filter(name__in=chunk))
        return [found[pk] for pk in sorted(found)]

    def occupancies(
        self,
        parsed: ParsedFile,
        units: dict[UnitKey, Unit],
        occupants: dict[RowOccupant, Occupant],
        current: list[Occupancy],
    ) -> None:
        existing = {(o.occupant_id, o.unit_id, o.relation): o for o in current}
        today = timezone.localdate(self.now)
        new: list[Occupancy] = []
        pairs: list[tuple[Occupancy, dict[str, Any]]] = []
        seen: set[tuple[int, int, str]] = set()
        for row in parsed.rows:
            if row.occupant is None or row.relation is None:
                continue
            occupant, unit = occupants[(row.occupant, row.relation)], units[row.unit]
            key = (occupant.pk, unit.pk, row.relation)
            if key in seen:
                # Two rows of the file named the same person (e.g. once by ID number, once by
                # name and mobile) in the same unit and relation: one occupancy, first row wins.
                continue
            seen.add(key)
            occupancy = existing.get(key)
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


class _Matcher:
    """Which stored occupant each file occupant is, or a new one. In this order:

    1. **ID number**: the occupant with that ID number; else, when the row has a mobile, one
       without an ID number with the same name and mobile (the ID is added).
    2. **Mobile, no ID number**: an occupant with the same name and mobile.
    3. **Unit rule** (rows not matched above, and every row with neither ID nor mobile): the
       stored occupant of that name who currently occupies the row's unit — the one holding
       the row's relation there, or, when nobody of that name holds it, the only one of that
       name in the unit with any relation. A row with an ID number only takes someone without
       an ID number; a row with an ID number or mobile never takes someone the file already
       matched by another ID number or mobile. The file is the newer source: the row's mobile
       (and ID number) replace the stored ones.
       Several such occupants → an error for the row (nothing is guessed); none → a new one.

    Rows without ID and mobile that match nobody are one new occupant per unit and name.
    """

    def __init__(
        self,
        project: Project,
        stored: list[Occupant],
        parsed: ParsedFile,
        units: dict[UnitKey, Unit],
        current: list[Occupancy],
    ) -> None:
        self.project = project
        self.parsed = parsed
        self.by_pk = {o.pk: o for o in stored}
        self.by_index: dict[str, Occupant] = {}
        self.by_name_mobile: dict[tuple[str, str], Occupant] = {}
        self.without_id: dict[tuple[str, str], Occupant] = {}
        for occupant in stored:
            if occupant.id_number_index:
                self.by_index.setdefault(occupant.id_number_index, occupant)
            elif occupant.mobile:
                self.without_id.setdefault((occupant.name, occupant.mobile), occupant)
            if occupant.mobile:
                self.by_name_mobile.setdefault((occupant.name, occupant.mobile), occupant)
        # (unit id, name) → {occupant id: relations held there now}
        self.residents: dict[tuple[int, str], dict[int, set[str]]] = {}
        for occupancy in current:
            resident = self.by_pk.get(occupancy.occupant_id)
            if resident is not None:
                held = self.residents.setdefault((occupancy.unit_id, resident.name), {})
                held.setdefault(resident.pk, set()).add(occupancy.relation)
        # occupant key → (unit id, relation) of its rows, and the first such row's number
        self.places: dict[OccupantKey, list[tuple[int, str]]] = {}
        self.first_row: dict[tuple[OccupantKey, str], int] = {}
        for row in parsed.rows:
            if row.occupant is not None and row.relation is not None:
                self.places.setdefault(row.occupant, []).append((units[row.unit].pk, row.relation))
                self.first_row.setdefault((row.occupant, row.relation), row.row)
        self.claimed: set[int] = set()  # stored occupants matched by an ID number or mobile
        self.before: dict[int, tuple[Occupant, dict[str, Any]]] = {}
        self.new: list[Occupant] = []
        self.errors: list[dict[str, Any]] = []

    def match(self) -> dict[RowOccupant, Occupant]:
        """The occupant of every (occupant key, relation) of the file's rows; ``errors`` lists
        the rows that could not be matched unambiguously."""
        by_key = self._match_identified()
        result: dict[RowOccupant, Occupant] = {}
        for key, places in self.places.items():
            if key[0] == "unit":
                result.update(self._match_in_unit(self.parsed.occupants[key], places))
            elif key in by_key:
                result.update(((key, relation), by_key[key]) for _unit, relation in places)
        return result

    def _match_identified(self) -> dict[OccupantKey, Occupant]:
        """Rows with an ID number or mobile: exact matches first (ID-keyed ones before
        name+mobile ones, so that a name+mobile row of the same file finds them the way a
        re-import would), then the unit rule for the rest."""
        by_key: dict[OccupantKey, Occupant] = {}
        identified = sorted(
            (o for o in self.parsed.occupants.values() if o.key[0] != "unit"),
            key=lambda o: o.key[0] != "id",
        )
        pending = []
        for data in identified:
            occupant = self._exact(data)
            if occupant is None:
                pending.append(data)
            else:
                by_key[data.key] = self._take(occupant, data, replace_mobile=False)
        for data in pending:
            occupant = self._exact(data)  # perhaps created or renumbered meanwhile
            if occupant is not None:
                by_key[data.key] = self._take(occupant, data, replace_mobile=False)
                continue
            found = self._residents(data, exclude=self.claimed, without_id=bool(data.id_index))
            if len(found) > 1:
                self._ambiguous(data, data.row)
                continue
            occupant = self.by_pk[found[0]] if found else self._create(data)
            by_key[data.key] = self._take(occupant, data, replace_mobile=True)
        return by_key

    def _match_in_unit(
        self, data: OccupantData, places: list[tuple[int, str]]
    ) -> dict[RowOccupant, Occupant]:
        """Rows with neither ID number nor mobile: "the <name> of this unit", per relation."""
        result: dict[RowOccupant, Occupant] = {}
        created: Occupant | None = None
        for unit_id, relation in places:
            found = self._residents(data, place=(unit_id, relation))
            if len(found) > 1:
                self._ambiguous(data, self.first_row[(data.key, relation)])
            elif found:
                result[(data.key, relation)] = self._take(
                    self.by_pk[found[0]], data, replace_mobile=False
                )
            else:
                created = created or self._create(data)
                result[(data.key, relation)] = created
        return result

    def _exact(self, data: OccupantData) -> Occupant | None:
        if data.id_index:
            # An ID not on file yet may belong to someone first imported without one.
            occupant = self.by_index.get(data.id_index)
            if occupant is None and data.mobile:
                occupant = self.without_id.pop((data.name, data.mobile), None)
            return occupant
        return self.by_name_mobile.get((data.name, data.mobile))

    def _residents(
        self,
        data: OccupantData,
        *,
        place: tuple[int, str] | None = None,
        exclude: Collection[int] = (),
        without_id: bool = False,
    ) -> list[int]:
        """Ids of the stored occupants named like ``data`` who currently occupy the units of
        its rows (or the one ``place``, a (unit id, relation)): those holding the row's
        relation there if there are any, else all of them."""
        places = [place] if place else self.places.get(data.key, [])
        anywhere: set[int] = set()
        holding: set[int] = set()
        for unit_id, wanted in places:
            for pk, relations in self.residents.get((unit_id, data.name), {}).items():
                if pk in exclude or (without_id and self.by_pk[pk].id_number_index):
                    continue
                anywhere.add(pk)
                if wanted in relations:
                    holding.add(pk)
        return sorted(holding or anywhere)

    def _ambiguous(self, data: OccupantData, row: int) -> None:
        self.errors.append(
            {
                "row": row,
                "column": self.parsed.headers.get("name") or cols.BY_KEY["name"].header,
                "message": str(
                    _(
                        "Several occupants named “%(name)s” live in this unit and this row's "
                        "ID number or mobile matches none of them. Enter the ID number or "
                        "mobile stored for the one you mean."
                    )
                    % {"name": data.name[:60]}
                ),
            }
        )

    def _create(self, data: OccupantData) -> Occupant:
        occupant = Occupant(
            project=self.project,
            name=data.name,
            kind=data.kind or OccupantKind.PERSON,
            mobile=data.mobile,
            id_number=data.id_number,
            birthday=data.birthday,
        )
        derive_occupant_fields(occupant)
        self.new.append(occupant)
        return occupant

    def _take(self, occupant: Occupant, data: OccupantData, *, replace_mobile: bool) -> Occupant:
        """Record ``occupant`` as ``data``'s and apply the file's values to it."""
        if occupant.pk:
            if occupant.pk not in self.before:
                self.before[occupant.pk] = (occupant, snapshot(occupant, _OCCUPANT_TRACKED))
            if data.key[0] != "unit":
                self.claimed.add(occupant.pk)
            self._apply(occupant, data, replace_mobile=replace_mobile)
        if data.id_index:
            self.by_index[data.id_index] = occupant
        if occupant.mobile:
            self.by_name_mobile.setdefault((occupant.name, occupant.mobile), occupant)
        return occupant

    @staticmethod
    def _apply(occupant: Occupant, data: OccupantData, *, replace_mobile: bool) -> None:
        if data.id_index:  # keyed by ID: the file's name and mobile are the current ones
            occupant.name = data.name
            if not occupant.id_number_index:
                occupant.id_number = data.id_number
        if data.mobile and (data.id_index or replace_mobile):
            occupant.mobile = data.mobile
        if data.kind:
            occupant.kind = data.kind
        if data.birthday:
            occupant.birthday = data.birthday
        derive_occupant_fields(occupant)


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
    current = writer.current_occupancies(units)
    occupants = writer.occupants(parsed, units, current)
    writer.occupancies(parsed, units, occupants, current)
    AuditEvent.objects.bulk_create(writer.events, batch_size=BATCH)
    return writer.counts
