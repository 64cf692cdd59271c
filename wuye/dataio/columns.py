"""The spreadsheet format shared by the template, the import and the export.

Headers and choice labels are part of the *file format*, not of the interface: they stay
Chinese whatever the user's language, so that a file filled in by one user imports for
another. English headers and English codes/labels are accepted on import as aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils import translation

from wuye.places.models import OccupantKind, Relation, UnitUse


@dataclass(frozen=True)
class Column:
    key: str  # the attribute the parser fills
    header: str  # the header written to files (Chinese)
    aliases: tuple[str, ...] = ()  # other accepted headers, compared after ``normalize_header``
    width: int = 12


PROJECT = Column("project", "项目", ("project", "project name"), 16)
COLUMNS: tuple[Column, ...] = (
    Column("building", "楼栋", ("building", "building name"), 10),
    Column("number", "房号", ("unit number", "unit", "number", "unit no", "room"), 10),
    Column("floor", "楼层", ("floor",), 8),
    Column("use", "用途", ("use", "unit use", "usage"), 10),
    Column("area", "建筑面积", ("building area", "area", "gross area"), 12),
    Column("name", "住户姓名", ("occupant name", "occupant", "name"), 16),
    Column("kind", "住户类型", ("occupant kind", "kind", "occupant type", "type"), 10),
    Column("relation", "关系", ("relation", "relationship"), 12),
    Column("mobile", "手机号", ("mobile", "mobile number", "phone", "phone number"), 15),
    Column("id_number", "身份证号", ("id number", "id card number", "id card", "id card no"), 22),
    Column("start_date", "入住日期", ("start date", "move in date", "from", "since"), 12),
    Column("birthday", "生日", ("birthday", "date of birth", "birth date"), 12),
)
BY_KEY = {c.key: c for c in (PROJECT, *COLUMNS)}
REQUIRED_HEADERS = ("building", "number", "use")
OCCUPANT_KEYS = ("name", "kind", "relation", "mobile", "id_number", "start_date", "birthday")
TEXT_KEYS = ("mobile", "id_number")  # formatted as text ("@") in files
DATE_KEYS = ("start_date", "birthday")

# Choice labels written to files and offered in the template's dropdowns.
USE_LABELS: dict[str, str] = {
    UnitUse.RESIDENCE: "住宅",
    UnitUse.VILLA: "别墅",
    UnitUse.OFFICE: "办公",
    UnitUse.SHOP: "商铺",
    UnitUse.PARKING: "车位",
    UnitUse.STORAGE: "储藏室",
    UnitUse.OTHER: "其他",
}
KIND_LABELS: dict[str, str] = {OccupantKind.PERSON: "个人", OccupantKind.ORGANISATION: "单位"}
RELATION_LABELS: dict[str, str] = {
    Relation.OWNER: "业主",
    Relation.TENANT: "租户",
    Relation.FAMILY: "家庭成员",
    Relation.CONTACT: "客户联系人",
}
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "use": USE_LABELS,
    "kind": KIND_LABELS,
    "relation": RELATION_LABELS,
}
_CHOICE_ENUMS: dict[str, type[models.TextChoices]] = {
    "use": UnitUse,
    "kind": OccupantKind,
    "relation": Relation,
}


def normalize_header(value: object) -> str:
    """``" Building area (m²) "`` → ``"building area"``; ``"建筑面积（㎡）*"`` → ``"建筑面积"``."""
    text = str(value or "").strip().lower()
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)
    text = text.replace("*", "")
    return re.sub(r"[\s_\-]+", " ", text).strip()


_HEADER_LOOKUP = {
    normalize_header(alias): column.key
    for column in (PROJECT, *COLUMNS)
    for alias in (column.header, *column.aliases)
}


def column_for_header(value: object) -> str | None:
    """The column key a header names, or None for a column the import ignores."""
    return _HEADER_LOOKUP.get(normalize_header(value))


def _normalize_choice(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().lower())


def choice_lookup(key: str) -> dict[str, str]:
    """Accepted spellings → stored code for ``use``, ``kind`` or ``relation``: the file's
    Chinese label, the code, the English label and the label in the active language."""
    enum = _CHOICE_ENUMS[key]
    lookup: dict[str, str] = {}
    with translation.override("en"):
        english = {member.value: str(member.label) for member in enum}
    for member in enum:
        for spelling in (
            CHOICE_LABELS[key][member],
            member.value,
            english[member.value],
            str(member.label),
        ):
            lookup[_normalize_choice(spelling)] = member.value
    return lookup


def match_choice(lookup: dict[str, str], value: str) -> str | None:
    return lookup.get(_normalize_choice(value))
