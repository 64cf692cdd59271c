"""SLA clocks of the service desk: deadlines, pauses and clock states, without models.

A ticket runs several clocks (issue 3 §2). Each clock follows a :class:`ClockRule` — how long
(a duration, or "the same day"), counted in calendar or working time, and which pause
reasons stop it. This module only computes; the ticket models store the inputs (start,
pauses, stop, a snapshot of the rule) and call :func:`due_at` / :func:`clock_status`.

Decisions (also stated where they are implemented):

- **Budget model.** A clock has a budget (its duration) that is consumed only while it runs.
  A pause that starts *before* the clock is due extends the deadline by the time it covers —
  calendar time on calendar clocks, *working* time on working clocks (a pause over a night
  or a weekend costs a working clock nothing). A pause that starts after the deadline does
  not move it: a breach is never undone by pausing afterwards.
- **Only listed reasons pause.** Pauses whose reason is not in ``rule.pauses_on`` are
  ignored by that clock; overlapping pauses are merged and counted once; parts of a pause
  before the clock's start or after its stop (or after ``now``) are cut off.
- **Open pauses** (``end is None``) are counted up to ``now``; :func:`due_at` therefore needs
  ``now`` when a relevant pause is open (it raises otherwise rather than guess), and
  :func:`clock_status` reports the deadline *if the clock were resumed now*.
- **Same-day clocks** are due at the end of the report's local day, or — reported after
  ``cutoff``, or on a day off when the clock counts working time — at the closing time of
  the next working day
  (:func:`wuye.workcal.calendar.end_of_local_day`). A listed pause moves that deadline by the
  time paused (working time on a working clock): a minor repair that waited two working
  hours for parts on Monday is due at Tuesday 10:30 (08:30 + 2 h), not Monday midnight.
- **Met or breached.** A clock stopped at or before its deadline is met, later is breached.
  A running clock is breached once ``now`` is *after* the deadline. A paused clock never
  becomes breached while paused; one that was already breached when paused stays breached
  (``ClockStatus.is_paused`` still tells that it is paused). Edge case, accepted: a
  working clock paused outside business hours across a deadline that lies outside them (a
  same-day clock waiting for the customer from 18:00 to the next morning) gains only the
  working time the pause covered, so it may be due — or overdue — as soon as it resumes.
- ``remaining`` is wall-clock time to the deadline (what a screen counts down);
  ``remaining_in_basis`` is the clock's own currency (working time on working clocks) and
  is the figure that stays frozen during a pause.
- All returned datetimes are in the project's time zone. Inputs must be aware.

The numbers in :data:`DEFAULT_RULES` are defaults only: they become per-project policy rows
(chosen by ticket kind × category × urgency) that an administrator edits. Nothing here is a
constant a ticket must obey.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from wuye.workcal.calendar import (
    HasBusinessHours,
    add_working_time,
    end_of_local_day,
    working_time_between,
)

_ZERO = dt.timedelta(0)


class ClockKind(StrEnum):
    """What a clock measures, and (for the models) which events start and stop it.

    - ``response``: registered → accepted by the assignee;
    - ``arrival``: registered → the technician arrives;
    - ``completion``: registered → work completed;
    - ``special_reply``: a special-service request registered → accepted or declined with a
      reason (专项特约服务, seed part 3 §4.5);
    - ``complaint_first_feedback``: complaint registered → first feedback to the customer;
    - ``complaint_final_reply``: complaint registered → result reported;
    - ``return_visit``: ticket completed → return visit recorded (回访).
    """

    RESPONSE = "response"
    ARRIVAL = "arrival"
    COMPLETION = "completion"
    SPECIAL_REPLY = "special_reply"
    COMPLAINT_FIRST_FEEDBACK = "complaint_first_feedback"
    COMPLAINT_FINAL_REPLY = "complaint_final_reply"
    RETURN_VISIT = "return_visit"


class TimeBasis(StrEnum):
    """``calendar``: around the clock. ``working``: the project's business hours on its
    working days (Chinese statutory holidays and make-up days applied)."""

    CALENDAR = "calendar"
    WORKING = "working"


class PauseReason(StrEnum):
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_PARTS = "waiting_parts"
    APPOINTMENT = "appointment"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


@dataclass(frozen=True)
class ClockRule:
    """How one clock counts. Exactly one of ``duration`` and ``same_day`` is set.

    - ``duration``: the budget, counted in ``basis`` time (positive);
    - ``same_day``: due at the end of the start's local day; with ``cutoff``, a start later
      than the cutoff (local time) is due at the closing time of the next working day;
    - ``pauses_on``: the pause reasons that stop this clock; others are ignored;
    - ``warn_before``: wall-clock time before the deadline at which the escalation sweep
      warns the assignee (``ClockStatus.warn_at``).
    """

    kind: ClockKind
    basis: TimeBasis
    duration: dt.timedelta | None = None
    same_day: bool = False
    cutoff: dt.time | None = None
    pauses_on: frozenset[PauseReason] = field(default_factory=frozenset)
    warn_before: dt.timedelta = _ZERO

    def __post_init__(self) -> None:
        if (self.duration is None) == (not self.same_day):
            raise ValueError("Exactly one of duration and same_day must be set")
        if self.duration is not None and self.duration <= _ZERO:
            raise ValueError("duration must be positive")
        if self.cutoff is not None and not self.same_day:
            raise ValueError("cutoff applies to same-day clocks only")
        if self.cutoff is not None and self.cutoff.tzinfo is not None:
            raise ValueError("cutoff is a local wall-clock time without a time zone")
        if self.warn_before < _ZERO:
            raise ValueError("warn_before must not be negative")


@dataclass(frozen=True)
class Pause:
    """A pause of the ticket; ``end`` is ``None`` while it lasts."""

    reason: PauseReason
    start: dt.datetime
    end: dt.datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, "Pause.start")
        if self.end is not None:
            _require_aware(self.end, "Pause.end")
            if self.end < self.start:
                raise ValueError("A pause cannot end before it starts")


@dataclass(frozen=True)
class ClockStatus:
    """A clock as seen at ``now``.

    - ``due_at``: the deadline; while paused, the deadline if the clock were resumed now;
    - ``remaining``: ``due_at`` minus ``now`` (wall clock), negative when overdue; for a
      stopped clock ``due_at`` minus ``stopped_at`` (the margin, negative = late);
    - ``remaining_in_basis``: the same in the clock's own time — working time for working
      clocks (negative = working time overdue). It stays fixed while the clock is paused,
      which is what "resumes with the right remaining time" means;
    - ``paused_total``: wall-clock time of the pauses this clock honours (merged, cut to
      the clock's start and its stop or ``now``);
    - ``breached_at``: the deadline when the state is breached, else ``None``;
    - ``warn_at``: when the sweep should warn (``due_at - rule.warn_before``).
    """

    state: ClockState
    due_at: dt.datetime
    remaining: dt.timedelta
    remaining_in_basis: dt.timedelta
    paused_total: dt.timedelta
    breached_at: dt.datetime | None
    warn_at: dt.datetime
    is_paused: bool


def _zone(project: HasBusinessHours) -> ZoneInfo:
    return ZoneInfo(project.time_zone or "Asia/Shanghai")


def _intervals(
    rule: ClockRule, start: dt.datetime, pauses: Iterable[Pause], until: dt.datetime | None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The honoured pauses as sorted, merged, non-empty intervals within [start, until].

    An open pause needs ``until`` (it lasts up to it); ``until=None`` with an open honoured
    pause raises ``ValueError``.
    """
    raw: list[tuple[dt.datetime, dt.datetime]] = []
    for pause in pauses:
        if pause.reason not in rule.pauses_on:
            continue
        end = pause.end
        if end is None:
            if until is None:
                raise ValueError("An open pause is counted up to `now`; pass now=")
            end = until
        if until is not None:
            end = min(end, until)
        begin = max(pause.start, start)
        if begin < end:
            raw.append((begin, end))
    raw.sort()
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for begin, end in raw:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _base_due(rule: ClockRule, start: dt.datetime, project: HasBusinessHours) -> dt.datetime:
    if rule.same_day:
        # A working-time same-day clock started on a day off (a Saturday, a holiday) is due
        # when the next working day closes; a calendar one at the end of that very day.
        return end_of_local_day(
            start, project, rule.cutoff, working_days_only=rule.basis is TimeBasis.WORKING
        )
    assert rule.duration is not None  # guaranteed by ClockRule validation
    if rule.basis is TimeBasis.WORKING:
        return add_working_time(start, rule.duration, project)
    return (start + rule.duration).astimezone(_zone(project))


def _shifted(
    rule: ClockRule,
    due: dt.datetime,
    intervals: list[tuple[dt.datetime, dt.datetime]],
    project: HasBusinessHours,
) -> dt.datetime:
    # Budget model: walk the pauses in order; one that starts before the current deadline
    # gives back the time it covered. Later pauses cannot move a deadline already passed.
    for begin, end in intervals:
        if begin >= due:
            break
        if rule.basis is TimeBasis.WORKING:
            covered = working_time_between(begin, end, project)
            # A pause over a night or a day off covers no working time: keep the deadline
            # (add_working_time(…, 0) would move a closing-time deadline to the next opening).
            if covered > _ZERO:
                due = add_working_time(due, covered, project)
        else:
            due = due + (end - begin)
    return due.astimezone(_zone(project))


def due_at(
    rule: ClockRule,
    start: dt.datetime,
    project: HasBusinessHours,
    pauses: Iterable[Pause] = (),
    *,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """The deadline of a clock started at ``start``, given the ticket's ``pauses``.

    Only pauses whose reason the rule lists count. Closed pauses move the deadline by the
    time they covered (working time on working clocks); an open pause counts up to ``now``,
    so ``now`` is required when one is open (``ValueError`` otherwise). Returned in the
    project's time zone.
    """
    _require_aware(start, "start")
    if now is not None:
        _require_aware(now, "now")
    intervals = _intervals(rule, start, pauses, now)
    return _shifted(rule, _base_due(rule, start, project), intervals, project)


def _in_basis(
    rule: ClockRule, ref: dt.datetime, due: dt.datetime, project: HasBusinessHours
) -> dt.timedelta:
    if rule.basis is TimeBasis.CALENDAR:
        return due - ref
    if ref <= due:
        return working_time_between(ref, due, project)
    return -working_time_between(due, ref, project)


def clock_status(
    rule: ClockRule,
    start: dt.datetime,
    project: HasBusinessHours,
    pauses: Iterable[Pause] = (),
    *,
    now: dt.datetime,
    stopped_at: dt.datetime | None = None,
) -> ClockStatus:
    """The state of a clock at ``now``.

    A stopped clock (``stopped_at`` given) is met when stopped at or before its deadline,
    breached when later; pauses after the stop are ignored and an open pause ends at the
    stop. An open clock is paused while an honoured pause is open at ``now`` (its deadline
    is then the one it would have if resumed now), breached once ``now`` is after the
    deadline — unless the pause began before the deadline — and running otherwise.
    """
    for value, name in ((start, "start"), (now, "now")):
        _require_aware(value, name)
    if stopped_at is not None:
        _require_aware(stopped_at, "stopped_at")
        if stopped_at < start:
            raise ValueError("A clock cannot stop before it starts")
    until = stopped_at if stopped_at is not None else now
    pauses = tuple(pauses)
    intervals = _intervals(rule, start, pauses, until)
    base = _base_due(rule, start, project)
    due = _shifted(rule, base, intervals, project)
    paused_total = sum((end - begin for begin, end in intervals), _ZERO)
    is_paused = stopped_at is None and any(
        p.reason in rule.pauses_on and p.start <= now and (p.end is None or p.end > now)
        for p in pauses
    )

    if stopped_at is not None:
        state = ClockState.MET if stopped_at <= due else ClockState.BREACHED
        ref = stopped_at
    else:
        ref = now
        # Paused in time: the open pause (the last interval, ending at now) began before the
        # deadline as it stood without it. Such a clock is not breached while paused, even
        # in the edge case where the pause covered no working time and ``due`` is behind us
        # (a same-day clock paused in the evening across its midnight deadline).
        paused_in_time = (
            is_paused
            and bool(intervals)
            and intervals[-1][1] == now
            and intervals[-1][0] < _shifted(rule, base, intervals[:-1], project)
        )
        if paused_in_time:
            state = ClockState.PAUSED
        elif now > due:
            state = ClockState.BREACHED
        elif is_paused:
            state = ClockState.PAUSED
        else:
            state = ClockState.RUNNING
    return ClockStatus(
        state=state,
        due_at=due,
        remaining=due - ref,
        remaining_in_basis=_in_basis(rule, ref, due, project),
        paused_total=paused_total,
        breached_at=due if state is ClockState.BREACHED else None,
        warn_at=due - rule.warn_before,
        is_paused=is_paused,
    )


# --- defaults ---------------------------------------------------------------------------------


class DefaultProfile(StrEnum):
    """The ticket profiles the shipped defaults cover (later: policy rows chosen by ticket
    kind × category × urgency)."""

    URGENT_REPAIR = "urgent_repair"
    REPAIR = "repair"
    MINOR_REPAIR = "minor_repair"
    SPECIAL_SERVICE = "special_service"
    COMPLAINT = "complaint"


_MIN = dt.timedelta(minutes=1)
_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)

#: Minor repairs reported after 17:00 (local) are due at the end of the next working day.
#: No law or seed text fixes a cut-off; 17:00 is 30 minutes before the default closing time
#: (17:30), the same 30 minutes the ordinary arrival target allows — a later report cannot
#: reasonably be reached and finished within business hours (practice, editable per project).
MINOR_REPAIR_CUTOFF = dt.time(17, 0)

#: Return visit due 3 calendar days after completion. The seed (part 3 §4.1.2, part 4
#: 客户服务 29) requires a return visit for every repair and complaint but sets no period; three
#: days is an assumption from common practice: soon enough that the customer remembers the
#: visit and a repair that failed again shows up as rework, long enough to reach them.
RETURN_VISIT_AFTER = 3 * _DAY

_ALL_PAUSES = frozenset(PauseReason)
_RETURN_VISIT = ClockRule(
    ClockKind.RETURN_VISIT, TimeBasis.CALENDAR, RETURN_VISIT_AFTER, warn_before=_DAY
)

#: Shipped defaults (``/work/shared/domain/defaults.md`` "Service desk"), per profile. Urgent
#: repairs and complaints count calendar time around the clock; ordinary repairs count the
#: project's business hours (defaults.md, "Working time"). Complaint first feedback uses the
#: "target 1 h during working hours"; its "at the latest 24 h" ceiling is not a separate
#: clock here. These become per-project policy rows that an administrator edits.
DEFAULT_RULES: Mapping[DefaultProfile, tuple[ClockRule, ...]] = MappingProxyType(
    {
        DefaultProfile.URGENT_REPAIR: (
            # 30 min arrival (option 15 min): grade-1 practice; lift entrapment in city rules.
            ClockRule(ClockKind.ARRIVAL, TimeBasis.CALENDAR, 30 * _MIN, warn_before=10 * _MIN),
            _RETURN_VISIT,
        ),
        DefaultProfile.REPAIR: (
            ClockRule(ClockKind.RESPONSE, TimeBasis.WORKING, 30 * _MIN, warn_before=10 * _MIN),
            # "30 min or the time agreed with the customer": an appointment pauses arrival.
            ClockRule(
                ClockKind.ARRIVAL,
                TimeBasis.WORKING,
                30 * _MIN,
                pauses_on=frozenset({PauseReason.APPOINTMENT}),
                warn_before=10 * _MIN,
            ),
            _RETURN_VISIT,
        ),
        DefaultProfile.MINOR_REPAIR: (
            ClockRule(ClockKind.RESPONSE, TimeBasis.WORKING, 30 * _MIN, warn_before=10 * _MIN),
            ClockRule(
                ClockKind.ARRIVAL,
                TimeBasis.WORKING,
                30 * _MIN,
                pauses_on=frozenset({PauseReason.APPOINTMENT}),
                warn_before=10 * _MIN,
            ),
            # Seed part 3 §4.1.2: 小修项目当天完成（预约除外）. "By appointment" tickets get a
            # policy of their own; waiting for the customer, parts or an appointment pauses.
            ClockRule(
                ClockKind.COMPLETION,
                TimeBasis.WORKING,
                same_day=True,
                cutoff=MINOR_REPAIR_CUTOFF,
                pauses_on=_ALL_PAUSES,
                warn_before=8 * _HOUR,  # 16:00 for a midnight deadline
            ),
            _RETURN_VISIT,
        ),
        DefaultProfile.SPECIAL_SERVICE: (
            # Seed part 3 §4.5: reply within 24 h, accept or give the reason.
            ClockRule(
                ClockKind.SPECIAL_REPLY, TimeBasis.CALENDAR, 24 * _HOUR, warn_before=4 * _HOUR
            ),
        ),
        DefaultProfile.COMPLAINT: (
            # Seed part 1 §5.7 and practice: at once, target 1 h during working hours.
            ClockRule(
                ClockKind.COMPLAINT_FIRST_FEEDBACK,
                TimeBasis.WORKING,
                _HOUR,
                warn_before=15 * _MIN,
            ),
            # Hangzhou property management regulation §50: final reply within 10 days.
            ClockRule(
                ClockKind.COMPLAINT_FINAL_REPLY,
                TimeBasis.CALENDAR,
                10 * _DAY,
                warn_before=2 * _DAY,
            ),
            _RETURN_VISIT,
        ),
    }
)


def default_rule(profile: DefaultProfile, kind: ClockKind) -> ClockRule:
    """The shipped default rule of ``kind`` for ``profile`` (``KeyError`` if none)."""
    for rule in DEFAULT_RULES[profile]:
        if rule.kind is kind:
            return rule
    raise KeyError(f"No default {kind} clock for {profile}")
