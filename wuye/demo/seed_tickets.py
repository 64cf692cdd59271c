"""Synthetic service-desk tickets at scale for the benchmark (``wuye seed --tickets N``).

Unlike the demo (:mod:`wuye.demo.tickets`, which plays every ticket through the services),
a million tickets are written directly, in bulk: ``COPY`` on PostgreSQL, ``executemany`` in
chunks on SQLite (:func:`wuye.demo.seed._insert`). The rows are what the services would
have written:

- **Projects**: one bench project per :data:`TICKETS_PER_PROJECT` tickets (``tk01``,
  ``tk02``, …), each with :data:`UNITS_PER_PROJECT` units and owners (``seed_units``), the
  default categories and SLA policies (``desk_install_defaults``), a desk user, a team of
  technicians, and the project manager ``bench-tkNN`` (API token on first run).
- **Tickets** over the last :data:`SPAN_DAYS` days, by time of day like the demo's; kinds,
  urgencies and categories mixed as in the demo; numbers ``BX-YYYYMMDD-NNNN`` counted per
  project and local day (the ``TicketSequence`` rows are written too, so that tickets created
  afterwards through the API continue the count).
- **States** by age: most old tickets are closed (some cancelled); about
  :data:`OPEN_SHARE` of all tickets are open, most of them recent, some old backlog
  (completed and waiting for the return visit, paused for parts, complaints in handling).
- **Events**: one per transition of each ticket's path (registered → … → closed).
- **Clocks**: every ticket's clocks per the default rules of its kind and urgency. Running
  clocks (open tickets) are computed exactly by the SLA engine (``sla.clock_status`` with
  the project's calendar and pauses), as the escalation sweep will recompute them;
  stopped clocks of finished tickets are judged met/breached against a calendar-time
  approximation of the deadline (working-time arithmetic on three million historic clocks
  would cost minutes and change nothing the benchmark measures).
- **Pauses** (waiting for parts or the customer, appointments), **return visits** (with
  unreachable attempts and unsatisfied customers), **rework** tickets reopened from an
  earlier one of the same unit and category, and **fees** of paid home repairs.

Deterministic for a given ``now`` (one seeded ``random.Random``); idempotent (a project set
that already holds N tickets gets nothing more; a larger N adds the missing ones). Each
chunk of :data:`CHUNK` tickets is committed on its own, so an interrupted run is topped up
by the next.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import logging
import math
import random
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from wuye.accounts.models import Membership, Role, User
from wuye.audit.services import audit_record
from wuye.demo.data import tickets as data
from wuye.demo.seed import _insert, seed_units
from wuye.places.models import Occupancy, Project, Relation
from wuye.servicedesk import sla
from wuye.servicedesk.models import (
    Category,
    ReturnVisit,
    Team,
    Ticket,
    TicketClock,
    TicketEscalation,
    TicketEvent,
    TicketPause,
    TicketSequence,
)
from wuye.servicedesk.policies import default_rules, desk_install_defaults

logger = logging.getLogger(__name__)

TICKETS_PER_PROJECT = 40_000
UNITS_PER_PROJECT = 2_000
TECHS_PER_PROJECT = 8
SPAN_DAYS = 3 * 365
OPEN_SHARE = 0.06
CHUNK = 10_000
SEED = 20261125
#: Escalation levels that came due in this last stretch before ``now`` are left for the
#: benchmark's sweep to record (as if the worker had been down that long); older ones are
#: seeded as already recorded, as a running system would have them.
SWEEP_BACKLOG = dt.timedelta(minutes=10)
SECOND_LEVEL_AFTER = dt.timedelta(hours=2)  # the DeskSettings default
_ONE_MINUTE = dt.timedelta(minutes=1)

K = sla.ClockKind
_UTC = dt.UTC
_HOUR_WEIGHTS = (1, 0, 0, 0, 0, 1, 2, 6, 11, 12, 11, 9, 6, 8, 10, 10, 9, 8, 7, 6, 5, 3, 2, 1)
_KINDS = (  # kind, share (%)
    ("repair_unit", 38),
    ("repair_public", 18),
    ("home_repair", 9),
    ("special_service", 4),
    ("complaint", 13),
    ("inquiry", 11),
    ("suggestion", 4),
    ("praise", 3),
)
_KIND_TOPICS = {
    "repair_unit": ("water", "water", "power", "doors", "hvac"),
    "repair_public": ("power", "lift", "doors", "public", "cleaning", "greening", "water"),
    "home_repair": ("water", "power", "doors"),
    "special_service": ("cleaning", "public"),
    "complaint": ("noise", "parking", "cleaning", "service", "greening", "security"),
    "inquiry": ("service",),
    "suggestion": ("service",),
    "praise": ("service",),
}
_TEXTS = {
    "repair_unit": [t for _, t in data.UNIT_REPAIRS],
    "repair_public": [t for _, t, _ in data.PUBLIC_REPAIRS],
    "home_repair": [t for _, t, _ in data.HOME_REPAIRS],
    "special_service": [t for _, t, _ in data.SPECIAL_SERVICES],
    "complaint": [t for _, t in data.COMPLAINTS],
    "inquiry": list(data.INQUIRIES),
    "suggestion": list(data.SUGGESTIONS),
    "praise": list(data.PRAISES),
}
_WORK = ("repair_unit", "repair_public", "home_repair", "special_service")
_ANSWER = ("inquiry", "suggestion", "praise")
_FEES = (Decimal("45.00"), Decimal("75.00"), Decimal("80.00"), Decimal("105.00"), Decimal("170.00"))
_PREFIX = {"complaint": "TS", "inquiry": "ZX", "suggestion": "ZX", "praise": "ZX"}


@dataclass
class TicketSeedResult:
    projects: list[Project]
    tickets_before: int
    tickets_created: int
    user: User  # manager of the first project: the API benchmark's caller
    token_secret: str | None  # only when that user was created by this run
    seconds: float
    rows: Counter[str] = field(default_factory=Counter)

    @property
    def tickets_total(self) -> int:
        return self.tickets_before + self.tickets_created


@dataclass
class _Site:
    """What the generator needs of one bench project."""

    project: Project
    zone: ZoneInfo
    desk_id: int
    manager_id: int
    tech_ids: list[int]
    team_id: int
    categories: dict[str, int]  # topic → category id
    homes: list[tuple[int, int, int, str, str]]  # unit, building, occupant, name, mobile
    buildings: list[tuple[int, str]]
    recent: deque[tuple[int, dt.datetime, int | None, int | None, str]] = field(
        default_factory=lambda: deque(maxlen=400)
    )  # finished tickets: id, finished at, unit, category, kind


# --- setup -------------------------------------------------------------------------------------


def _site(project: Project, hashed: str) -> _Site:
    desk_install_defaults(project=project)
    code = project.code
    wanted = [(f"bench-{code}-desk", Role.CUSTOMER_SERVICE, "客服")]
    wanted += [
        (f"bench-{code}-tech{n}", Role.ENGINEERING, f"维修{n}号")
        for n in range(1, TECHS_PER_PROJECT + 1)
    ]
    have = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    new = [
        User(username=name, display_name=label, password=hashed)
        for name, _role, label in wanted
        if name not in have
    ]
    if new:
        User.objects.bulk_create(new)
        created_names = {u.username for u in new}
        have = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
        Membership.objects.bulk_create(
            Membership(user=have[name], role=role, project=project, company=project.company)
            for name, role, _label in wanted
            if name in created_names
        )
    techs = [have[name] for name, role, _ in wanted if role == Role.ENGINEERING]
    team, created = Team.objects.get_or_create(
        project=project, name="维修班", defaults={"leader": techs[0]}
    )
    if created:
        team.members.set(techs)
    manager = User.objects.get(username=f"bench-{code}")
    codes = {c.code: c.pk for c in Category.objects.filter(project=project)}
    categories = {}
    for topic, candidates in data.TOPIC_CATEGORIES.items():
        found = next((codes[c] for c in candidates if c in codes), None)
        if found is not None:
            categories[topic] = found
    homes = [
        (o.unit_id, o.unit.building_id, o.occupant_id, o.occupant.name, o.occupant.mobile)
        for o in Occupancy.objects.filter(
            unit__project=project, relation=Relation.OWNER, end_date__isnull=True
        )
        .select_related("unit", "occupant")
        .only("unit_id", "occupant_id", "unit__building_id", "occupant__name", "occupant__mobile")
        .order_by("unit_id")
    ]
    buildings = list(project.buildings.order_by("id").values_list("id", "name"))
    return _Site(
        project=project,
        zone=ZoneInfo(project.time_zone or "Asia/Shanghai"),
        desk_id=have[wanted[0][0]].pk,
        manager_id=manager.pk,
        tech_ids=[t.pk for t in techs],
        team_id=team.pk,
        categories=categories,
        homes=homes,
        buildings=buildings,
    )


# --- values as the database wants them ------------------------------------------------------


class _Adapt:
    """Database-ready values, prepared once per distinct input where possible."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self._durations: dict[dt.timedelta | None, Any] = {}
        self._field_duration = TicketClock._meta.get_field("duration")

    def at(self, value: dt.datetime | None) -> Any:
        """``value`` is in UTC (every moment the generator makes is): SQLite gets Django's
        text form, naive UTC, without converting."""
        if value is None or self.postgres:
            return value
        return str(value)[:-6]  # "YYYY-MM-DD HH:MM:SS[.ffffff]+00:00" without the offset

    def duration(self, value: dt.timedelta | None) -> Any:
        if value not in self._durations:
            self._durations[value] = self._field_duration.get_db_prep_save(value, connection)
        return self._durations[value]

    def time(self, value: dt.time | None) -> Any:
        return connection.ops.adapt_timefield_value(value)

    def money(self, value: Decimal) -> Any:
        return connection.ops.adapt_decimalfield_value(value, 10, 2)

    def day(self, value: dt.date) -> Any:
        return connection.ops.adapt_datefield_value(value)


# --- one ticket's path ------------------------------------------------------------------------


@dataclass
class _Step:
    state: str
    at: dt.datetime
    code: str
    actor: int | None


def _minutes(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(minutes=rng.uniform(low, high))


def _path(
    rng: random.Random, kind: str, created: dt.datetime, tech: int, site: _Site
) -> list[_Step]:
    """The transitions a ticket goes through when nothing stops it (cancelling aside)."""
    desk = site.desk_id
    steps = [_Step("registered", created, "registered", desk)]
    t = created
    late = rng.random() < 0.1

    def step(state: str, code: str, actor: int | None, low: float, high: float) -> None:
        nonlocal t
        t = t + _minutes(rng, low, high)
        steps.append(_Step(state, t, code, actor))

    if kind == "complaint":
        step("acknowledged", "acknowledged", desk, 5, 200 if late else 50)
        step("handling", "started", desk, 30, 180)
        step("result_reported", "result_reported", desk, 600, 15 * 1440 if late else 5 * 1440)
        step("completed", "confirmed", desk, 60, 2880)
    elif kind in _ANSWER:
        step("dispatched", "dispatched", desk, 5, 60)
        step("accepted", "accepted", site.manager_id, 5, 120)
        step("completed", "completed", site.manager_id, 10, 240)
        step("closed", "closed", desk, 5, 120)
        return steps
    else:
        step("dispatched", "dispatched", desk, 1, 90 if late else 8)
        step("accepted", "accepted", tech, 1, 6)
        step("arrived", "arrived", tech, 4, 120 if late else 18)
        step("in_progress", "started", tech, 1, 5)
        if rng.random() < 0.06:
            step("paused", "paused", tech, 10, 40)
            step("in_progress", "resumed", tech, 240, 1800)
        step("completed", "completed", tech, 15, 1500 if rng.random() < 0.05 else 90)
    if rng.random() < 0.08:  # an unreachable attempt first
        step("completed", "return_visit_attempted", desk, 60, 1440)
    step("return_visited", "return_visited", desk, 60, 5 * 1440 if rng.random() < 0.05 else 1500)
    step("closed", "closed", desk, 10, 1440)
    return steps


_OPEN_WORK = (
    "registered",
    "dispatched",
    "accepted",
    "arrived",
    "in_progress",
    "paused",
    "completed",
    "return_visited",
)
_OPEN_WORK_WEIGHTS = (10, 14, 10, 5, 12, 12, 27, 10)
_OPEN_COMPLAINT = ("registered", "acknowledged", "handling", "result_reported", "completed")
_OPEN_COMPLAINT_WEIGHTS = (8, 20, 40, 17, 15)
# Open for more than 30 days: mostly waiting for the return visit or for closing, a few
# forgotten in the field (no month-long pauses: a pause is short or the ticket moves on).
_BACKLOG_WORK_WEIGHTS = (3, 5, 2, 1, 4, 0, 55, 30)
_BACKLOG_COMPLAINT_WEIGHTS = (0, 5, 50, 30, 15)
_BACKLOG_AFTER = dt.timedelta(days=30)


def _open_probability(age: dt.timedelta) -> float:
    days = age.total_seconds() / 86_400
    if days < 1:
        return 0.75
    if days < 3:
        return 0.4
    if days < 14:
        return 0.15
    return 0.047  # the backlog: waiting for a return visit, parts, a complaint's result


def _truncate(
    steps: list[_Step], target: str, now: dt.datetime, rng: random.Random, tech: int
) -> list[_Step]:
    """The path up to the first step reaching ``target`` and not beyond now; a ``paused``
    ticket is paused right after work started."""
    wanted = "in_progress" if target == "paused" else target
    kept = []
    for s in steps:
        if s.at > now:
            break
        kept.append(s)
        if s.state == wanted and s.code not in ("return_visit_attempted", "resumed"):
            break
    if target == "paused" and kept[-1].state == "in_progress" and kept[-1].at < now:
        at = min(now, kept[-1].at + _minutes(rng, 10, 40))
        kept.append(_Step("paused", at, "paused", tech))
    return kept


# --- the generator ------------------------------------------------------------------------------


class _Generator:
    def __init__(self, sites: list[_Site], now: dt.datetime, rng: random.Random) -> None:
        self.sites = sites
        self.now = now.astimezone(_UTC)
        self.rng = rng
        self.adapt = _Adapt()
        self.sequences: dict[tuple[int, dt.date], int] = {}
        self.rows: Counter[str] = Counter()
        self._empty = self._json({})
        self._pauses_cache: dict[frozenset[sla.PauseReason], str] = {}
        self.next_clock_id = 1

    def _json(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))

    def number(self, site: _Site, kind: str, created: dt.datetime) -> tuple[str, dt.date]:
        day = created.astimezone(site.zone).date()
        key = (site.project.pk, day)
        n = self.sequences.get(key, 0) + 1
        self.sequences[key] = n
        return f"{_PREFIX.get(kind, 'BX')}-{day:%Y%m%d}-{n:04d}", day

    def chunk(
        self, first_id: int, moments: Sequence[dt.datetime]
    ) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {
            "ticket": [], "event": [], "clock": [], "pause": [], "visit": [], "escalation": [],
        }  # fmt: skip
        for offset, created in enumerate(moments):
            self._ticket(first_id + offset, created, out)
        for name, rows in out.items():
            self.rows[name] += len(rows)
        return out

    def _ticket(self, pk: int, created: dt.datetime, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng, now, a = self.rng, self.now, self.adapt
        site = self.sites[rng.randrange(len(self.sites))]
        kind = rng.choices([k for k, _ in _KINDS], [w for _, w in _KINDS])[0]
        topic = rng.choice(_KIND_TOPICS[kind])
        urgency = "normal"
        if kind in ("repair_unit", "repair_public"):
            roll = rng.random()
            urgency = "urgent" if roll < 0.04 else "appointment" if roll < 0.12 else "normal"
        unit = building = occupant = None
        name = phone = place = ""
        reopened_from = None
        if kind in ("repair_unit", "home_repair", "special_service") or (
            kind != "repair_public" and rng.random() < 0.7
        ):
            # Rework: the same unit and category again, reopened from a finished ticket.
            if kind in ("repair_unit", "home_repair") and site.recent and rng.random() < 0.03:
                candidate = site.recent[rng.randrange(len(site.recent))]
                if candidate[4] == kind and candidate[1] < created and candidate[2] is not None:
                    reopened_from = candidate[0]
                    unit = candidate[2]
            home = next((h for h in site.homes if h[0] == unit), None) if unit else None
            home = home or site.homes[rng.randrange(len(site.homes))]
            unit, building, occupant, name, phone = home
        elif site.buildings:
            building, building_name = site.buildings[rng.randrange(len(site.buildings))]
            place = f"{building_name}公共区域"
        category = site.categories.get(topic)
        if reopened_from is not None:
            category = next(c[3] for c in site.recent if c[0] == reopened_from)
        tech = site.tech_ids[rng.randrange(len(site.tech_ids))]
        steps = _path(rng, kind, created, tech, site)
        # Where it stands now: finished (or cancelled) unless the age says open.
        age = now - created
        if rng.random() < _open_probability(age):
            backlog = age > _BACKLOG_AFTER
            if kind == "complaint":
                target = rng.choices(
                    _OPEN_COMPLAINT,
                    _BACKLOG_COMPLAINT_WEIGHTS if backlog else _OPEN_COMPLAINT_WEIGHTS,
                )[0]
            elif kind in _ANSWER:
                target = rng.choice(("registered", "dispatched", "accepted"))
            else:
                target = rng.choices(
                    _OPEN_WORK, _BACKLOG_WORK_WEIGHTS if backlog else _OPEN_WORK_WEIGHTS
                )[0]
            steps = _truncate(steps, target, now, rng, tech)
        elif kind != "complaint" and rng.random() < 0.04:
            # Cancelled before the work started (a duplicate, fixed by the customer, …).
            steps = _truncate(steps[: rng.choice((1, 2))], "closed", now, rng, tech)
            at = min(now, steps[-1].at + _minutes(rng, 10, 300))
            steps.append(_Step("cancelled", at, "cancelled", site.desk_id))
        else:
            steps = _truncate(steps, "closed", now, rng, tech)
        state = steps[-1].state
        by_state = {s.state: s.at for s in steps}
        number, _day = self.number(site, kind, created)
        completed_at = by_state.get("completed")
        closed_at = by_state.get("closed") or by_state.get("cancelled")
        visited = next((s for s in steps if s.code == "return_visited"), None)
        assignee = None
        if kind == "complaint" and "acknowledged" in by_state:
            assignee = site.desk_id
        elif kind in _ANSWER and "dispatched" in by_state:
            assignee = site.manager_id
        elif "dispatched" in by_state:
            assignee = tech
        outcome, rating = "", None
        if visited is not None:
            happy = rng.random() < 0.92
            outcome = "satisfied" if happy else "not_satisfied"
            rating = rng.choice((4, 5, 5, 5)) if happy else rng.choice((1, 2))
        fee_state, fee_total, fee_confirmed_at, receipt, paid_at = (
            "",
            Decimal("0.00"),
            None,
            "",
            None,
        )
        if kind == "home_repair" and "arrived" in by_state:
            fee_total = rng.choice(_FEES)
            fee_state = "proposed"
            if "in_progress" in by_state:
                fee_state, fee_confirmed_at = "confirmed", by_state["in_progress"]
            if completed_at is not None:
                fee_state, paid_at = "paid", completed_at + _minutes(rng, 1, 30)
                receipt = "SJ-" + number.split("-", 1)[1]
        pause_open = state == "paused"
        last = steps[-1].at
        out["ticket"].append((
            pk, site.project.pk, number, kind, category, urgency, unit, building, place, "phone",
            occupant, name, phone, phone[-4:], rng.choice(_TEXTS[kind]), state,
            "in_progress" if pause_open else "", assignee,
            a.at(created + dt.timedelta(days=1)) if urgency == "appointment" else None,
            site.team_id if kind in _WORK and assignee is not None else None,
            fee_state, a.money(fee_total), a.at(fee_confirmed_at), receipt, a.at(paid_at),
            reopened_from, a.at(completed_at), a.at(closed_at),
            "业主已自行处理" if state == "cancelled" else "", outcome, rating, site.desk_id, None,
            a.at(created), a.at(last),
        ))  # fmt: skip
        # events
        previous = ""
        for s in steps:
            to = s.state if s.state != previous else ""
            out["event"].append((
                a.at(s.at), s.actor, f"servicedesk.ticket.{s.code}", "", pk,
                previous if to else "", to, self._empty,
            ))  # fmt: skip
            previous = s.state
        # pauses
        pauses: list[sla.Pause] = []
        for before, s in zip(steps, steps[1:], strict=False):
            if s.code == "paused":
                reason = rng.choice(("waiting_parts", "waiting_parts", "waiting_customer"))
                end = next((x.at for x in steps if x.code == "resumed" and x.at > s.at), None)
                pauses.append(sla.Pause(sla.PauseReason(reason), s.at, end))
                out["pause"].append((pk, reason, a.at(s.at), a.at(end)))
            del before
        # return visits
        for s in steps:
            if s.code == "return_visit_attempted":
                out["visit"].append(
                    (pk, a.at(s.at), site.desk_id, "phone", "unreachable", None, "", "")
                )
            elif s.code == "return_visited":
                method = "portal" if rng.random() < 0.15 else "phone"
                out["visit"].append((pk, a.at(s.at), site.desk_id, method, outcome, rating, "", ""))
        self._clocks(pk, site, kind, urgency, steps, by_state, pauses, assignee, out)
        if completed_at is not None and kind in ("repair_unit", "home_repair") and unit is not None:
            site.recent.append((pk, completed_at, unit, category, kind))

    def _clocks(
        self,
        pk: int,
        site: _Site,
        kind: str,
        urgency: str,
        steps: list[_Step],
        by_state: dict[str, dt.datetime],
        pauses: list[sla.Pause],
        assignee: int | None,
        out: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        a = self.adapt
        cancelled = by_state.get("cancelled")
        completed = by_state.get("completed")
        stops = {
            K.RESPONSE: by_state.get("accepted") or completed,
            K.ARRIVAL: by_state.get("arrived") or completed,
            K.COMPLETION: completed,
            K.SPECIAL_REPLY: by_state.get("accepted") or cancelled,
            K.COMPLAINT_FIRST_FEEDBACK: by_state.get("acknowledged"),
            K.COMPLAINT_FINAL_REPLY: completed,
            K.RETURN_VISIT: by_state.get("return_visited"),
        }
        for kind_of_clock, rule in default_rules(kind, urgency).items():
            start = steps[0].at
            if kind_of_clock is K.RETURN_VISIT:
                if completed is None:
                    continue
                start = completed
            stop = stops[kind_of_clock]
            voided = False
            if stop is None and cancelled is not None:
                stop, voided = cancelled, True
            if stop is not None:
                due = _approximate_due(rule, start, site.zone)
                state = "met" if stop <= due else "breached"
                breached_at = due if state == "breached" else None
                warn = due - rule.warn_before
            elif any(p.end is None and p.reason in rule.pauses_on for p in pauses):
                # Paused (recent tickets only): the engine's "due if resumed now".
                status = sla.clock_status(rule, start, site.project, pauses, now=self.now)
                due, warn, state, breached_at = (
                    status.due_at, status.warn_at, status.state.value, status.breached_at,
                )  # fmt: skip
                due, warn = due.astimezone(_UTC), warn.astimezone(_UTC)
                breached_at = breached_at.astimezone(_UTC) if breached_at else None
            else:
                # Running: the engine's deadline; breached once now is past it. (The full
                # clock_status would also count the remaining working time up to now, which
                # for a clock of a ticket open for months walks every day in between.)
                due = sla.due_at(rule, start, site.project, pauses).astimezone(_UTC)
                warn = due - rule.warn_before
                state = "breached" if self.now > due else "running"
                breached_at = due if state == "breached" else None
            clock_id = self.next_clock_id
            self.next_clock_id += 1
            out["clock"].append((
                clock_id, pk, rule.kind.value, rule.basis.value, a.duration(rule.duration),
                rule.same_day, a.time(rule.cutoff), self._pauses_on(rule),
                a.duration(rule.warn_before), a.at(start), a.at(stop), voided, a.at(due),
                a.at(warn), state, a.at(breached_at),
            ))  # fmt: skip
            if stop is None and state != "paused":
                recipient = (
                    site.desk_id if rule.kind is K.RETURN_VISIT else assignee or site.desk_id
                )
                self._escalations(clock_id, pk, due, warn, recipient, site.manager_id, out)

    def _escalations(
        self,
        clock_id: int,
        ticket_id: int,
        due: dt.datetime,
        warn: dt.datetime,
        recipient: int,
        manager: int,
        out: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        """The levels the every-minute sweep has already recorded for a running clock: all
        those due before :data:`SWEEP_BACKLOG` ago (the sweep measured by the benchmark
        records the rest)."""
        a = self.adapt
        cutoff = self.now - SWEEP_BACKLOG
        levels = []
        if warn < due and warn <= cutoff:
            levels.append(("warn", warn, recipient))
        if due < cutoff:
            levels.append(("breach", due, recipient))
        if due + SECOND_LEVEL_AFTER < cutoff:
            levels.append(("second", due + SECOND_LEVEL_AFTER, manager))
        for level, at, user in levels:
            out["escalation"].append(
                (clock_id, ticket_id, level, a.at(at + _ONE_MINUTE), self._json([user]))
            )

    def _pauses_on(self, rule: sla.ClockRule) -> str:
        key = rule.pauses_on
        if key not in self._pauses_cache:
            self._pauses_cache[key] = self._json(sorted(r.value for r in rule.pauses_on))
        return self._pauses_cache[key]


def _approximate_due(rule: sla.ClockRule, start: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The deadline in calendar time (historic clocks only, see the module docstring)."""
    if rule.same_day:
        local = start.astimezone(zone)
        if rule.cutoff is not None and local.time() > rule.cutoff:
            return dt.datetime.combine(
                local.date() + dt.timedelta(days=1), dt.time(17, 30), tzinfo=zone
            ).astimezone(_UTC)
        return dt.datetime.combine(local.date(), dt.time.max, tzinfo=zone).astimezone(_UTC)
    assert rule.duration is not None
    return start + rule.duration


# --- moments ---------------------------------------------------------------------------------------


def _moments(rng: random.Random, count: int, now: dt.datetime, zone: ZoneInfo) -> list[dt.datetime]:
    """``count`` reporting moments over the last :data:`SPAN_DAYS` days, sorted, by the hour
    weights of the day."""
    today = now.astimezone(zone).date()
    cumulative = []
    total = 0
    for w in _HOUR_WEIGHTS:
        total += w
        cumulative.append(total)
    moments: list[dt.datetime] = []
    while len(moments) < count:
        day = today - dt.timedelta(days=rng.randrange(SPAN_DAYS))
        hour = bisect.bisect_right(cumulative, rng.random() * total)
        moment = dt.datetime.combine(
            day, dt.time(min(hour, 23), rng.randrange(60), rng.randrange(60)), tzinfo=zone
        )
        if moment < now:
            moments.append(moment.astimezone(_UTC))
    moments.sort()
    return moments


# --- the seeder --------------------------------------------------------------------------------------

_TICKET_COLUMNS = [
    "id", "project_id", "number", "kind", "category_id", "urgency", "unit_id", "building_id",
    "place", "channel", "reporter_id", "reporter_name", "reporter_phone", "reporter_phone_tail",
    "description", "state", "resume_state", "assignee_id", "appointment_at", "team_id",
    "fee_state", "fee_total", "fee_confirmed_at", "receipt_number", "paid_at",
    "reopened_from_id", "completed_at", "closed_at", "cancel_reason", "return_visit_outcome",
    "rating", "created_by_id", "idempotency_key", "created_at", "updated_at",
]  # fmt: skip
_EVENT_COLUMNS = ["at", "actor_id", "code", "note", "ticket_id", "from_state", "to_state", "data"]
_CLOCK_COLUMNS = [
    "id",
    "ticket_id", "kind", "basis", "duration", "same_day", "cutoff", "pauses_on", "warn_before",
    "started_at", "stopped_at", "voided", "due_at", "warn_at", "state", "breached_at",
]  # fmt: skip
_PAUSE_COLUMNS = ["ticket_id", "reason", "started_at", "ended_at"]
_ESCALATION_COLUMNS = ["clock_id", "ticket_id", "level", "at", "recipients"]
_VISIT_COLUMNS = [
    "ticket_id",
    "at",
    "actor_id",
    "method",
    "outcome",
    "rating",
    "comment",
    "follow_up",
]


BENCH_ADMIN = "bench-admin"
SEEDED_ACTION = "demo.bench.tickets_seeded"


def _bench_admin(project: Project) -> User:
    """A company admin of the bench company: reports over every bench project."""
    admin = User.objects.filter(username=BENCH_ADMIN).first()
    if admin is None:
        admin = User.objects.create_user(username=BENCH_ADMIN, display_name="基准测试管理员")
    Membership.objects.get_or_create(
        user=admin, role=Role.COMPANY_ADMIN, company_id=project.company_id
    )
    return admin


def seed_tickets(
    *,
    tickets: int,
    now: dt.datetime | None = None,
    per_project: int = TICKETS_PER_PROJECT,
    units_per_project: int = UNITS_PER_PROJECT,
) -> TicketSeedResult:
    """Make the bench projects ``tk01``… hold at least ``tickets`` tickets in total (see the
    module docstring). Returns what was done; the API token secret only on first run."""
    started = time.monotonic()
    now = now or timezone.now()
    count = max(1, math.ceil(tickets / per_project))
    projects: list[Project] = []
    secret = None
    for n in range(1, count + 1):
        result = seed_units(units=units_per_project, project_code=f"tk{n:02d}", now=now)
        projects.append(result.project)
        if n == 1:
            secret = result.token_secret
    user = User.objects.get(username=f"bench-{projects[0].code}")
    _bench_admin(projects[0])
    before = Ticket.objects.filter(project__in=projects).count()
    rows: Counter[str] = Counter()
    if before < tickets:
        rows = _seed(projects, tickets - before, now, seed=SEED + before)
        # The moment the tickets are seeded "as of": the benchmark sweeps and reports then.
        audit_record(
            actor=None,
            action=SEEDED_ACTION,
            instance=projects[0],
            project=projects[0],
            changes={"tickets": [before, before + rows["ticket"]]},
            now=now,
        )
    seconds = time.monotonic() - started
    logger.info(
        "seed: %s tickets (%s new) in %.1fs", before + rows["ticket"], rows["ticket"], seconds
    )
    return TicketSeedResult(projects, before, rows["ticket"], user, secret, seconds, rows)


def _seed(projects: list[Project], missing: int, now: dt.datetime, *, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    hashed = make_password(None)  # unusable: bench staff do not log in
    with transaction.atomic():
        sites = [_site(p, hashed) for p in projects]
    generator = _Generator(sites, now, rng)
    for project_id, day, last in TicketSequence.objects.filter(project__in=projects).values_list(
        "project_id", "day", "last"
    ):
        generator.sequences[(project_id, day)] = last
    moments = _moments(rng, missing, now, sites[0].zone)
    next_id = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    generator.next_clock_id = (
        TicketClock.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ) + 1
    for start in range(0, missing, CHUNK):
        part = moments[start : start + CHUNK]
        out = generator.chunk(next_id + start, part)
        with transaction.atomic():
            _insert(Ticket, _TICKET_COLUMNS, out["ticket"])
            _insert(TicketEvent, _EVENT_COLUMNS, out["event"])
            _insert(TicketClock, _CLOCK_COLUMNS, out["clock"])
            _insert(TicketPause, _PAUSE_COLUMNS, out["pause"])
            _insert(ReturnVisit, _VISIT_COLUMNS, out["visit"])
            _insert(TicketEscalation, _ESCALATION_COLUMNS, out["escalation"])
            _write_sequences(generator, {m.astimezone(sites[0].zone).date() for m in part})
        logger.info("seed: %s of %s tickets", start + len(part), missing)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The ids were given explicitly: move the identity sequences past them.
            for table in (Ticket._meta.db_table, TicketClock._meta.db_table):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            models = (Ticket, TicketEvent, TicketClock, TicketPause, ReturnVisit, TicketEscalation)
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return generator.rows


def _write_sequences(generator: _Generator, days: set[dt.date]) -> None:
    """The per-day counters of ``days`` as they stand now (they only serve numbering)."""
    project_ids = [site.project.pk for site in generator.sites]
    TicketSequence.objects.filter(project_id__in=project_ids, day__in=days).delete()
    a = generator.adapt
    _insert(
        TicketSequence,
        ["project_id", "day", "last"],
        [(p, a.day(day), last) for (p, day), last in generator.sequences.items() if day in days],
    )


def seeded_at(project: Project) -> dt.datetime | None:
    """The ``now`` of the latest ticket seeding of the bench projects (``project``: the first)."""
    from wuye.audit.models import AuditEvent

    return (
        AuditEvent.objects.filter(action=SEEDED_ACTION, project=project)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
