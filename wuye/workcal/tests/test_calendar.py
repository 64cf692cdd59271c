"""Working days and working time in a project's calendar (Asia/Shanghai unless stated)."""

from __future__ import annotations

import datetime as dt
import logging
import random
from zoneinfo import ZoneInfo

import pytest

from wuye.workcal import services
from wuye.workcal.calendar import (
    WorkingHours,
    add_working_time,
    end_of_local_day,
    is_working_day,
    next_working_day,
    working_time_between,
)
from wuye.workcal.models import HolidayKind

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
DEFAULT = WorkingHours()  # 08:30–17:30, Monday–Friday
CUSTOM = WorkingHours(
    business_start=dt.time(9), business_end=dt.time(18), business_weekdays="123456"
)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, tz: ZoneInfo = SH) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=tz)


def test_a_project_model_is_a_calendar(world):
    # given the default hours of a real project
    # then a Monday is working and a Sunday is not
    assert is_working_day(dt.date(2026, 3, 9), world.p1)
    assert not is_working_day(dt.date(2026, 3, 8), world.p1)
    assert add_working_time(at(2026, 3, 9, 17), H, world.p1) == at(2026, 3, 10, 9)


def test_friday_evening_rolls_over_the_weekend_to_monday():
    # given a report on Friday 17:00 with a 2-hour target
    deadline = add_working_time(at(2026, 3, 6, 17), 2 * H, DEFAULT)
    # then 30 minutes are used on Friday and the rest on Monday morning
    assert deadline == at(2026, 3, 9, 10)
    assert deadline.tzinfo == SH
    assert working_time_between(at(2026, 3, 6, 17), deadline, DEFAULT) == 2 * H


def test_a_start_after_midnight_outside_hours_counts_from_the_next_opening():
    assert add_working_time(at(2026, 3, 10, 23), H, DEFAULT) == at(2026, 3, 11, 9, 30)
    assert add_working_time(at(2026, 3, 11, 2), H, DEFAULT) == at(2026, 3, 11, 9, 30)
    # and the time between an evening and the next morning is only the business part
    assert working_time_between(at(2026, 3, 10, 17), at(2026, 3, 11, 9), DEFAULT) == H


def test_weekend_days_are_not_working():
    assert not is_working_day(dt.date(2026, 3, 7), DEFAULT)
    assert not is_working_day(dt.date(2026, 3, 8), DEFAULT)
    assert add_working_time(at(2026, 3, 7, 10), H, DEFAULT) == at(2026, 3, 9, 9, 30)
    assert working_time_between(at(2026, 3, 7, 0), at(2026, 3, 9, 0), DEFAULT) == dt.timedelta(0)


def test_a_duration_ending_at_closing_time_returns_closing_time():
    assert add_working_time(at(2026, 3, 9, 8, 30), 9 * H, DEFAULT) == at(2026, 3, 9, 17, 30)


def test_zero_duration_returns_the_next_working_moment():
    # inside business hours: the start itself
    assert add_working_time(at(2026, 3, 9, 10), dt.timedelta(0), DEFAULT) == at(2026, 3, 9, 10)
    # at closing time or on a weekend: the next opening
    assert add_working_time(at(2026, 3, 9, 17, 30), dt.timedelta(0), DEFAULT) == at(
        2026, 3, 10, 8, 30
    )
    assert add_working_time(at(2026, 3, 7, 10), dt.timedelta(0), DEFAULT) == at(2026, 3, 9, 8, 30)


def test_spring_festival_2026_break_and_make_up_saturdays():
    # given chinese-calendar's arrangement: off 15–23 Feb, working Saturdays 14 and 28 Feb
    off = [dt.date(2026, 2, d) for d in range(15, 24)]
    assert not any(is_working_day(d, DEFAULT) for d in off)
    assert is_working_day(dt.date(2026, 2, 14), DEFAULT)
    assert is_working_day(dt.date(2026, 2, 28), DEFAULT)
    assert is_working_day(dt.date(2026, 2, 24), DEFAULT)
    # then a Friday-evening report continues on the make-up Saturday
    assert add_working_time(at(2026, 2, 13, 17), H, DEFAULT) == at(2026, 2, 14, 9)
    # and a Saturday-evening report waits for the end of the break
    assert add_working_time(at(2026, 2, 14, 17), H, DEFAULT) == at(2026, 2, 24, 9)
    assert working_time_between(at(2026, 2, 14, 17), at(2026, 2, 24, 9), DEFAULT) == H
    assert next_working_day(dt.date(2026, 2, 14), DEFAULT) == dt.date(2026, 2, 24)


def test_national_day_2026():
    assert not any(is_working_day(dt.date(2026, 10, d), DEFAULT) for d in range(1, 8))
    assert is_working_day(dt.date(2026, 10, 10), DEFAULT)  # make-up Saturday
    assert is_working_day(dt.date(2026, 9, 20), DEFAULT)  # make-up Sunday
    assert add_working_time(at(2026, 9, 30, 17), H, DEFAULT) == at(2026, 10, 8, 9)


def test_a_make_up_day_is_working_even_when_the_project_never_works_that_weekday():
    # 2026-01-04 is a Sunday and a make-up working day; CUSTOM works Monday–Saturday
    assert is_working_day(dt.date(2026, 1, 4), CUSTOM)
    assert add_working_time(at(2026, 1, 3, 12), H, CUSTOM) == at(2026, 1, 4, 10)


def test_month_end_rolls_into_the_next_month():
    assert add_working_time(at(2026, 3, 31, 17), 2 * H, DEFAULT) == at(2026, 4, 1, 10)


def test_year_end_into_a_year_only_the_table_covers(caplog):
    # given 2027, which chinese-calendar does not know, and a table row for New Year's Day
    services.holiday_create(
        actor=None, date=dt.date(2027, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦"
    )
    # then the Friday is off and the deadline moves to Monday
    assert add_working_time(at(2026, 12, 31, 17), H, DEFAULT) == at(2027, 1, 4, 9)
    assert working_time_between(at(2026, 12, 31, 17), at(2027, 1, 4, 9), DEFAULT) == H
    assert "No public-holiday data" not in caplog.text


def test_a_year_without_any_data_follows_weekdays_and_says_so(caplog):
    caplog.set_level(logging.WARNING, logger="wuye.workcal.calendar")
    # when a date in 2027 is asked for and neither the package nor the table covers 2027
    assert add_working_time(at(2026, 12, 31, 17), H, DEFAULT) == at(2027, 1, 1, 9)
    # then the answer uses the weekdays only, and a log line tells the operator what to do
    assert "No public-holiday data for 2027" in caplog.text
    assert "wuye holidays import" in caplog.text


def test_custom_hours_and_a_six_day_week():
    assert is_working_day(dt.date(2026, 3, 7), CUSTOM)  # Saturday
    assert not is_working_day(dt.date(2026, 3, 8), CUSTOM)  # Sunday
    assert not is_working_day(dt.date(2026, 10, 3), CUSTOM)  # a statutory Saturday off
    assert add_working_time(at(2026, 3, 6, 17, 30), H, CUSTOM) == at(2026, 3, 7, 9, 30)
    assert add_working_time(at(2026, 3, 7, 17, 30), H, CUSTOM) == at(2026, 3, 9, 9, 30)
    assert (
        working_time_between(at(2026, 3, 6, 0), at(2026, 3, 10, 0), CUSTOM) == 27 * H
    )  # Fri, Sat, Mon


def test_a_table_row_overrides_the_package():
    # given a company-wide day off on a normal Monday and an extra working day in the break
    row = services.holiday_create(
        actor=None, date=dt.date(2026, 3, 9), kind=HolidayKind.HOLIDAY, name="停工"
    )
    services.holiday_create(
        actor=None, date=dt.date(2026, 2, 16), kind=HolidayKind.WORKDAY, name="值班"
    )
    # then the table wins both ways
    assert not is_working_day(dt.date(2026, 3, 9), DEFAULT)
    assert is_working_day(dt.date(2026, 2, 16), DEFAULT)
    assert add_working_time(at(2026, 3, 6, 17), H, DEFAULT) == at(2026, 3, 10, 9)
    # and editing the row through the service takes effect at once
    services.holiday_update(actor=None, holiday=row, kind=HolidayKind.WORKDAY)
    assert is_working_day(dt.date(2026, 3, 9), DEFAULT)
    services.holiday_delete(actor=None, holiday=row)
    assert is_working_day(dt.date(2026, 3, 9), DEFAULT)


def test_thirty_working_days_are_counted_per_day_with_one_query_per_year(django_assert_num_queries):
    # March 2026 has 22 working days; 4–6 April is the Qingming break
    with django_assert_num_queries(1):
        end = add_working_time(at(2026, 3, 2, 8, 30), 30 * 9 * H, DEFAULT)
    assert end == at(2026, 4, 13, 17, 30)
    with django_assert_num_queries(0):
        assert working_time_between(at(2026, 3, 2, 8, 30), end, DEFAULT) == 30 * 9 * H


def test_inputs_in_other_zones_are_converted_and_naive_ones_refused():
    utc = ZoneInfo("UTC")
    # 09:00 UTC on Monday is 17:00 in Shanghai
    assert add_working_time(at(2026, 3, 9, 9, tz=utc), H, DEFAULT) == at(2026, 3, 10, 9)
    with pytest.raises(ValueError):
        add_working_time(dt.datetime(2026, 3, 9, 9), H, DEFAULT)
    with pytest.raises(ValueError):
        add_working_time(at(2026, 3, 9, 9), -H, DEFAULT)


def test_a_daylight_saving_zone_counts_real_elapsed_time():
    berlin = WorkingHours(
        time_zone="Europe/Berlin",
        business_start=dt.time(0),
        business_end=dt.time(6),
        business_weekdays="1234567",
    )
    tz = ZoneInfo("Europe/Berlin")
    # 2026-03-29: clocks jump from 02:00 to 03:00, so 00:00–06:00 is five real hours
    assert (
        working_time_between(at(2026, 3, 29, 0, tz=tz), at(2026, 3, 29, 6, tz=tz), berlin) == 5 * H
    )


def test_the_two_helpers_are_inverse_on_random_starts():
    rng = random.Random(20261125)
    base = at(2025, 12, 1)
    round_trips = 0
    for _ in range(400):
        start = base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 420))
        duration = dt.timedelta(minutes=rng.randrange(0, 60 * 9 * 25))
        for hours in (DEFAULT, CUSTOM):
            end = add_working_time(start, duration, hours)
            assert working_time_between(start, end, hours) == duration, (start, duration)
            # and from a start inside business hours, adding the time between two instants
            # lands on the later one when that is inside business hours
            if working_time_between(start, start + M, hours) == M:
                later = start + dt.timedelta(minutes=rng.randrange(1, 60 * 24 * 20))
                between = working_time_between(start, later, hours)
                if working_time_between(later - M, later, hours) == M:
                    assert add_working_time(start, between, hours) == later, (start, later)
                    round_trips += 1
    assert round_trips > 50


def test_same_day_deadline_or_next_working_day_after_the_cutoff():
    cutoff = dt.time(16)
    # before the cutoff: the end of today
    assert end_of_local_day(at(2026, 3, 10, 10), DEFAULT, cutoff) == dt.datetime.combine(
        dt.date(2026, 3, 10), dt.time.max, tzinfo=SH
    )
    # after the cutoff: closing time of the next working day
    assert end_of_local_day(at(2026, 3, 10, 16, 30), DEFAULT, cutoff) == at(2026, 3, 11, 17, 30)
    assert end_of_local_day(at(2026, 3, 6, 16, 30), DEFAULT, cutoff) == at(2026, 3, 9, 17, 30)
    assert end_of_local_day(at(2026, 9, 30, 16, 30), DEFAULT, cutoff) == at(2026, 10, 8, 17, 30)
    # exactly at the cutoff still counts as today
    assert end_of_local_day(at(2026, 3, 10, 16), DEFAULT, cutoff).date() == dt.date(2026, 3, 10)
    # without a cutoff, always today, in the project's zone (17:00 UTC is 01:00 next day here)
    late_utc = at(2026, 3, 10, 17, tz=ZoneInfo("UTC"))
    assert end_of_local_day(late_utc, DEFAULT).date() == dt.date(2026, 3, 11)


def test_an_instant_is_judged_by_its_local_date():
    # Friday 2026-03-06 20:00 UTC is Saturday 04:00 in Shanghai
    assert not is_working_day(at(2026, 3, 6, 20, tz=ZoneInfo("UTC")), DEFAULT)
    assert is_working_day(at(2026, 3, 6, 20), DEFAULT)
