"""Greeting festivals of a year: fixed Gregorian dates and lunar festivals.

Lunar dates come from ``lunardate`` (pure Python, covers 1900–2099). Which festivals are
also statutory holidays is marked, so that the greeting can mention the break taken from
the working calendar (:func:`holiday_break`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate

from wuye.workcal.calendar import national_rules


@dataclass(frozen=True)
class Festival:
    code: str
    name: Any  # lazy translated name
    date: dt.date
    statutory: bool  # a statutory public holiday (the break comes from the working calendar)
    wishes: Any  # a line for the greeting (lazy translated)


# (code, name, (month, day), statutory, wishes)
_SOLAR: list[tuple[str, Any, tuple[int, int], bool, Any]] = [
    ("new_year", _("New Year's Day"), (1, 1), True, _("Wishing you a happy and healthy new year.")),
    ("womens_day", _("Women's Day"), (3, 8), False, _("Best wishes to all women on Women's Day.")),
    ("labour_day", _("Labour Day"), (5, 1), True, _("Thank you to everyone who works hard.")),
    (
        "childrens_day",
        _("Children's Day"),
        (6, 1),
        False,
        _("Happy Children's Day to our young residents."),
    ),
    ("national_day", _("National Day"), (10, 1), True, _("Enjoy the National Day holiday.")),
]

# lunar (month, day)
_LUNAR: list[tuple[str, Any, tuple[int, int], bool, Any]] = [
    (
        "spring_festival",
        _("Spring Festival"),
        (1, 1),
        True,
        _("Wishing your family happiness and good fortune in the new year."),
    ),
    (
        "lantern_festival",
        _("Lantern Festival"),
        (1, 15),
        False,
        _("May your family be together and happy."),
    ),
    ("dragon_boat", _("Dragon Boat Festival"), (5, 5), True, _("Wishing you good health.")),
    ("qixi", _("Qixi Festival"), (7, 7), False, _("Wishing you love and happiness.")),
    (
        "mid_autumn",
        _("Mid-Autumn Festival"),
        (8, 15),
        True,
        _("May your family be reunited under the full moon."),
    ),
    (
        "double_ninth",
        _("Double Ninth Festival"),
        (9, 9),
        False,
        _("Respect and care for our elders: our staff will visit elderly residents."),
    ),
]

FESTIVAL_CODES: tuple[str, ...] = tuple(code for code, *_rest in _SOLAR + _LUNAR)


def festival_names() -> dict[str, Any]:
    return {code: name for code, name, *_rest in _SOLAR + _LUNAR}


def festivals_for_year(year: int) -> list[Festival]:
    """Every greeting festival of ``year`` (1900–2099), sorted by date."""
    result = [
        Festival(code, name, dt.date(year, month, day), statutory, wishes)
        for code, name, (month, day), statutory, wishes in _SOLAR
    ]
    result += [
        Festival(code, name, LunarDate(year, month, day).to_solar_date(), statutory, wishes)
        for code, name, (month, day), statutory, wishes in _LUNAR
    ]
    return sorted(result, key=lambda f: f.date)


def holiday_break(day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The national break around ``day`` (consecutive days off in the working calendar:
    chinese-calendar or the Holiday table), or ``None`` when the calendar has no day off
    on ``day`` (no data for that year, or not a holiday)."""
    rules = dict(national_rules(day.year))
    if day.month == 1 and day.day <= 10:  # a break may start in December
        rules.update(national_rules(day.year - 1))
    if day.month == 12 and day.day >= 20:
        rules.update(national_rules(day.year + 1))
    if rules.get(day) is not False:
        return None
    start = end = day
    one = dt.timedelta(days=1)
    while rules.get(start - one) is False:
        start -= one
    while rules.get(end + one) is False:
        end += one
    return start, end
