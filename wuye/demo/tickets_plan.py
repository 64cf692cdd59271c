"""Planning the service-desk demo tickets: what is reported, when, by whom, and how each
ticket's story goes (:class:`Spec`). Pure planning from seeded random numbers and the
demo world; :mod:`wuye.demo.tickets` plays the specs through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from wuye.accounts.models import Role, User
from wuye.demo.data import tickets as data
from wuye.places.models import Building, Occupancy, Occupant, Project, Relation, Unit
from wuye.servicedesk.models import (
    Category,
    Channel,
    PriceItem,
    Team,
    Ticket,
    TicketKind,
    TicketState,
    Urgency,
)

K = TicketKind
S = TicketState
_MIN = dt.timedelta(minutes=1)
# Reports per local hour of the day (people call in the morning and after work).
_HOUR_WEIGHTS = (1, 0, 0, 0, 0, 1, 2, 6, 11, 12, 11, 9, 6, 8, 10, 10, 9, 8, 7, 6, 5, 3, 2, 1)


@dataclass
class Spec:
    """One planned ticket: what is reported, when, by whom, and how its story goes."""

    key: str
    kind: str
    topic: str
    text: str
    created: dt.datetime
    urgency: str = Urgency.NORMAL
    channel: str = Channel.PHONE
    place: str = ""
    unit: Unit | None = None
    building: Building | None = None
    reporter: Occupant | None = None
    by_resident: bool = False  # the demo resident, through the portal
    lines: tuple[tuple[str, int], ...] = ()  # price-list lines of a paid ticket
    stop_at: str = ""  # leave the ticket in this state ("fee_proposed": after the proposal)
    quick: bool = False  # steps in calendar minutes (the "now" scenes)
    cancel: str = ""  # "early" | "declined" (the fee)
    pool: bool = False  # dispatched to the team's pool and grabbed
    reassign: bool = False
    slow: bool = False  # dispatched late: response (or special-service reply) breached
    late: bool = False  # arrival breached
    parts: bool = False  # paused waiting for parts
    overrun: bool = False  # completion breached
    materials: bool = False  # materials recorded on a free repair
    markup: bool = False  # fee above the price list
    visit: str = "satisfied"  # see _visit
    slow_visit: bool = False  # return visit after its clock ran out
    close: bool = True
    reopen: bool = False
    unhappy_once: bool = False  # complaint: not satisfied with the first result
    late_ack: bool = False  # complaint: first feedback breached
    long_handling: bool = False  # complaint: final reply breached


@dataclass
class Crew:
    desk: User
    closer: User  # quality checks and closes
    manager: User
    by_role: dict[str, list[User]]

    def field(self, role: str) -> list[User]:
        return self.by_role.get(role) or self.by_role.get(Role.ENGINEERING) or [self.manager]


@dataclass
class Context:
    project: Project
    now: dt.datetime
    zone: ZoneInfo
    crew: Crew
    categories: dict[str, Category]
    prices: dict[str, PriceItem]
    teams: dict[str, Team]  # topic → team
    resident: User | None
    touched: list[Ticket] = field(default_factory=list)


# --- planning --------------------------------------------------------------------------------


@dataclass
class Places:
    homes: list[tuple[Unit, Occupant]]  # occupied units and who lives there
    buildings: list[Building]
    resident_home: tuple[Unit, Occupant] | None

    def home(
        self, rng: random.Random, trouble: Sequence[tuple[Unit, Occupant]]
    ) -> tuple[Unit, Occupant]:
        # Some homes call again and again (repeat locations and "same unit + category" rework).
        if trouble and rng.random() < 0.2:
            return rng.choice(trouble)
        return rng.choice(self.homes)


def places_of(project: Project, resident: User | None) -> Places:
    homes: dict[int, tuple[Unit, Occupant]] = {}
    occupancies = (
        Occupancy.objects.filter(unit__project=project, end_date__isnull=True)
        .select_related("unit__building", "occupant")
        .order_by("unit_id", "id")
    )
    for o in occupancies:
        # Tenants (who live there) report before owners; family members do not call here.
        if o.relation == Relation.TENANT or (
            o.relation == Relation.OWNER and o.unit_id not in homes
        ):
            homes[o.unit_id] = (o.unit, o.occupant)
    resident_home = None
    if resident is not None:
        resident_home = next((h for h in homes.values() if h[1].user_id == resident.pk), None)
    return Places(
        homes=list(homes.values()),
        buildings=list(Building.objects.filter(project=project).order_by("id")),
        resident_home=resident_home,
    )


def _moment(rng: random.Random, zone: ZoneInfo, now: dt.datetime, days: int) -> dt.datetime:
    """A reporting moment within the last ``days`` days, before now."""
    today = now.astimezone(zone).date()
    while True:
        day = today - dt.timedelta(days=rng.randrange(days))
        hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
        moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=zone)
        if moment < now - 10 * _MIN:
            return moment


def _place(
    rng: random.Random, text: str, buildings: Sequence[Building]
) -> tuple[str, Building | None]:
    if not buildings or "{b}" not in text:
        return text.replace("{f}", ""), None
    building = rng.choice(buildings)
    floor = rng.randint(1, max(1, building.floors or 1))
    return text.format(b=building.name, f=floor), building


_MIX = (  # kind → share of a project's tickets
    ("unit", 36),
    ("public", 18),
    ("urgent", 4),
    (K.HOME_REPAIR, 9),
    (K.SPECIAL_SERVICE, 4),
    (K.COMPLAINT, 13),
    (K.INQUIRY, 9),
    (K.SUGGESTION, 4),
    (K.PRAISE, 3),
)


def plan(ctx: Context, places: Places) -> list[Spec]:
    """The project's tickets: the spread over the last days, the rising complaints, the
    resident's own tickets and the "now" scenes."""
    code = ctx.project.code
    rng = random.Random(f"{data.SEED}:{code}")
    office = ctx.project.kind == "office"
    trouble = rng.sample(places.homes, min(6, len(places.homes)))
    specs = []
    kinds = [k for k, _ in _MIX]
    weights = [w for _, w in _MIX]
    for i in range(data.VOLUME.get(code, 30)):
        created = _moment(rng, ctx.zone, ctx.now, data.DAYS)
        spec = _random_spec(
            rng,
            ctx,
            places,
            trouble,
            f"demo:{code}:{i:04d}",
            rng.choices(kinds, weights)[0],
            created,
            office,
        )
        if spec is not None:
            specs.append(spec)
    if code == "sunshine":
        specs += _rising(rng, ctx, places, trouble)
        specs += _resident(ctx, places)
    specs += _scenes(ctx, places, full=code in ("sunshine", "tower"))
    return specs


def _random_spec(
    rng: random.Random,
    ctx: Context,
    places: Places,
    trouble: Sequence[tuple[Unit, Occupant]],
    key: str,
    mix: str,
    created: dt.datetime,
    office: bool,
) -> Spec | None:
    age = ctx.now - created
    spec: Spec
    if mix in ("unit", K.HOME_REPAIR) and not places.homes:
        mix = "public"
    if mix == "unit":
        unit, occupant = places.home(rng, trouble)
        topic, text = rng.choice(data.OFFICE_REPAIRS if office else data.UNIT_REPAIRS)
        spec = Spec(key, K.REPAIR_UNIT, topic, text, created, unit=unit, reporter=occupant)
    elif mix == "public":
        topic, text, where = rng.choice(
            data.OFFICE_PUBLIC_REPAIRS + data.PUBLIC_REPAIRS[:4] if office else data.PUBLIC_REPAIRS
        )
        place, building = _place(rng, where, places.buildings)
        spec = Spec(key, K.REPAIR_PUBLIC, topic, text, created, place=place, building=building)
        if rng.random() < 0.25:
            spec.channel = Channel.INSPECTION
        elif places.homes:
            spec.reporter = rng.choice(places.homes)[1]
    elif mix == "urgent":
        topic, kind, text, where = rng.choice(data.URGENT)
        place, building = _place(rng, where, places.buildings)
        spec = Spec(
            key, kind, topic, text, created, urgency=Urgency.URGENT, place=place, building=building
        )
        if kind == K.REPAIR_UNIT and places.homes:
            spec.unit, spec.reporter = places.home(rng, trouble)
            spec.building = None
        elif places.homes:
            spec.reporter = rng.choice(places.homes)[1]
    elif mix in (K.HOME_REPAIR, K.SPECIAL_SERVICE):
        topic, text, lines = rng.choice(
            data.HOME_REPAIRS if mix == K.HOME_REPAIR else data.SPECIAL_SERVICES
        )
        if not places.homes:
            return None
        unit, occupant = places.home(rng, trouble)
        spec = Spec(key, mix, topic, text, created, unit=unit, reporter=occupant, lines=lines)
        spec.markup = rng.random() < 0.12
        spec.cancel = "declined" if rng.random() < 0.06 else ""
        spec.slow = mix == K.SPECIAL_SERVICE and rng.random() < 0.2
    elif mix == K.COMPLAINT:
        topics = [
            c
            for c in data.COMPLAINTS
            if c[0] != data.RISING_TOPIC or ctx.project.code != "sunshine"
        ]
        topic, text = rng.choice(topics)
        spec = Spec(key, K.COMPLAINT, topic, text, created)
        if places.homes:
            spec.unit, spec.reporter = places.home(rng, trouble)
        spec.late_ack = rng.random() < 0.12
        spec.long_handling = rng.random() < 0.08
        spec.unhappy_once = rng.random() < 0.15
    else:
        texts: dict[str, tuple[str, ...]] = {
            K.INQUIRY: data.INQUIRIES,
            K.SUGGESTION: data.SUGGESTIONS,
            K.PRAISE: data.PRAISES,
        }
        spec = Spec(key, mix, "service", rng.choice(texts[mix]), created)
        if places.homes:
            spec.reporter = rng.choice(places.homes)[1]
        return spec
    if spec.channel == Channel.PHONE:
        spec.channel = rng.choices(
            (Channel.PHONE, Channel.COUNTER, Channel.APP), weights=(70, 18, 12)
        )[0]
    if (
        spec.kind in (K.REPAIR_UNIT, K.REPAIR_PUBLIC, K.HOME_REPAIR)
        and spec.urgency == Urgency.NORMAL
    ):
        if rng.random() < 0.1 and spec.unit is not None:
            spec.urgency = Urgency.APPOINTMENT
        spec.pool = rng.random() < 0.25
        spec.reassign = not spec.pool and rng.random() < 0.04
        spec.slow = rng.random() < 0.06
        spec.late = rng.random() < 0.08
        spec.parts = rng.random() < 0.1
        spec.overrun = not spec.parts and rng.random() < 0.06
        spec.materials = spec.kind != K.HOME_REPAIR and rng.random() < 0.25
        if spec.kind != K.HOME_REPAIR and rng.random() < 0.04:
            spec.cancel = "early"
    elif spec.urgency == Urgency.URGENT:
        spec.late = rng.random() < 0.2
    spec.reopen = spec.kind in (K.REPAIR_UNIT, K.REPAIR_PUBLIC) and rng.random() < 0.04
    spec.slow_visit = rng.random() < 0.06
    roll = rng.random()
    if roll < 0.05:
        spec.visit = "not_satisfied_rework"
    elif roll < 0.07:
        spec.visit = "not_satisfied_complaint"
    elif roll < 0.15:
        spec.visit = "unreachable_then_satisfied"
    elif roll < 0.18 and age < dt.timedelta(days=14):
        spec.visit = "unreachable"
    # A few recent tickets are visited but not yet closed.
    spec.close = not (age < dt.timedelta(days=10) and rng.random() < 0.1)
    return spec


def _rising(
    rng: random.Random, ctx: Context, places: Places, trouble: Sequence[tuple[Unit, Occupant]]
) -> list[Spec]:
    """Complaints of one category: one two months ago, two last month, six this month."""
    category = ctx.categories.get(data.RISING_TOPIC)
    if category is None:
        return []
    local_now = ctx.now.astimezone(ctx.zone)
    month_start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    two_back = (last_month - dt.timedelta(days=1)).replace(day=1)
    moments = []
    for start, end, count in (
        (two_back, last_month, 1),
        (last_month, month_start, 2),
        (month_start, ctx.now - 30 * _MIN, len(data.RISING_COMPLAINTS)),
    ):
        span = max((end - start).total_seconds(), 60.0)
        moments += sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    specs = []
    for n, created in enumerate(moments):
        text = data.RISING_COMPLAINTS[n % len(data.RISING_COMPLAINTS)]
        spec = Spec(
            f"demo:{ctx.project.code}:rise-{n}", K.COMPLAINT, data.RISING_TOPIC, text, created
        )
        if places.homes:
            spec.unit, spec.reporter = places.home(rng, trouble)
        spec.quick = created >= month_start  # this month's: the steps must fit before now
        specs.append(spec)
    return specs


def _resident(ctx: Context, places: Places) -> list[Spec]:
    """The demo resident's own tickets (portal): a paid repair they rated, a repair they were
    visited about, a repair waiting for their rating and a complaint awaiting their verdict."""
    if places.resident_home is None or ctx.resident is None:
        return []
    unit, occupant = places.resident_home
    now = ctx.now
    code = ctx.project.code

    def mine(n: int, kind: str, topic: str, text: str, at: dt.datetime, **kw: Any) -> Spec:
        return Spec(
            f"demo:{code}:resident-{n}", kind, topic, text, at, unit=unit, reporter=occupant,
            by_resident=True, channel=Channel.PORTAL, **kw,
        )  # fmt: skip

    def evening(days_ago: int) -> dt.datetime:
        day = now.astimezone(ctx.zone).date() - dt.timedelta(days=days_ago)
        return dt.datetime.combine(day, dt.time(19, 20), tzinfo=ctx.zone)

    return [
        mine(1, K.HOME_REPAIR, "water", "卫生间下水道堵塞，请师傅上门疏通", evening(40),
             lines=(("drain", 1),), visit="rated"),
        mine(2, K.REPAIR_UNIT, "water", "厨房水龙头关不紧，一直滴水", evening(15)),
        mine(3, K.REPAIR_UNIT, "doors", "阳台推拉门轨道卡滞，推不动", now - dt.timedelta(hours=26),
             stop_at=S.COMPLETED, quick=True),
        mine(4, K.COMPLAINT, data.RISING_TOPIC, "楼上装修周末早上七点就开始电钻施工",
             now - dt.timedelta(hours=30), stop_at=S.RESULT_REPORTED, quick=True),
    ]  # fmt: skip


def _scenes(ctx: Context, places: Places, *, full: bool) -> list[Spec]:
    """Tickets placed in each open state right now — some of them overdue."""
    rng = random.Random(f"{data.SEED}:{ctx.project.code}:scenes")
    code = ctx.project.code
    now = ctx.now
    office = ctx.project.kind == "office"
    homes = places.homes

    def scene(name: str, kind: str, ago: dt.timedelta, stop_at: str, **kw: Any) -> Spec:
        if kind in (K.REPAIR_UNIT, K.HOME_REPAIR, K.SPECIAL_SERVICE, K.COMPLAINT) and homes:
            unit, occupant = rng.choice(homes)
            kw.setdefault("unit", unit)
            kw.setdefault("reporter", occupant)
        topic, text = kw.pop("what", None) or (
            rng.choice(data.OFFICE_REPAIRS if office else data.UNIT_REPAIRS)
            if kw.get("unit") is not None
            else rng.choice(data.PUBLIC_REPAIRS)[:2]
        )
        if kind == K.REPAIR_PUBLIC and "place" not in kw:
            where = next((p[2] for p in data.PUBLIC_REPAIRS if p[1] == text), "{b}")
            kw["place"], kw["building"] = _place(rng, where, places.buildings)
        return Spec(
            f"demo:{code}:now-{name}", kind, topic, text, now - ago, stop_at=stop_at, quick=True,
            close=False, **kw,
        )  # fmt: skip

    h, m, d = dt.timedelta(hours=1), _MIN, dt.timedelta(days=1)
    unit_kind = K.REPAIR_UNIT if homes else K.REPAIR_PUBLIC
    scenes = [
        scene("registered", unit_kind, 9 * m, S.REGISTERED),
        scene("dispatched", K.REPAIR_PUBLIC, 40 * m, S.DISPATCHED),
        scene("in-progress", K.REPAIR_PUBLIC, 2 * h, S.IN_PROGRESS),
        scene("parts", unit_kind, 26 * h, S.PAUSED, parts=True),
        # overdue: an urgent matter accepted two hours ago, nobody on site yet
        scene(
            "urgent-late",
            K.REPAIR_PUBLIC,
            2 * h,
            S.ACCEPTED,
            urgency=Urgency.URGENT,
            what=("water", "楼顶水箱溢水，顶层楼道积水"),
            place="顶层楼道",
        ),  # fmt: skip
        scene(
            "acknowledged", K.COMPLAINT, 3 * h, S.ACKNOWLEDGED, what=rng.choice(data.COMPLAINTS[3:])
        ),  # fmt: skip
    ]
    if not full:
        return scenes
    lines = (("faucet", 1),)
    scenes += [
        scene("pool", unit_kind, 25 * m, S.DISPATCHED, pool=True),
        scene("accepted", unit_kind, 50 * m, S.ACCEPTED),
        scene("arrived", unit_kind, 70 * m, S.ARRIVED),
        scene("appointment", unit_kind, 5 * h, S.PAUSED, urgency=Urgency.APPOINTMENT),
        scene("completed", unit_kind, 6 * h, S.COMPLETED),
        scene("visited", unit_kind, 30 * h, S.RETURN_VISITED),
        # overdue: the customer could not be reached and the return visit is late
        scene("visit-late", unit_kind, 5 * d, S.COMPLETED, visit="unreachable"),
        # overdue: dispatched three days ago, never accepted
        scene("stuck", unit_kind, 3 * d, S.DISPATCHED),
        # overdue: a special-service request nobody answered within 24 h
        scene(
            "special-late",
            K.SPECIAL_SERVICE,
            30 * h,
            S.REGISTERED,
            what=("cleaning", "油烟机清洗"),
            lines=(("hood-clean", 1),),
        ),  # fmt: skip
        scene(
            "fee",
            K.HOME_REPAIR,
            90 * m,
            "fee_proposed",
            what=("water", "更换厨房水龙头"),
            lines=lines,
        ),  # fmt: skip
        scene(
            "complaint-new", K.COMPLAINT, 15 * m, S.REGISTERED, what=rng.choice(data.COMPLAINTS[3:])
        ),  # fmt: skip
        scene("handling", K.COMPLAINT, 2 * d, S.HANDLING, what=rng.choice(data.COMPLAINTS[3:])),
        scene(
            "reported", K.COMPLAINT, 26 * h, S.RESULT_REPORTED, what=rng.choice(data.COMPLAINTS[3:])
        ),  # fmt: skip
        # overdue: a complaint handled for twelve days, no final reply yet
        scene(
            "complaint-late", K.COMPLAINT, 12 * d, S.HANDLING, what=rng.choice(data.COMPLAINTS[3:])
        ),  # fmt: skip
    ]
    return scenes
