"""The import template: headers, one sample row, dropdowns, text-formatted number columns
and an instructions sheet."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from wuye.core.idcard import make_id_number
from wuye.dataio import columns as cols
from wuye.dataio.parsing import SAMPLE_NAME
from wuye.places.models import OccupantKind, Relation, UnitUse

LAST_ROW = 20000  # dropdowns and formats reach this far
_SAMPLE: dict[str, str | int | Decimal | dt.date] = {
    "building": "1幢",
    "number": "1-101",
    "floor": 1,
    "use": cols.USE_LABELS[UnitUse.RESIDENCE],
    "area": Decimal("89.50"),
    "name": SAMPLE_NAME,
    "kind": cols.KIND_LABELS[OccupantKind.PERSON],
    "relation": cols.RELATION_LABELS[Relation.OWNER],
    "mobile": "13800138000",
    "id_number": make_id_number("110101", dt.date(1990, 3, 7), 123),
    "start_date": dt.date(2024, 1, 1),
    "birthday": dt.date(1990, 3, 7),
}


def _instructions() -> list[tuple[str, str, str]]:
    required, optional = _("required"), _("optional")
    with_occupant = _("required for an occupant")
    uses = "、".join(cols.USE_LABELS.values())
    kinds = "、".join(cols.KIND_LABELS.values())
    relations = "、".join(cols.RELATION_LABELS.values())
    return [
        (
            "楼栋",
            required,
            _("Building name, e.g. 1幢. A building that does not exist yet is created."),
        ),
        ("房号", required, _("Unit number, unique within the building, e.g. 1-101.")),
        ("楼层", optional, _("Whole number; negative for basements.")),
        ("用途", required, _("One of: %(values)s.") % {"values": uses}),
        ("建筑面积", optional, _("Square metres, greater than 0, at most 2 decimals.")),
        (
            "住户姓名",
            with_occupant,
            _("Leave all occupant columns empty for a unit without occupants."),
        ),
        (
            "住户类型",
            optional,
            _("One of: %(values)s (default %(default)s).")
            % {"values": kinds, "default": cols.KIND_LABELS[OccupantKind.PERSON]},
        ),
        ("关系", with_occupant, _("One of: %(values)s.") % {"values": relations}),
        (
            "手机号",
            optional,
            _(
                "Keep the column formatted as text so that Excel does not turn the "
                "number into 1.38E+10. Empty keeps the stored number."
            ),
        ),
        (
            "身份证号",
            optional,
            _(
                "18 characters. Keep the column formatted as text: Excel keeps "
                "only 15 digits of a number. Empty keeps the stored number."
            ),
        ),
        ("入住日期", optional, _("A date such as 2024-01-31; empty means the import date.")),
        ("生日", optional, _("A date such as 1990-03-07.")),
    ]


def _general_notes() -> list[str]:
    return [
        _("Fill one row per occupant of a unit; a unit with two occupants takes two rows."),
        _("Delete the sample row (%(name)s) before importing.") % {"name": SAMPLE_NAME},
        _(
            "Importing the same file again changes nothing. Units are matched by building and "
            "number."
        ),
        _(
            "Occupants are matched in this order: 1. by ID number; 2. by name and mobile (for "
            "a row with an ID number, only someone without an ID number yet); 3. otherwise, as "
            "the occupant of that name who currently lives in the row's unit: the one with the "
            "row's relation there, or else the only one of that name in the unit. Rule 3 "
            "skips, for a row with an ID number, anyone who already has one, and, for a row "
            "with an ID number or mobile, anyone another row names by ID number or mobile. "
            "Matched by rule 3, the row's mobile and ID number are stored for the occupant. If "
            "several occupants qualify, the row is refused: enter the ID number or mobile "
            "stored for the one you mean. If nobody matches, a new occupant is created (rows "
            "of one unit with the same name and neither ID number nor mobile are one person)."
        ),
        _(
            "Empty optional cells leave stored values unchanged: an export whose mobile and ID "
            "number columns you emptied imports again without creating anyone twice. The "
            "import never deletes data and never ends an occupancy."
        ),
        _(
            "The export writes text that starts with =, +, -, @, a tab or a carriage return with "
            "an apostrophe in front, so that no spreadsheet runs it as a formula; the import "
            "removes that one apostrophe again ('-1 is read as -1). To import text that really "
            "starts with an apostrophe followed by one of these characters, type one more "
            "apostrophe."
        ),
        _(
            "If any row has an error, nothing is imported and every error is listed with its row "
            "and column."
        ),
        _(
            "English column headers (building, unit number, floor, use, building area, occupant "
            "name, kind, relation, mobile, ID number, start date, birthday) are accepted too."
        ),
    ]


def template_workbook() -> bytes:
    """The template as .xlsx bytes, with instructions in the active language."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one (plain) worksheet
    sheet.title = _("Units and occupants")[:31]
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for position, column in enumerate(cols.COLUMNS, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position, value=column.header)
        cell.font, cell.fill = header_font, header_fill
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        sample = sheet.cell(row=2, column=position, value=_SAMPLE[column.key])
        if column.key in cols.TEXT_KEYS:
            # "@" = Text: typed numbers stay digits instead of becoming 1.38E+10.
            dimension.number_format = "@"
            sample.number_format = "@"
        elif column.key in cols.DATE_KEYS:
            dimension.number_format = "yyyy-mm-dd"
            sample.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"

    letters = {column.key: get_column_letter(i) for i, column in enumerate(cols.COLUMNS, start=1)}
    for key, labels in cols.CHOICE_LABELS.items():
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(labels.values()) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Invalid value"),
            error=_("Choose a value from the list."),
        )
        validation.add(f"{letters[key]}2:{letters[key]}{LAST_ROW}")
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet(_("Instructions")[:31])
    for letter, width in (("A", 14), ("B", 22), ("C", 80)):
        notes.column_dimensions[letter].width = width
    notes.append([_("How to fill in this template")])
    notes["A1"].font = Font(bold=True, size=13)
    for line in _general_notes():
        notes.append(["", "", line])
    notes.append([])
    notes.append([_("Column"), _("Required"), _("What to enter")])
    for cell in notes[notes.max_row]:
        cell.font = header_font
    for instruction in _instructions():
        notes.append(list(instruction))
    for row in notes.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
