"""SLA clocks: deadlines on calendar and working time, pauses, met and breached.

All times Asia/Shanghai; the project has the default hours 08:30–17:30, Monday–Friday, and
the Chinese statutory calendar of 2026 (chinese-calendar 1.11.0) applies.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wuye.places.models import Project
from wuye.servicedesk.sla import (
    DEFAULT_RULES,
    MINOR_REPAIR_CUTOFF,
    ClockKind,
    ClockRule,
    ClockState,
    DefaultProfile,
    Pause,
    PauseReason,
    TimeBasis,
    clock_status,
    default_rule,
    due_at,
)
from wuye.testing.factories import ProjectFactory

SH = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
END_OF_DAY = dt.time.max

MINOR = default_rule(DefaultProfile.MINOR_REPAIR, ClockKind.COMPLETION)
SPECIAL = default_rule(DefaultProfile.SPECIAL_SERVICE, ClockKind.SPECIAL_REPLY)
SPECIAL_WORKING = ClockRule(ClockKind.SPECIAL_REPLY, TimeBasis.WORKING, 24 * H)
PARTS = frozenset({PauseReason.WAITING_PARTS})
COMPLETION_4H = ClockRule(ClockKind.COMPLETION, TimeBasis.CALENDAR, 4 * H, pauses_on=PARTS)
COMPLETION_4WH = ClockRule(ClockKind.COMPLETION, TimeBasis.WORKING, 4 * H, pauses_on=PARTS)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=SH)


def midnight(y: int, mo: int, d: int) -> dt.datetime:
    return dt.datetime.combine(dt.date(y, mo, d), END_OF_DAY, tzinfo=SH)


@pytest.fixture
def project(db) -> Project:
    return ProjectFactory()


# --- same-day completion of minor repairs -------------------------------------------------------


def test_minor_repair_reported_at_1650_is_due_that_evening(project):
    # given a minor repair reported on Tuesday 2026-03-10 at 16:50, before the 17:00 cut-off
    start = at(2026, 3, 10, 16, 50)
    # then it is due at the end of that day, and is running at 20:00 with time left
    assert MINOR_REPAIR_CUTOFF == dt.time(17)
    assert due_at(MINOR, start, project) == midnight(2026, 3, 10)
    status = clock_status(MINOR, start, project, now=at(2026, 3, 10, 20))
    assert status.state is ClockState.RUNNING
    assert status.remaining > 3 * H
    # and finishing at 21:00 meets it
    done = clock_status(MINOR, start, project, now=at(2026, 3, 11), stopped_at=at(2026, 3, 10, 21))
    assert done.state is ClockState.MET


def test_a_working_time_minor_repair_reported_on_a_day_off_is_due_when_the_next_working_day_closes(
    project,
):
    # given a minor repair reported on Saturday morning 2026-03-07, and on National Day
    # then it is due at closing time of the next working day (Monday; 8 October), not at the
    # end of the day off — a working-time clock has no working time that day
    assert due_at(MINOR, at(2026, 3, 7, 9), project) == at(2026, 3, 9, 17, 30)
    assert due_at(MINOR, at(2026, 10, 2, 10), project) == at(2026, 10, 8, 17, 30)
    # while a calendar-time same-day rule is due at the end of that Saturday
    calendar = ClockRule(ClockKind.COMPLETION, TimeBasis.CALENDAR, same_day=True)
    assert due_at(calendar, at(2026, 3, 7, 9), project) == midnight(2026, 3, 7)


def test_a_report_exactly_at_the_cutoff_is_still_today(project):
    assert due_at(MINOR, at(2026, 3, 10, 17), project) == midnight(2026, 3, 10)


def test_a_minor_repair_after_the_cutoff_is_due_at_the_end_of_the_next_working_day(project):
    # given reports after 17:00 — on a Friday, and on the last day before National Day
    # then they are due at closing time of the next working day: Monday, and 8 October
    assert due_at(MINOR, at(2026, 3, 6, 17, 10), project) == at(2026, 3, 9, 17, 30)
    assert due_at(MINOR, at(2026, 9, 30, 17, 10), project) == at(2026, 10, 8, 17, 30)
    # and on Friday 9 October the next working day is the make-up Saturday 10 October
    assert due_at(MINOR, at(2026, 10, 9, 17, 10), project) == at(2026, 10, 10, 17, 30)


def test_a_same_day_clock_moves_by_the_working_time_it_waited_for_parts(project):
    # given a minor repair reported Monday 10:00 that waited for parts from 14:00 to 16:00
    pauses = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 9, 14), at(2026, 3, 9, 16))]
    # then two working hours move to Tuesday morning: due Tuesday 10:30
    assert due_at(MINOR, at(2026, 3, 9, 10), project, pauses) == at(2026, 3, 10, 10, 30)
    # while an evening wait (no working time) leaves the deadline where it was
    evening = [Pause(PauseReason.WAITING_CUSTOMER, at(2026, 3, 9, 18), at(2026, 3, 9, 19))]
    assert due_at(MINOR, at(2026, 3, 9, 10), project, evening) == midnight(2026, 3, 9)


def test_a_same_day_clock_paused_across_its_deadline_is_not_breached_while_paused(project):
    # given a minor repair waiting for the customer since Monday 18:00, still waiting Tuesday 07:00
    pauses = [Pause(PauseReason.WAITING_CUSTOMER, at(2026, 3, 9, 18))]
    status = clock_status(MINOR, at(2026, 3, 9, 10), project, pauses, now=at(2026, 3, 10, 7))
    # then it is paused, not breached
    assert status.state is ClockState.PAUSED
    assert status.breached_at is None


# --- special-service reply around National Day 2026 ---------------------------------------------


def test_special_service_request_before_national_day_calendar_and_working_time(project):
    # given a request on Wednesday 30 September 16:00. The Friday before National Day,
    # 25 September, is itself a day off (Mid-Autumn, 25–27 September), so the last working
    # day before the break (1–7 October) is the 30th; Saturday 10 October is a make-up day.
    start = at(2026, 9, 30, 16)
    # then by the default (calendar) policy the reply is due 24 h later, inside the holiday
    assert SPECIAL.basis is TimeBasis.CALENDAR
    assert due_at(SPECIAL, start, project) == at(2026, 10, 1, 16)
    # and by a working-time policy after the holiday: 1.5 h on the 30th, 9 h on 8 and 9
    # October, 4.5 h on the make-up Saturday
    assert due_at(SPECIAL_WORKING, start, project) == at(2026, 10, 10, 13)


def test_special_service_request_on_the_mid_autumn_friday(project):
    # given a request on Friday 25 September 10:00, a statutory day off
    start = at(2026, 9, 25, 10)
    # then calendar time runs anyway, working time starts on Monday 28 September 08:30
    assert due_at(SPECIAL, start, project) == at(2026, 9, 26, 10)
    assert due_at(SPECIAL_WORKING, start, project) == at(2026, 9, 30, 14, 30)


# --- pauses -------------------------------------------------------------------------------------


def test_a_paused_calendar_clock_does_not_breach_and_resumes_with_its_remaining_time(project):
    # given a 4 h completion clock from 09:00, waiting for parts since 10:00
    start = at(2026, 3, 10, 9)
    open_pause = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 10, 10))]
    # when it is 15:00, two hours after the unpaused deadline
    status = clock_status(COMPLETION_4H, start, project, open_pause, now=at(2026, 3, 10, 15))
    # then it is paused, with 3 h left and the deadline it would have if resumed now
    assert status.state is ClockState.PAUSED
    assert status.is_paused
    assert status.remaining == 3 * H
    assert status.due_at == at(2026, 3, 10, 18)
    assert status.paused_total == 5 * H
    assert status.breached_at is None
    # when the parts arrive at 15:00 and it resumes
    resumed = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 10, 10), at(2026, 3, 10, 15))]
    later = clock_status(COMPLETION_4H, start, project, resumed, now=at(2026, 3, 10, 17))
    # then it runs towards 18:00
    assert later.state is ClockState.RUNNING
    assert later.due_at == at(2026, 3, 10, 18)
    assert later.remaining == H
    # and at 18:30 it is breached, half an hour overdue
    overdue = clock_status(COMPLETION_4H, start, project, resumed, now=at(2026, 3, 10, 18, 30))
    assert overdue.state is ClockState.BREACHED
    assert overdue.breached_at == at(2026, 3, 10, 18)
    assert overdue.remaining == -30 * M


def test_a_paused_working_clock_keeps_its_working_time_and_resumes_with_it(project):
    # given a 4 working-hour clock from Monday 2026-03-09 15:00 (due Tuesday 10:00 unpaused),
    # waiting for parts since Monday 16:00 — one working hour used, three left
    start = at(2026, 3, 9, 15)
    assert due_at(COMPLETION_4WH, start, project) == at(2026, 3, 10, 10)
    open_pause = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 9, 16))]
    # when it is still paused on Wednesday 12:00
    status = clock_status(COMPLETION_4WH, start, project, open_pause, now=at(2026, 3, 11, 12))
    # then it is paused, three working hours left, due at 15:00 if resumed now
    assert status.state is ClockState.PAUSED
    assert status.remaining_in_basis == 3 * H
    assert status.due_at == at(2026, 3, 11, 15)
    # when the parts arrive on Friday 17:00
    resumed = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 9, 16), at(2026, 3, 13, 17))]
    # then the three hours run on: half an hour on Friday, 2.5 h on Monday
    after = clock_status(COMPLETION_4WH, start, project, resumed, now=at(2026, 3, 13, 17))
    assert after.state is ClockState.RUNNING
    assert after.due_at == at(2026, 3, 16, 11)
    assert after.remaining_in_basis == 3 * H
    # and over the weekend the working time left does not shrink
    weekend = clock_status(COMPLETION_4WH, start, project, resumed, now=at(2026, 3, 14, 12))
    assert weekend.remaining_in_basis == 2 * H + 30 * M


def test_a_pause_for_a_reason_the_rule_does_not_list_does_not_stop_the_clock(project):
    # given a 4 h clock that pauses only for parts, "paused" waiting for the customer
    start = at(2026, 3, 10, 9)
    pauses = [Pause(PauseReason.WAITING_CUSTOMER, at(2026, 3, 10, 10))]
    # then it runs on and breaches at 13:00
    status = clock_status(COMPLETION_4H, start, project, pauses, now=at(2026, 3, 10, 14))
    assert status.state is ClockState.BREACHED
    assert not status.is_paused
    assert status.breached_at == at(2026, 3, 10, 13)
    assert status.paused_total == dt.timedelta(0)
    # and the default arrival clock of a repair ignores waiting for parts too
    arrival = default_rule(DefaultProfile.REPAIR, ClockKind.ARRIVAL)
    parts = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 10, 9, 10), at(2026, 3, 10, 11))]
    assert due_at(arrival, start, project, parts) == at(2026, 3, 10, 9, 30)


def test_overlapping_pauses_are_counted_once(project):
    # given a clock that pauses for the customer and for parts, with overlapping pauses
    rule = ClockRule(
        ClockKind.COMPLETION,
        TimeBasis.CALENDAR,
        4 * H,
        pauses_on=frozenset({PauseReason.WAITING_CUSTOMER, PauseReason.WAITING_PARTS}),
    )
    pauses = [
        Pause(PauseReason.WAITING_CUSTOMER, at(2026, 3, 10, 10), at(2026, 3, 10, 11)),
        Pause(PauseReason.WAITING_PARTS, at(2026, 3, 10, 10, 30), at(2026, 3, 10, 12)),
        Pause(PauseReason.APPOINTMENT, at(2026, 3, 10, 12), at(2026, 3, 10, 14)),  # not listed
    ]
    start = at(2026, 3, 10, 9)
    # then 10:00–12:00 counts once: due 15:00, paused two hours
    assert due_at(rule, start, project, pauses) == at(2026, 3, 10, 15)
    status = clock_status(rule, start, project, pauses, now=at(2026, 3, 10, 13))
    assert status.paused_total == 2 * H
    assert status.remaining == 2 * H


def test_pausing_after_the_deadline_does_not_undo_the_breach(project):
    # given a 4 h clock from 09:00 first paused at 13:30, after its 13:00 deadline
    pauses = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 10, 13, 30))]
    status = clock_status(
        COMPLETION_4H, at(2026, 3, 10, 9), project, pauses, now=at(2026, 3, 10, 16)
    )
    # then it stays breached at 13:00, although paused now
    assert status.state is ClockState.BREACHED
    assert status.is_paused
    assert status.breached_at == at(2026, 3, 10, 13)


def test_an_open_pause_needs_now_to_compute_a_deadline(project):
    pauses = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 10, 10))]
    with pytest.raises(ValueError, match="now"):
        due_at(COMPLETION_4H, at(2026, 3, 10, 9), project, pauses)
    assert due_at(
        COMPLETION_4H, at(2026, 3, 10, 9), project, pauses, now=at(2026, 3, 10, 11)
    ) == at(2026, 3, 10, 14)


# --- met and breached ---------------------------------------------------------------------------


def test_stopped_at_the_deadline_is_met_one_minute_later_is_breached(project):
    # given a special-service request at Tuesday 10:00, due Wednesday 10:00
    start = at(2026, 3, 10, 10)
    due = at(2026, 3, 11, 10)
    later = at(2026, 3, 12, 9)
    # when the reply is given exactly at the deadline, then the clock is met
    met = clock_status(SPECIAL, start, project, now=later, stopped_at=due)
    assert met.state is ClockState.MET
    assert met.remaining == dt.timedelta(0)
    assert met.breached_at is None
    # when it is given a minute late, then it is breached at the deadline
    late = clock_status(SPECIAL, start, project, now=later, stopped_at=due + M)
    assert late.state is ClockState.BREACHED
    assert late.breached_at == due
    assert late.remaining == -M
    # and a pause after the stop changes nothing
    after = [Pause(PauseReason.WAITING_CUSTOMER, due + H)]
    assert clock_status(SPECIAL, start, project, after, now=later, stopped_at=due).state is (
        ClockState.MET
    )


def test_an_open_clock_past_its_deadline_is_breached_with_negative_remaining_time(project):
    # given an urgent repair reported at 02:00 on a Sunday (calendar time, 30 minutes)
    arrival = default_rule(DefaultProfile.URGENT_REPAIR, ClockKind.ARRIVAL)
    start = at(2026, 3, 8, 2)
    # then at 02:20 it runs with ten minutes left, the warning due at 02:20
    running = clock_status(arrival, start, project, now=at(2026, 3, 8, 2, 20))
    assert running.state is ClockState.RUNNING
    assert running.remaining == 10 * M
    assert running.warn_at == at(2026, 3, 8, 2, 20)
    # and at 02:45 nobody has arrived: breached, 15 minutes overdue
    overdue = clock_status(arrival, start, project, now=at(2026, 3, 8, 2, 45))
    assert overdue.state is ClockState.BREACHED
    assert overdue.remaining == -15 * M
    assert overdue.remaining_in_basis == -15 * M


def test_a_working_clock_overdue_counts_overdue_working_time(project):
    # given a complaint on Friday 17:00 (first feedback: 1 working hour, due Monday 09:00)
    rule = default_rule(DefaultProfile.COMPLAINT, ClockKind.COMPLAINT_FIRST_FEEDBACK)
    status = clock_status(rule, at(2026, 3, 6, 17), project, now=at(2026, 3, 9, 10))
    # then on Monday 10:00 it is an hour overdue in working and in wall-clock time
    assert status.due_at == at(2026, 3, 9, 9)
    assert status.state is ClockState.BREACHED
    assert status.remaining == -H
    assert status.remaining_in_basis == -H


# --- rules and defaults -------------------------------------------------------------------------


def test_a_rule_has_exactly_one_of_duration_and_same_day():
    with pytest.raises(ValueError):
        ClockRule(ClockKind.COMPLETION, TimeBasis.WORKING)
    with pytest.raises(ValueError):
        ClockRule(ClockKind.COMPLETION, TimeBasis.WORKING, H, same_day=True)
    with pytest.raises(ValueError):
        ClockRule(ClockKind.COMPLETION, TimeBasis.WORKING, H, cutoff=dt.time(17))
    with pytest.raises(ValueError):
        Pause(PauseReason.APPOINTMENT, at(2026, 3, 10, 10), at(2026, 3, 10, 9))
    with pytest.raises(ValueError):
        Pause(PauseReason.APPOINTMENT, dt.datetime(2026, 3, 10, 10))  # naive


def test_the_shipped_defaults_follow_the_defaults_table():
    def rule(profile: DefaultProfile, kind: ClockKind) -> tuple[object, ...]:
        r = default_rule(profile, kind)
        return (r.basis, r.duration, r.same_day, r.cutoff)

    assert rule(DefaultProfile.URGENT_REPAIR, ClockKind.ARRIVAL) == (
        TimeBasis.CALENDAR,
        30 * M,
        False,
        None,
    )
    assert rule(DefaultProfile.REPAIR, ClockKind.ARRIVAL)[:2] == (TimeBasis.WORKING, 30 * M)
    assert rule(DefaultProfile.MINOR_REPAIR, ClockKind.COMPLETION) == (
        TimeBasis.WORKING,
        None,
        True,
        dt.time(17),
    )
    assert rule(DefaultProfile.SPECIAL_SERVICE, ClockKind.SPECIAL_REPLY)[:2] == (
        TimeBasis.CALENDAR,
        24 * H,
    )
    assert rule(DefaultProfile.COMPLAINT, ClockKind.COMPLAINT_FINAL_REPLY)[:2] == (
        TimeBasis.CALENDAR,
        dt.timedelta(days=10),
    )
    # every repair and complaint profile has a return visit, 3 days after completion
    for profile in DEFAULT_RULES:
        if profile is not DefaultProfile.SPECIAL_SERVICE:
            visit = default_rule(profile, ClockKind.RETURN_VISIT)
            assert visit.duration == dt.timedelta(days=3)
    with pytest.raises(KeyError):
        default_rule(DefaultProfile.SPECIAL_SERVICE, ClockKind.RETURN_VISIT)


def test_pauses_are_cut_to_the_clock_and_an_open_pause_ends_at_the_stop(project):
    # given a 4 h clock from 09:00 with a parts pause that began at 08:00 (before the clock)
    # and was still open when the work was completed at 14:00
    pauses = [Pause(PauseReason.WAITING_PARTS, at(2026, 3, 10, 8))]
    status = clock_status(
        COMPLETION_4H,
        at(2026, 3, 10, 9),
        project,
        pauses,
        now=at(2026, 3, 10, 20),
        stopped_at=at(2026, 3, 10, 14),
    )
    # then only 09:00–14:00 counts as paused and the clock is met
    assert status.paused_total == 5 * H
    assert status.due_at == at(2026, 3, 10, 18)
    assert status.state is ClockState.MET
    assert not status.is_paused


def test_times_in_other_zones_are_judged_in_the_projects_zone(project):
    # given a minor repair reported at 08:50 UTC (16:50 in Shanghai) and one at 09:10 UTC
    # then the first is due that Shanghai evening, the second the next working day
    start = dt.datetime(2026, 3, 10, 8, 50, tzinfo=dt.UTC)
    assert due_at(MINOR, start, project) == midnight(2026, 3, 10)
    assert due_at(MINOR, start + 20 * M, project) == at(2026, 3, 11, 17, 30)
    assert due_at(SPECIAL, start, project).tzinfo == SH
