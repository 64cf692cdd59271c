import datetime as dt

import pytest

from wuye.outreach.festivals import festivals_for_year, holiday_break
from wuye.outreach.rules import add_years


def _dates(year: int) -> dict[str, dt.date]:
    return {f.code: f.date for f in festivals_for_year(year)}


def test_festivals_2026():
    assert _dates(2026) == {
        "new_year": dt.date(2026, 1, 1),
        "spring_festival": dt.date(2026, 2, 17),
        "lantern_festival": dt.date(2026, 3, 3),
        "womens_day": dt.date(2026, 3, 8),
        "labour_day": dt.date(2026, 5, 1),
        "childrens_day": dt.date(2026, 6, 1),
        "dragon_boat": dt.date(2026, 6, 19),
        "qixi": dt.date(2026, 8, 19),
        "mid_autumn": dt.date(2026, 9, 25),
        "national_day": dt.date(2026, 10, 1),
        "double_ninth": dt.date(2026, 10, 18),
    }


def test_festivals_2027():
    dates = _dates(2027)
    assert dates["spring_festival"] == dt.date(2027, 2, 6)
    assert dates["lantern_festival"] == dt.date(2027, 2, 20)
    assert dates["dragon_boat"] == dt.date(2027, 6, 9)
    assert dates["qixi"] == dt.date(2027, 8, 8)
    assert dates["mid_autumn"] == dt.date(2027, 9, 15)
    assert dates["double_ninth"] == dt.date(2027, 10, 8)


def test_festivals_are_sorted_and_marked_statutory():
    festivals = festivals_for_year(2027)
    assert [f.date for f in festivals] == sorted(f.date for f in festivals)
    statutory = {f.code for f in festivals if f.statutory}
    assert statutory == {
        "new_year",
        "spring_festival",
        "labour_day",
        "dragon_boat",
        "mid_autumn",
        "national_day",
    }


@pytest.mark.django_db
def test_holiday_break_comes_from_the_working_calendar():
    # chinese-calendar 2026: Spring Festival break 15–23 February, National Day 1–7 October
    assert holiday_break(dt.date(2026, 2, 17)) == (dt.date(2026, 2, 15), dt.date(2026, 2, 23))
    assert holiday_break(dt.date(2026, 10, 1)) == (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
    assert holiday_break(dt.date(2026, 3, 3)) is None  # Lantern Festival is a working day
    assert holiday_break(dt.date(2027, 2, 6)) is None  # no 2027 data yet


def test_add_years_handles_29_february():
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(2021, 6, 30), 5) == dt.date(2026, 6, 30)
