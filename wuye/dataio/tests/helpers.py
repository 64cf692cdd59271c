"""Building import workbooks in tests."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from wuye.core.idcard import make_id_number
from wuye.dataio.columns import COLUMNS

HEADERS = [column.header for column in COLUMNS]
ENGLISH_HEADERS = [
    "Building",
    "Unit number",
    "Floor",
    "Use",
    "Building area (m²)",
    "Occupant name",
    "Kind",
    "Relation",
    "Mobile",
    "ID number",
    "Start date",
    "Birthday",
]


def id_number(i: int) -> str:
    return make_id_number("330106", dt.date(1970, 1, 1) + dt.timedelta(days=i), i)


def mobile(i: int) -> str:
    return f"137{i:04d}{(i * 7919) % 10000:04d}"


def row(i: int, *, building: str = "2幢", **overrides: Any) -> list[Any]:
    """A valid row: unit 2-<i> with one owner."""
    values = {
        "楼栋": building,
        "房号": f"2-{i:04d}",
        "楼层": i % 30 + 1,
        "用途": "住宅",
        "建筑面积": "88.50",
        "住户姓名": f"住户{i}",
        "住户类型": "个人",
        "关系": "业主",
        "手机号": mobile(i),
        "身份证号": id_number(i),
        "入住日期": dt.date(2024, 1, 1),
        "生日": None,
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def rows(n: int, **kwargs: Any) -> list[list[Any]]:
    return [row(i, **kwargs) for i in range(1, n + 1)]


def workbook_bytes(data: Iterable[Sequence[Any]], headers: Sequence[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for values in data:
        sheet.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "units.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name,
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def read_sheet(content: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.worksheets[0].iter_rows(values_only=True))
