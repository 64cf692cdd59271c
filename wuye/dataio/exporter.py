"""Export of units and their current occupants to .xlsx, in the import's format.

One row per current occupancy; a unit without occupants still gets one row. Phone and ID
numbers are masked unless full personal data was asked for *and* the user holds
``Capability.VIEW_PERSONAL_DATA`` in the unit's project; every project whose personal data
left the system this way gets an audit record. Text that a spreadsheet would run as a
formula is neutralised. openpyxl's write-only mode streams rows to a temporary file, so
memory stays flat for 100,000 rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from wuye.accounts.access import Capability, scope_for
from wuye.audit.services import audit_record
from wuye.dataio import columns as cols
from wuye.dataio.cells import safe_cell
from wuye.dataio.selectors import import_export_project_ids
from wuye.places.models import Occupancy, Project
from wuye.places.selectors import unit_list

EXPORT_COLUMNS = (cols.PROJECT, *cols.COLUMNS)
CHUNK = 2000
PERSONAL_DATA_EXPORTED = "dataio.export.personal_data"


# Only the columns the sheet shows: at 100,000 rows, loading (and converting) the rest is
# a noticeable share of the time.
_UNIT_FIELDS = (
    "project_id",
    "building_id",
    "number",
    "floor",
    "use",
    "building_area",
    "project__name",
    "building__name",
)


def _current_occupancies() -> Prefetch:
    """As ``places.selectors.current_occupancies_prefetch`` (same rows, same order), with only
    the exported columns loaded."""
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("occupant")
        .only(
            "unit_id",
            "relation",
            "start_date",
            "occupant__name",
            "occupant__kind",
            "occupant__mobile",
            "occupant__id_number",
            "occupant__birthday",
        )
        .order_by("relation", "id"),
        to_attr="current_occupancies",
    )


@dataclass
class ExportResult:
    rows: int
    revealed_project_ids: list[int]


def personal_data_project_ids(*, user: Any) -> list[int]:
    """Projects whose full personal data the user may export."""
    scope = scope_for(user)
    return [
        pid
        for pid in import_export_project_ids(user=user)
        if scope.can(pid, Capability.VIEW_PERSONAL_DATA)
    ]


def units_export(
    *,
    actor: Any,
    out: IO[bytes],
    project_id: int | None = None,
    building_id: int | None = None,
    q: str = "",
    include_personal_data: bool = False,
) -> ExportResult:
    """Write the workbook to ``out``. Only projects where ``actor`` holds
    ``Capability.IMPORT_EXPORT`` are exported (the view answers 404/403 for an explicit
    project beforehand)."""
    allowed = import_export_project_ids(user=actor)
    reveal = set(personal_data_project_ids(user=actor)) if include_personal_data else set()
    units = (
        unit_list(user=actor, project_id=project_id, building_id=building_id, q=q)
        .filter(project_id__in=allowed)
        .only(*_UNIT_FIELDS)
        .prefetch_related(_current_occupancies())
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Units and occupants"))
    for position, column in enumerate(EXPORT_COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(position)]
        dimension.width = column.width
        if column.key in cols.TEXT_KEYS:
            dimension.number_format = "@"
        elif column.key in cols.DATE_KEYS:
            dimension.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.append([column.header for column in EXPORT_COLUMNS])

    rows = 0
    revealed: Counter[int] = Counter()
    for unit in units.iterator(chunk_size=CHUNK):
        base = [
            unit.project.name,
            unit.building.name,
            unit.number,
            unit.floor,
            cols.USE_LABELS.get(unit.use, unit.use),
            unit.building_area,
        ]
        # Set by the Prefetch(to_attr=...) above, which the Django plugin cannot see.
        occupancies: list[Occupancy] = unit.current_occupancies  # type: ignore[attr-defined]
        if not occupancies:
            sheet.append([safe_cell(v) for v in base])
            rows += 1
            continue
        full = unit.project_id in reveal
        for occupancy in occupancies:
            occupant = occupancy.occupant
            if full:
                mobile, id_number = occupant.mobile, occupant.id_number
                revealed[unit.project_id] += 1
            else:
                mobile, id_number = occupant.masked_mobile, occupant.masked_id_number
            sheet.append(
                [
                    safe_cell(v)
                    for v in (
                        *base,
                        occupant.name,
                        cols.KIND_LABELS.get(occupant.kind, occupant.kind),
                        cols.RELATION_LABELS.get(occupancy.relation, occupancy.relation),
                        mobile or None,
                        id_number or None,
                        occupancy.start_date,
                        occupant.birthday,
                    )
                ]
            )
            rows += 1
    workbook.save(out)

    filters = {"building": building_id, "q": q}
    for project in Project.objects.filter(id__in=revealed).order_by("id"):
        audit_record(
            actor=actor,
            action=PERSONAL_DATA_EXPORTED,
            instance=project,
            project=project,
            changes={"rows": [None, revealed[project.pk]]},
            note=", ".join(f"{k}={v}" for k, v in filters.items() if v),
        )
    return ExportResult(rows=rows, revealed_project_ids=sorted(revealed))
