"""Reading and validating an import workbook. No database access: the result is a
``ParsedFile`` of validated rows plus every error found, each as (row, column, reason)."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from wuye.core.crypto import blind_index
from wuye.dataio import columns as cols
from wuye.dataio.cells import (
    CellError,
    read_date,
    read_decimal,
    read_int,
    read_number_text,
    read_text,
)
from wuye.places.models import Building, Occupant, OccupantKind, Unit
from wuye.places.services import occupant_clean_personal_fields as clean_personal_fields

MAX_ROWS = 200_000
MAX_STORED_ERRORS = 10_000  # all errors are counted; a hopeless file should not fill the database
PROGRESS_EVERY = 250

# The template's sample row: imported by mistake it would create a fictitious person.
SAMPLE_NAME = "张三（示例）"

UnitKey = tuple[str, str]  # (building name, unit number)
# How rows name an occupant (see ``upsert`` for how each is matched): ("id", blind index),
# ("nm", name, mobile) without an ID number, or ("unit", building, unit number, name) with
# neither ID number nor mobile: then the person is "the <name> of this unit".
OccupantKey = tuple[str, ...]

_UNIT_FIELDS = {"number": "number", "floor": "floor", "use": "use", "building_area": "area"}
_OCCUPANT_FIELDS = {"name": "name", "kind": "kind", "mobile": "mobile", "birthday": "birthday"}


@dataclass(slots=True)
class UnitData:
    row: int
    building: str
    number: str
    use: str
    floor: int | None = None
    area: Decimal | None = None


@dataclass(slots=True)
class OccupantData:
    row: int
    key: OccupantKey
    name: str
    kind: str | None  # None: not given (person on create, unchanged on update)
    mobile: str
    id_number: str
    id_index: str
    birthday: dt.date | None


@dataclass(slots=True)
class RowData:
    row: int
    unit: UnitKey
    occupant: OccupantKey | None
    relation: str | None
    start_date: dt.date | None


@dataclass
class ParsedFile:
    units: dict[UnitKey, UnitData] = field(default_factory=dict)
    occupants: dict[OccupantKey, OccupantData] = field(default_factory=dict)
    rows: list[RowData] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    total_rows: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # column key → header in the file

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def buildings(self) -> list[str]:
        return sorted({building for building, _number in self.units})


class _Row:
    """Errors of one row; at most one per column."""

    def __init__(self, number: int, values: tuple[Any, ...], index: dict[str, int]) -> None:
        self.number = number
        self.values = values
        self.index = index
        self.errors: dict[str, str] = {}

    def raw(self, key: str) -> Any:
        position = self.index.get(key)
        if position is None or position >= len(self.values):
            return None
        return self.values[position]

    def read(self, key: str, reader: Callable[[Any], Any]) -> Any:
        try:
            return reader(self.raw(key))
        except CellError as exc:
            self.fail(key, exc.message)
            return None

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)


class WorkbookParser:
    """Parse one workbook for one project. ``on_progress(processed, estimated_total)`` is
    called every ``PROGRESS_EVERY`` data rows."""

    def __init__(
        self, *, project_name: str, on_progress: Callable[[int, int], None] | None = None
    ) -> None:
        self.project_name = project_name
        self.on_progress = on_progress
        self.result = ParsedFile()
        self.headers: dict[str, str] = {}  # key → header as written in the file
        self.index: dict[str, int] = {}
        self.lookups = {key: cols.choice_lookup(key) for key in cols.CHOICE_LABELS}
        self.seen_rows: dict[tuple[Any, ...], int] = {}
        # (unit, name, relation) → (first row, whether it had an ID number or mobile)
        self.named_rows: dict[tuple[UnitKey, str, str | None], tuple[int, bool]] = {}
        self._scratch: dict[type[Any], Any] = {}

    # --- entry point ---------------------------------------------------------------------

    def parse(self, file: IO[bytes]) -> ParsedFile:
        try:
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            self._error(None, "", _("The file cannot be read as an Excel workbook (.xlsx)."))
            return self.result
        try:
            self._parse_sheet(workbook.worksheets[0])
        finally:
            workbook.close()
        return self.result

    def _parse_sheet(self, sheet: Any) -> None:
        estimate = max((sheet.max_row or 1) - 1, 0)
        # The stored dimension may be wrong (files written by other tools); read everything.
        sheet.reset_dimensions()
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(min_row=1, values_only=True)
        header = next(rows, ())
        if not self._read_header(header):
            return
        processed = 0
        for number, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            processed += 1
            if processed > MAX_ROWS:
                self._error(
                    number,
                    "",
                    _("The file has more than %(max)d rows; split it into smaller files.")
                    % {"max": MAX_ROWS},
                )
                break
            self._read_row(_Row(number, values, self.index))
            if self.on_progress and processed % PROGRESS_EVERY == 0:
                # 0 = unknown: the stored dimension was missing or wrong
                self.on_progress(processed, estimate if estimate >= processed else 0)
        self.result.total_rows = min(processed, MAX_ROWS)
        if processed == 0:
            self._error(None, "", _("The file has no data rows below the header row."))

    # --- header ------------------------------------------------------------------------------

    def _read_header(self, header: tuple[Any, ...]) -> bool:
        for position, value in enumerate(header):
            key = cols.column_for_header(value)
            if key is None:
                continue  # unknown columns are ignored
            if key in self.index:
                self._error(1, str(value).strip(), _("This column appears twice."))
                continue
            self.index[key] = position
            self.headers[key] = str(value).strip()
        self.result.headers = self.headers
        for key in cols.REQUIRED_HEADERS:
            if key not in self.index:
                self._error(1, cols.BY_KEY[key].header, _("This column is missing."))
        return self.result.ok

    # --- rows --------------------------------------------------------------------------------

    def _header(self, key: str) -> str:
        return self.headers.get(key) or cols.BY_KEY[key].header

    def _error(self, row: int | None, column: str, message: str) -> None:
        self.result.error_count += 1
        if len(self.result.errors) < MAX_STORED_ERRORS:
            self.result.errors.append({"row": row, "column": column, "message": str(message)})

    def _choice(self, row: _Row, key: str, text: str) -> str | None:
        if not text:
            return None
        code = cols.match_choice(self.lookups[key], text)
        if code is None:
            labels = "、".join(cols.CHOICE_LABELS[key].values())
            row.fail(
                key,
                _("Unknown value “%(value)s”. Choose one of: %(choices)s.")
                % {"value": text[:40], "choices": labels},
            )
        return code

    def _read_row(self, row: _Row) -> None:
        project = row.read("project", read_text)
        if project and project != self.project_name:
            row.fail(
                "project",
                _("This row belongs to project “%(row_project)s”, not “%(project)s”.")
                % {"row_project": project[:60], "project": self.project_name},
            )
        unit = self._read_unit(row)
        occupant, relation, start_date = self._read_occupant(row, unit)
        if occupant is not None and occupant.name == SAMPLE_NAME:
            row.fail("name", _("This is the template's sample row; delete it before importing."))
        if not row.errors and unit is not None:
            self._check_across_rows(row, unit, occupant, relation)
        for key in sorted(row.errors, key=lambda k: self.index.get(k, len(self.index))):
            self._error(row.number, self._header(key), row.errors[key])
        if row.errors or unit is None:
            return
        self.result.rows.append(
            RowData(
                row=row.number,
                unit=(unit.building, unit.number),
                occupant=occupant.key if occupant else None,
                relation=relation,
                start_date=start_date,
            )
        )

    def _read_unit(self, row: _Row) -> UnitData | None:
        building = row.read("building", read_text)
        number = row.read("number", read_text)
        floor = row.read("floor", read_int)
        use = self._choice(row, "use", row.read("use", read_text) or "")
        area = row.read("area", read_decimal)
        for key, value in (("building", building), ("number", number), ("use", use)):
            if not value and key not in row.errors:
                row.fail(key, _("This column is required."))
        # Field rules (lengths, ranges, digits) come from the models themselves.
        self._clean_model(row, Building, {"name": building or "x"}, {"name": "building"})
        self._clean_model(
            row,
            Unit,
            {"number": number or "x", "floor": floor, "use": use or "other", "building_area": area},
            _UNIT_FIELDS,
        )
        if not (building and number and use):
            return None
        return UnitData(
            row=row.number, building=building, number=number, use=use, floor=floor, area=area
        )

    def _read_occupant(
        self, row: _Row, unit: UnitData | None
    ) -> tuple[OccupantData | None, str | None, dt.date | None]:
        if all(row.raw(key) is None or not str(row.raw(key)).strip() for key in cols.OCCUPANT_KEYS):
            return None, None, None
        name = row.read("name", read_text) or ""
        kind = self._choice(row, "kind", row.read("kind", read_text) or "")
        relation = self._choice(row, "relation", row.read("relation", read_text) or "")
        mobile = row.read("mobile", read_number_text) or ""
        id_number = row.read("id_number", read_number_text) or ""
        start_date = row.read("start_date", read_date)
        birthday = row.read("birthday", read_date)
        for key, value in (("name", name), ("relation", relation)):
            if not value and key not in row.errors:
                row.fail(key, _("This column is required when the row has an occupant."))
        personal = {"mobile": mobile, "id_number": id_number}
        for key, value in personal.items():
            if "*" in value:
                row.fail(
                    key,
                    _(
                        "This value is masked. Enter the full number, or leave the cell "
                        "empty to keep the stored one."
                    ),
                )
                personal[key] = ""
        try:
            clean_personal_fields(personal)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                row.fail(key, " ".join(messages))
        mobile, id_number = personal["mobile"], personal["id_number"]
        self._clean_model(
            row,
            Occupant,
            {
                "name": name or "x",
                "kind": kind or OccupantKind.PERSON,
                "mobile": mobile,
                "birthday": birthday,
            },
            _OCCUPANT_FIELDS,
        )
        if not name:
            return None, relation, start_date
        id_index = blind_index(id_number) if id_number else ""
        occupant_key: OccupantKey
        if id_index:
            occupant_key = ("id", id_index)
        elif mobile:
            occupant_key = ("nm", name, mobile)
        else:  # (a row with an invalid unit is refused; its key is never used)
            occupant_key = (
                "unit",
                unit.building if unit else "",
                unit.number if unit else "",
                name,
            )
        occupant = OccupantData(
            row=row.number,
            key=occupant_key,
            name=name,
            kind=kind,
            mobile=mobile,
            id_number=id_number,
            id_index=id_index,
            birthday=birthday,
        )
        return occupant, relation, start_date

    def _clean_model(
        self, row: _Row, model: type[Any], values: dict[str, Any], fields: dict[str, str]
    ) -> None:
        """Run the model's own field validation for the columns not already in error. One
        scratch instance per model is reused: building thousands of instances costs more
        than validating them."""
        instance = self._scratch.get(model)
        if instance is None:
            instance = self._scratch[model] = model()
        for name, value in values.items():
            setattr(instance, name, value)
        checked = [name for name, key in fields.items() if key not in row.errors]
        exclude = [f.name for f in model._meta.fields if f.name not in checked]
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                row.fail(fields[name], " ".join(messages))

    # --- consistency between rows ------------------------------------------------------------

    def _check_across_rows(
        self, row: _Row, unit: UnitData, occupant: OccupantData | None, relation: str | None
    ) -> None:
        unit_key = (unit.building, unit.number)
        identity = (unit_key, occupant.key if occupant else None, relation)
        first = self.seen_rows.get(identity) or self._same_person_row(unit_key, occupant, relation)
        if first is not None:
            key = "name" if occupant else "number"
            row.fail(
                key,
                _("Duplicate of row %(row)d (same unit, occupant and relation).") % {"row": first},
            )
            return
        known_unit = self.result.units.get(unit_key)
        if known_unit is not None:
            self._merge(
                row,
                known_unit,
                unit,
                {"use": "use", "floor": "floor", "area": "area"},
                _("Differs from row %(row)d for the same unit."),
            )
        known_occupant = self.result.occupants.get(occupant.key) if occupant else None
        if occupant is not None and known_occupant is not None:
            self._merge(
                row,
                known_occupant,
                occupant,
                {"name": "name", "kind": "kind", "mobile": "mobile", "birthday": "birthday"},
                _("Differs from row %(row)d for the same occupant."),
            )
        if row.errors:
            return
        self.seen_rows[identity] = row.number
        self.result.units.setdefault(unit_key, unit)
        if occupant is not None:
            self.result.occupants.setdefault(occupant.key, occupant)
            named = (unit_key, occupant.name, relation)
            self.named_rows.setdefault(named, (row.number, occupant.key[0] != "unit"))

    def _same_person_row(
        self, unit_key: UnitKey, occupant: OccupantData | None, relation: str | None
    ) -> int | None:
        """A row without ID number and mobile means "the <name> of this unit": next to another
        row for that name, unit and relation it names the same person twice. (Two rows that
        both carry an ID number or mobile may be namesakes.) Returns the earlier row."""
        if occupant is None:
            return None
        earlier = self.named_rows.get((unit_key, occupant.name, relation))
        if earlier is None:
            return None
        row, identified = earlier
        return None if identified and occupant.key[0] != "unit" else row

    @staticmethod
    def _merge(row: _Row, known: Any, new: Any, fields: dict[str, str], message: str) -> None:
        """Values given twice must agree; a value given only on a later row fills the gap."""
        for attr, key in fields.items():
            old, value = getattr(known, attr), getattr(new, attr)
            if value in (None, ""):
                continue
            if old in (None, ""):
                setattr(known, attr, value)
            elif old != value:
                row.fail(key, message % {"row": known.row})


def parse_workbook(
    file: IO[bytes], *, project_name: str, on_progress: Callable[[int, int], None] | None = None
) -> ParsedFile:
    return WorkbookParser(project_name=project_name, on_progress=on_progress).parse(file)
