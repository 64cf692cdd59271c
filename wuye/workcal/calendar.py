"""Working days and working time in a project's own calendar.

A day is a working day for a project when, in this order of precedence:

1. a ``Holiday`` row exists for it — ``holiday`` means off, ``workday`` means working;
2. ``chinese-calendar`` lists it — a statutory day off, or a make-up working day (调休上班),
   which is working even on a Saturday or Sunday and even if the project does not normally
   work that weekday;
3. otherwise its ISO weekday is in ``Project.business_weekdays``.

Working time is the part of each working day between ``Project.business_start`` and
``Project.business_end`` in ``Project.time_zone``. All functions take and return aware
datetimes; the arithmetic is done on UTC instants so daylight-saving zones stay exact.

The national rules (steps 1 and 2) are cached in-process per year. The services that edit
the ``Holiday`` table clear the cache; other processes pick the change up within
``CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
# A project calendar without a single working day in this many consecutive days is broken
# (e.g. no business weekdays at all); searching further would never end.
_MAX_IDLE_DAYS = 400
_ONE_DAY = dt.timedelta(days=1)
_UTC = dt.UTC

PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year


class HasBusinessHours(Protocol):
    """What the calendar reads from a project (``wuye.places.models.Project`` fits)."""

    time_zone: str
    business_start: dt.time
    business_end: dt.time
    business_weekdays: str


@dataclass(frozen=True)
class WorkingHours:
    """Business hours without a project (company-wide defaults, tests); fits the protocol."""

    time_zone: str = "Asia/Shanghai"
    business_start: dt.time = dt.time(8, 30)
    business_end: dt.time = dt.time(17, 30)
    business_weekdays: str = "12345"


@dataclass(frozen=True)
class _Hours:
    zone: ZoneInfo
    start: dt.time
    end: dt.time
    weekdays: frozenset[int]


def _hours(project: HasBusinessHours) -> _Hours:
    start, end = project.business_start, project.business_end
    if not start < end:
        raise ValueError("business_start must be before business_end")
    weekdays = frozenset(int(c) for c in (project.business_weekdays or "") if c in "1234567")
    return _Hours(ZoneInfo(project.time_zone or "Asia/Shanghai"), start, end, weekdays)


# --- the national rules, cached per year --------------------------------------------------------

_cache: dict[int, tuple[float, dict[dt.date, bool]]] = {}
_warned_years: set[int] = set()


def clear_cache() -> None:
    """Forget the cached national rules (called by the services that edit ``Holiday``)."""
    _cache.clear()
    _warned_years.clear()


def _package_rules(year: int) -> dict[dt.date, bool]:
    rules: dict[dt.date, bool] = {}
    if not PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR:
        return rules
    # ``holidays`` are statutory days off (including the weekend days inside a break);
    # ``workdays`` are make-up working days. The package checks workdays first; so do we.
    for day in chinese_calendar.holidays:
        if day.year == year:
            rules[day] = False
    for day in chinese_calendar.workdays:
        if day.year == year:
            rules[day] = True
    return rules


def _table_rules(year: int) -> dict[dt.date, bool]:
    from wuye.workcal.models import Holiday, HolidayKind

    rows = Holiday.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
    return {day: kind == HolidayKind.WORKDAY for day, kind in rows.values_list("date", "kind")}


def national_rules(year: int) -> dict[dt.date, bool]:
    """Dates of ``year`` whose status the national calendar fixes: ``True`` = working day,
    ``False`` = day off. Dates not listed follow the project's weekdays."""
    now = time.monotonic()
    cached = _cache.get(year)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    package = _package_rules(year)
    table = _table_rules(year)
    if not package and not table and year not in _warned_years:
        _warned_years.add(year)
        logger.warning(
            "No public-holiday data for %s: chinese-calendar covers %s-%s and the Holiday table has "
            "no rows for that year, so only the projects' working weekdays apply. Add the year's "
            "holidays in the admin (Working calendar) or with `wuye holidays import FILE.csv`.",
            year,
            PACKAGE_FIRST_YEAR,
            PACKAGE_LAST_YEAR,
        )
    rules = {**package, **table}
    _cache[year] = (now, rules)
    return rules


def year_sources(year: int) -> tuple[bool, bool]:
    """(covered by chinese-calendar, has rows in the Holiday table) for ``year``."""
    return bool(_package_rules(year)), bool(_table_rules(year))


# --- working days -------------------------------------------------------------------------------


def _is_working(day: dt.date, hours: _Hours) -> bool:
    fixed = national_rules(day.year).get(day)
    if fixed is not None:
        return fixed
    return day.isoweekday() in hours.weekdays


def is_working_day(day: dt.date | dt.datetime, project: HasBusinessHours) -> bool:
    """Whether ``day`` is a working day for ``project``. An aware datetime is first converted
    to the project's local date."""
    hours = _hours(project)
    if isinstance(day, dt.datetime):
        day = _local(day, hours.zone).date()
    return _is_working(day, hours)


def next_working_day(day: dt.date, project: HasBusinessHours) -> dt.date:
    """The first working day strictly after ``day``."""
    hours = _hours(project)
    return _next_working(day + _ONE_DAY, hours)


def _next_working(day: dt.date, hours: _Hours) -> dt.date:
    """``day`` itself if working, else the next working day."""
    for _ in range(_MAX_IDLE_DAYS):
        if _is_working(day, hours):
            return day
        day += _ONE_DAY
    raise ValueError(
        f"No working day within {_MAX_IDLE_DAYS} days of {day}; check the project's weekdays."
    )


# --- working time -------------------------------------------------------------------------------


def _local(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("An aware datetime is required")
    return value.astimezone(zone)


def _window(day: dt.date, hours: _Hours) -> tuple[dt.datetime, dt.datetime]:
    """Business hours of ``day`` as UTC instants."""
    opens = dt.datetime.combine(day, hours.start, tzinfo=hours.zone).astimezone(_UTC)
    closes = dt.datetime.combine(day, hours.end, tzinfo=hours.zone).astimezone(_UTC)
    return opens, closes


def add_working_time(
    start: dt.datetime, duration: dt.timedelta, project: HasBusinessHours
) -> dt.datetime:
    """The instant at which ``duration`` of working time has elapsed after ``start``.

    Counting begins at ``start`` when that is inside business hours on a working day,
    otherwise at the next opening. A duration that runs out exactly at closing time returns
    the closing time (not the next opening). A zero duration returns the first working moment
    at or after ``start`` — i.e. ``start`` itself inside business hours, else the next opening.
    The result is aware, in the project's time zone.
    """
    if duration < dt.timedelta(0):
        raise ValueError("duration must not be negative")
    hours = _hours(project)
    cursor = _local(start, hours.zone).astimezone(_UTC)
    day = cursor.astimezone(hours.zone).date()
    remaining = duration
    while True:
        day = _next_working(day, hours)
        opens, closes = _window(day, hours)
        begin = max(cursor, opens)
        if begin < closes:
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(hours.zone)
            remaining -= available
        day += _ONE_DAY


def working_time_between(a: dt.datetime, b: dt.datetime, project: HasBusinessHours) -> dt.timedelta:
    """Working time from ``a`` to ``b`` (zero when ``b`` is not after ``a``).

    For any ``a`` and duration ``d``: ``working_time_between(a, add_working_time(a, d)) == d``.
    """
    hours = _hours(project)
    a_utc = _local(a, hours.zone).astimezone(_UTC)
    b_utc = _local(b, hours.zone).astimezone(_UTC)
    total = dt.timedelta(0)
    if b_utc <= a_utc:
        return total
    day = a_utc.astimezone(hours.zone).date()
    last = b_utc.astimezone(hours.zone).date()
    while day <= last:
        if _is_working(day, hours):
            opens, closes = _window(day, hours)
            begin, end = max(a_utc, opens), min(b_utc, closes)
            if begin < end:
                total += end - begin
        day += _ONE_DAY
    return total


def end_of_local_day(
    start: dt.datetime,
    project: HasBusinessHours,
    cutoff: dt.time | None = None,
    *,
    working_days_only: bool = False,
) -> dt.datetime:
    """The last moment (23:59:59.999999) of ``start``'s local calendar day; or, when
    ``cutoff`` is given and ``start``'s local time is later than it, the closing time of the
    next working day. Used for "finished the same day; late reports by the next working day".
    With ``working_days_only``, a start on a day that is not a working day is also due at
    the closing time of the next working day.
    """
    hours = _hours(project)
    local = _local(start, hours.zone)
    if working_days_only and not _is_working(local.date(), hours):
        day = _next_working(local.date() + _ONE_DAY, hours)
        return dt.datetime.combine(day, hours.end, tzinfo=hours.zone)
    if cutoff is not None and local.time().replace(tzinfo=None) > cutoff:
        day = _next_working(local.date() + _ONE_DAY, hours)
        return dt.datetime.combine(day, hours.end, tzinfo=hours.zone)
    return dt.datetime.combine(local.date(), dt.time.max, tzinfo=hours.zone)
