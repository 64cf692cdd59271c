"""Reading cells: numbers kept as text, corrupted numbers refused, dates, amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuye.dataio.cells import (
    CellError,
    read_date,
    read_decimal,
    read_int,
    read_number_text,
    read_text,
    safe_cell,
)
from wuye.dataio.columns import column_for_header


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13800001111, "13800001111"),
        (13800001111.0, "13800001111"),
        (" 13800001111 ", "13800001111"),
        ("11010119900307123X", "11010119900307123X"),
        (None, ""),
        ("", ""),
        (57188880000, "57188880000"),  # a landline with four zeros is fine
    ],
)
def test_number_cells_read_as_text(value, text):
    assert read_number_text(value) == text


@pytest.mark.parametrize(
    "value",
    [
        1.38e10,  # displayed 1.38E+10 and saved: the last digits are zeros now
        13800100000,  # 1.38001E+10
        330106197001021234.0,  # 18 digits stored as a number
        110101199003071234,  # even as an int: beyond Excel's 15 digits
        "1.38E+10",
        "3.30106E+17",
        13800001111.5,
        True,
        dt.date(2024, 1, 1),
    ],
)
def test_corrupted_number_cells_are_refused(value):
    with pytest.raises(CellError):
        read_number_text(value)


def test_text_cells():
    assert read_text(1) == "1"
    assert read_text(12.0) == "12"
    assert read_text(" 1幢 ") == "1幢"
    with pytest.raises(CellError):
        read_text(dt.datetime(2101, 1, 1))  # "1-101" that Excel turned into a date


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (89.5, Decimal("89.50")),
        ("89.50", Decimal("89.50")),
        (100, Decimal("100.00")),
        ("1,234.5", Decimal("1234.50")),
        ("75㎡", Decimal("75.00")),
        (0.1 + 0.2, Decimal("0.30")),
        (None, None),
    ],
)
def test_amounts_are_decimal(value, amount):
    assert read_decimal(value) == amount


@pytest.mark.parametrize("value", [0, -3, "88.555", 88.555, "abc", "NaN", "Infinity"])
def test_bad_amounts(value):
    with pytest.raises(CellError):
        read_decimal(value)


@pytest.mark.parametrize(
    "text", ["-1", '=HYPERLINK("http://x","y")', "+86 138", "@x", "\tx", "\rx"]
)
def test_text_neutralised_by_the_export_reads_back_unchanged(text):
    assert read_text(safe_cell(text)) == text
    # text that really starts with an apostrophe and a trigger survives too
    assert safe_cell("'" + text) == "''" + text
    assert read_text(safe_cell("'" + text)) == "'" + text


def test_other_apostrophes_are_kept():
    assert read_text("'101") == "'101"
    assert read_text("O'Neil") == "O'Neil"
    assert read_text("'") == "'"
    assert read_number_text("'+8613800001111") == "+8613800001111"
    assert read_int("'-1") == -1


def test_integers():
    assert (
        read_int(3) == 3 and read_int(3.0) == 3 and read_int("-1") == -1 and read_int(None) is None
    )
    for bad in ("三", 2.5, "3F"):
        with pytest.raises(CellError):
            read_int(bad)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 1, 31),
        dt.date(2024, 1, 31),
        "2024-01-31",
        "2024/1/31",
        "2024.1.31",
        "20240131",
        "2024年1月31日",
        20240131,
        "2024-01-31 00:00:00",
    ],
)
def test_dates(value):
    assert read_date(value) == dt.date(2024, 1, 31)


@pytest.mark.parametrize("value", ["2024-02-30", "去年", 45321, "1850-01-01"])
def test_bad_dates(value):
    with pytest.raises(CellError):
        read_date(value)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("楼栋", "building"),
        ("Building", "building"),
        (" 建筑面积（㎡） ", "area"),
        ("Building area (m²)", "area"),
        ("ID number", "id_number"),
        ("身份证号*", "id_number"),
        ("unit_number", "number"),
        ("备注", None),
    ],
)
def test_headers(header, key):
    assert column_for_header(header) == key
