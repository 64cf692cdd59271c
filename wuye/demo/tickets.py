"""Service-desk demo data: teams, a price list and a few hundred tickets per demo project.

Every ticket is made by the real services (register, dispatch, accept, … close; complaints;
fees; return visits) with ``now=`` set to a moment of the last ninety days, so its
events, clocks, pauses, breaches, return visits and rework are exactly what the services
produce. A ticket's *story* is planned first (:class:`~wuye.demo.tickets_plan.Spec`: what,
when, and what goes wrong; :mod:`wuye.demo.tickets_plan`) and then played step by step; a step that would lie after ``now`` is not played, so recent
tickets are naturally still open. "Now scenes" put a ticket in each open state on purpose
(some of them overdue), and one category's complaints rise sharply this month.

Deterministic: one seeded ``random.Random`` per project plans the specs and one per ticket
plays it, so the same ``now`` gives the same tickets. Idempotent: each planned ticket
carries an idempotency key ``demo:<project>:<name>`` (created by the registering user); a
key that exists is skipped, with its whole story (rework and follow-up tickets included).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from wuye.accounts.models import Membership, Role, User
from wuye.demo.data import tickets as data
from wuye.demo.tickets_plan import Context, Crew, Spec, places_of, plan
from wuye.places.models import Project
from wuye.servicedesk.clocks import clocks_refresh
from wuye.servicedesk.models import (
    Category,
    Channel,
    ChargeKind,
    FollowUp,
    PriceItem,
    ReturnVisitMethod,
    ReturnVisitOutcome,
    Team,
    Ticket,
    TicketKind,
    TicketState,
    Urgency,
)
from wuye.servicedesk.policies import desk_install_defaults
from wuye.servicedesk.services import (
    ChargeInput,
    fee_confirm,
    fee_propose,
    fee_record_payment,
    materials_record,
    ticket_accept,
    ticket_acknowledge,
    ticket_arrive,
    ticket_cancel,
    ticket_close,
    ticket_complete,
    ticket_confirm,
    ticket_dispatch,
    ticket_grab,
    ticket_pause,
    ticket_rate,
    ticket_reassign,
    ticket_register,
    ticket_reopen,
    ticket_report_result,
    ticket_resume,
    ticket_return_visit_record,
    ticket_start,
)
from wuye.servicedesk.sla import PauseReason

K = TicketKind
S = TicketState
_DAY_START, _DAY_END = dt.time(7, 30), dt.time(21, 0)
_OPEN = {
    S.REGISTERED,
    S.DISPATCHED,
    S.ACCEPTED,
    S.ARRIVED,
    S.IN_PROGRESS,
    S.PAUSED,
    S.COMPLETED,
    S.RETURN_VISITED,
    S.ACKNOWLEDGED,
    S.HANDLING,
    S.RESULT_REPORTED,
}
_FIELD_ROLE = {
    "water": Role.ENGINEERING,
    "power": Role.ENGINEERING,
    "doors": Role.ENGINEERING,
    "lift": Role.ENGINEERING,
    "hvac": Role.ENGINEERING,
    "public": Role.ENGINEERING,
    "cleaning": Role.CLEANING,
    "greening": Role.CLEANING,
    "noise": Role.SECURITY,
    "parking": Role.SECURITY,
    "security": Role.SECURITY,
    "service": Role.ENGINEERING,
}


class _End(Exception):
    """The story stops here: the next step lies after now, or the planned state is reached."""


# --- setup: categories, teams, price list ----------------------------------------------------


def _categories(project: Project, created: Counter[str]) -> dict[str, Category]:
    """Topic → category: the project's categories (the shipped defaults installed first)."""
    before = Category.objects.filter(project=project).count()
    desk_install_defaults(project=project)
    have = {c.code: c for c in Category.objects.filter(project=project)}
    if not have:  # defaults that install no categories: the demo's own
        Category.objects.bulk_create(
            Category(project=project, code=code, name=name)
            for code, name in data.FALLBACK_CATEGORIES
        )
        have = {c.code: c for c in Category.objects.filter(project=project)}
    created["category"] += len(have) - before
    topics = {}
    for topic, codes in data.TOPIC_CATEGORIES.items():
        found = next((have[c] for c in codes if c in have), None)
        if found is not None:
            topics[topic] = found
    return topics


def _prices(
    project: Project, categories: dict[str, Category], created: Counter[str]
) -> dict[str, PriceItem]:
    have = {p.code: p for p in PriceItem.objects.filter(project=project)}
    missing = [
        PriceItem(
            project=project,
            category=categories.get(line.topic),
            code=line.code,
            name=line.name,
            unit=line.unit,
            labour_price=line.labour,
            material_price=line.material,
            note=line.note,
        )
        for line in data.PRICE_LIST
        if line.code not in have
    ]
    if missing:
        PriceItem.objects.bulk_create(missing)
        created["priceitem"] += len(missing)
        have = {p.code: p for p in PriceItem.objects.filter(project=project)}
    return have


def _teams(
    project: Project, crew: Crew, categories: dict[str, Category], created: Counter[str]
) -> dict[str, Team]:
    by_topic: dict[str, Team] = {}
    existing = {t.name: t for t in Team.objects.filter(project=project)}
    for wanted in data.TEAMS:
        members = [u for role in wanted.roles for u in crew.by_role.get(role, [])]
        team = existing.get(wanted.name)
        if team is None:
            if not members:
                continue
            team = Team.objects.create(project=project, name=wanted.name, leader=members[0])
            team.members.set(members)
            team.categories.set({categories[t] for t in wanted.topics if t in categories})
            created["team"] += 1
        for topic in wanted.topics:
            by_topic.setdefault(topic, team)
    return by_topic


def _crew(project: Project) -> Crew | None:
    by_role: dict[str, list[User]] = {}
    for m in Membership.objects.filter(project=project).select_related("user").order_by("user_id"):
        by_role.setdefault(m.role, []).append(m.user)
    admins = list(
        User.objects.filter(
            memberships__role=Role.COMPANY_ADMIN, memberships__company_id=project.company_id
        ).order_by("id")[:1]
    )
    manager = next(iter(by_role.get(Role.PROJECT_MANAGER, []) + admins), None)
    desk = next(iter(by_role.get(Role.CUSTOMER_SERVICE, []) + ([manager] if manager else [])), None)
    if manager is None or desk is None:
        return None
    closer = next(iter(by_role.get(Role.QUALITY, [])), desk)
    return Crew(desk=desk, closer=closer, manager=manager, by_role=by_role)


# --- playing ---------------------------------------------------------------------------------


class _Run:
    """Plays one spec: a time cursor, the ticket, and the services called at the cursor."""

    def __init__(self, ctx: Context, spec: Spec) -> None:
        self.ctx = ctx
        self.spec = spec
        self.rng = random.Random(f"{data.SEED}:{spec.key}")
        self.t = spec.created
        self.ticket: Ticket | None = None

    def wait(self, low: float, high: float, *, daytime: bool | None = None) -> None:
        """Move the cursor ``low``–``high`` minutes on. ``daytime`` (the default except for
        the "now" scenes and urgent matters): a step that would fall in the night
        (21:00–07:30 local) happens the next morning instead — the desk and the duty
        technicians work every day, but not at night. Past now, the story ends."""
        t = self.t + dt.timedelta(minutes=self.rng.uniform(low, high))
        if daytime is None:
            daytime = not self.spec.quick and self.spec.urgency != Urgency.URGENT
        if daytime:
            local = t.astimezone(self.ctx.zone)
            if not _DAY_START <= local.time() < _DAY_END:
                day = local.date() + dt.timedelta(days=1 if local.time() >= _DAY_END else 0)
                morning = dt.datetime.combine(day, dt.time(8, 0), tzinfo=self.ctx.zone)
                t = morning + dt.timedelta(minutes=self.rng.uniform(0, 40))
        if t > self.ctx.now:
            raise _End
        self.t = t

    def do(self, service: Callable[..., Any], **kwargs: Any) -> Any:
        result = service(ticket=self.t_ticket, now=self.t, **kwargs)
        if isinstance(result, Ticket):
            self.ticket = result
        else:  # a return visit, materials: the ticket changed underneath
            self.t_ticket.refresh_from_db()
        if self.spec.stop_at and self.t_ticket.state == self.spec.stop_at:
            raise _End
        return result

    @property
    def t_ticket(self) -> Ticket:
        assert self.ticket is not None  # registered first
        return self.ticket


def _play(ctx: Context, spec: Spec) -> None:
    run = _Run(ctx, spec)
    try:
        _register(run)
        if spec.kind == K.COMPLAINT:
            _complaint(run)
        elif spec.kind in (K.INQUIRY, K.SUGGESTION, K.PRAISE):
            _answer(run)
        else:
            _work(run)
    except _End:
        pass
    if run.ticket is not None:
        ctx.touched.append(run.ticket)


def _register(run: _Run) -> None:
    spec, ctx = run.spec, run.ctx
    actor: User = ctx.crew.desk
    if spec.by_resident and ctx.resident is not None:
        actor = ctx.resident
    elif spec.channel == Channel.INSPECTION:
        actor = run.rng.choice(ctx.crew.field(_FIELD_ROLE[spec.topic]))
    appointment = None
    if spec.urgency == Urgency.APPOINTMENT:
        appointment = _appointment(run, spec.created)
    run.ticket = ticket_register(
        actor=actor,
        project=ctx.project,
        kind=spec.kind,
        description=spec.text,
        urgency=spec.urgency,
        channel=spec.channel,
        category=ctx.categories.get(spec.topic),
        unit=spec.unit,
        building=spec.building,
        place=spec.place,
        reporter=spec.reporter,
        appointment_at=appointment,
        idempotency_key=spec.key,
        now=spec.created,
    )
    if spec.stop_at == S.REGISTERED:
        raise _End


def _appointment(run: _Run, after: dt.datetime) -> dt.datetime:
    """A time the customer asks for: the next day or the one after, 09:00–16:30 local."""
    local = after.astimezone(run.ctx.zone)
    day = local.date() + dt.timedelta(days=run.rng.choice((1, 1, 2)))
    return dt.datetime.combine(
        day, dt.time(run.rng.randint(9, 16), run.rng.choice((0, 30))), tzinfo=run.ctx.zone
    )


def _worker(run: _Run) -> User:
    staff = run.ctx.crew.field(_FIELD_ROLE[run.spec.topic])
    # The first of a role (the demo's "tech") takes the largest share.
    return staff[0] if len(staff) == 1 or run.rng.random() < 0.45 else run.rng.choice(staff[1:])


def _work(run: _Run) -> None:
    spec, ctx = run.spec, run.ctx
    desk = ctx.crew.desk
    if spec.cancel == "early":
        run.wait(10, 90)
        run.do(ticket_cancel, actor=_customer(run), reason=run.rng.choice(data.CANCEL_REASONS))
        return
    worker = _worker(run)
    _dispatch_and_accept(run, worker)
    if spec.urgency == Urgency.APPOINTMENT:
        appointment = run.t_ticket.appointment_at or _appointment(run, run.t)
        run.wait(2, 10)
        run.do(
            ticket_pause,
            actor=worker,
            reason=PauseReason.APPOINTMENT,
            note="与业主预约上门时间",
            appointment_at=appointment,
        )
        resume = appointment - dt.timedelta(minutes=run.rng.uniform(10, 30))
        if resume > ctx.now:
            raise _End
        run.t = max(run.t, resume)
        run.do(ticket_resume, actor=worker)
    if spec.late:
        run.wait(40, 150)
    else:
        run.wait(4, 14)
    run.do(ticket_arrive, actor=worker)
    paid = spec.kind == K.HOME_REPAIR or (spec.kind == K.SPECIAL_SERVICE and bool(spec.lines))
    if paid:
        run.wait(5, 15, daytime=False)
        # A rework of a paid repair is free (warranty), but its fee is still confirmed.
        lines = _charges(run, spec.lines) or [
            ChargeInput(kind=ChargeKind.OTHER, description="保修期内返修，免费", unit_price=0)
        ]
        run.do(fee_propose, actor=worker, lines=lines)
        if spec.stop_at == "fee_proposed":
            raise _End
        run.wait(3, 20, daytime=False)
        declined = spec.cancel == "declined"
        customer = _customer(run)
        note = "" if customer == run.ctx.resident else "业主电话确认"
        run.do(fee_confirm, actor=customer, accepted=not declined, note=note)
        if declined:
            run.wait(2, 10)
            run.do(ticket_cancel, actor=desk, reason=run.rng.choice(data.DECLINE_REASONS))
            return
    run.wait(1, 5, daytime=False)
    run.do(ticket_start, actor=worker)
    if spec.parts:
        run.wait(10, 40, daytime=False)
        run.do(
            ticket_pause,
            actor=worker,
            reason=PauseReason.WAITING_PARTS,
            note=run.rng.choice(data.PAUSE_PARTS_NOTES),
        )
        run.wait(4 * 60, 30 * 60)
        run.do(ticket_resume, actor=worker)
    if spec.overrun:  # a second visit the next day
        run.wait(16 * 60, 30 * 60)
    else:
        run.wait(15, 80, daytime=False)
    if spec.materials and ctx.prices:
        code = run.rng.choice(["hose", "angle-valve", "socket", "hinge"])
        if code in ctx.prices:
            run.do(
                materials_record, actor=worker, lines=_charges(run, ((code, 1),), materials=True)
            )
    run.do(ticket_complete, actor=worker, note="已处理完毕")
    if paid and run.t_ticket.fee_total > 0:
        run.wait(0, 30)
        run.do(fee_record_payment, actor=desk)
    _visit_and_close(run)


def _customer(run: _Run) -> User:
    """Who speaks for the customer: the demo resident themselves, else the desk on the phone."""
    if run.spec.by_resident and run.ctx.resident is not None:
        return run.ctx.resident
    return run.ctx.crew.desk


def _dispatch_and_accept(run: _Run, worker: User) -> None:
    spec, desk = run.spec, run.ctx.crew.desk
    if spec.slow:
        # Response breached: the desk dispatches late (a special-service reply after 24 h).
        if spec.kind == K.SPECIAL_SERVICE:
            run.wait(25 * 60, 30 * 60)
        else:
            run.wait(50, 150)
    else:
        run.wait(1, 6)
    team = run.ctx.teams.get(spec.topic)
    if spec.pool and team is not None and worker in team.members.all():
        run.do(ticket_dispatch, actor=desk, assignee=None, team=team)
        run.wait(1, 15)
        run.do(ticket_grab, actor=worker)
        return
    staff = run.ctx.crew.field(_FIELD_ROLE[spec.topic])
    if spec.reassign and len(staff) > 1:
        first = next(u for u in staff if u != worker)
        run.do(ticket_dispatch, actor=desk, assignee=first)
        run.wait(5, 20)
        run.do(ticket_reassign, actor=desk, assignee=worker, reason="原师傅在处理紧急报修，改派")
    else:
        run.do(ticket_dispatch, actor=desk, assignee=worker)
    run.wait(1, 5)
    run.do(ticket_accept, actor=worker)


def _charges(
    run: _Run, lines: Sequence[tuple[str, int]], *, materials: bool = False
) -> list[ChargeInput]:
    """Price-list lines at list price (labour and material together); materials of a free
    repair at their material price; a marked-up fee 30 % above the list."""
    charges = []
    for code, quantity in lines:
        item = run.ctx.prices.get(code)
        if item is None:
            continue
        unit_price = None
        if materials:
            unit_price = item.material_price
        elif run.spec.markup:
            unit_price = (item.price * Decimal("1.3")).quantize(Decimal("0.01"))
        charges.append(
            ChargeInput(
                price_item=item,
                kind=ChargeKind.MATERIAL if materials else "",
                quantity=Decimal(quantity),
                unit_price=unit_price,
            )
        )
    return charges


def _visit_and_close(run: _Run) -> None:
    """The return visit (its outcome per the spec), closing, and maybe a later reopening."""
    spec, ctx = run.spec, run.ctx
    visit = spec.visit
    if visit == "rated" and spec.by_resident and ctx.resident is not None:
        run.wait(60, 600)
        run.do(ticket_rate, actor=ctx.resident, rating=5, comment="师傅很专业，收费透明")
    else:
        if spec.slow_visit:
            run.wait(4 * 24 * 60, 5 * 24 * 60)
        else:
            run.wait(60, 25 * 60)
        if visit.startswith("unreachable"):
            _visit(run, ReturnVisitOutcome.UNREACHABLE)
            if visit == "unreachable":
                if spec.stop_at == S.COMPLETED:
                    raise _End
                run.wait(20 * 60, 28 * 60)
                _visit(run, ReturnVisitOutcome.UNREACHABLE)
                return
            run.wait(120, 600)
        if visit.startswith("not_satisfied"):
            follow = FollowUp.REWORK if visit.endswith("rework") else FollowUp.COMPLAINT
            record = _visit(run, ReturnVisitOutcome.NOT_SATISFIED, follow_up=follow)
            if record.follow_up_ticket is not None:
                _follow(run, record.follow_up_ticket, follow)
        else:
            _visit(run, ReturnVisitOutcome.SATISFIED)
    if not spec.close:
        return
    if run.t_ticket.state == S.RETURN_VISITED:
        run.wait(10, 480)
        run.do(ticket_close, actor=ctx.crew.closer)
    if spec.reopen and visit != "not_satisfied_rework" and not spec.key.endswith(":rework"):
        run.wait(3 * 24 * 60, 20 * 24 * 60)
        rework = ticket_reopen(
            actor=_customer(run),
            ticket=run.t_ticket,
            reason=run.rng.choice(data.REOPEN_REASONS),
            now=run.t,
        )
        _follow(run, rework, FollowUp.REWORK)


def _visit(run: _Run, outcome: str, *, follow_up: str = "") -> Any:
    good = outcome == ReturnVisitOutcome.SATISFIED
    rating = None
    comment = ""
    if good:
        rating = run.rng.choices((5, 4, 3), weights=(70, 25, 5))[0]
        comment = run.rng.choice(data.VISIT_COMMENTS_GOOD)
    elif outcome == ReturnVisitOutcome.NOT_SATISFIED:
        rating = run.rng.choice((1, 2))
        comment = run.rng.choice(data.VISIT_COMMENTS_BAD)
    return run.do(
        ticket_return_visit_record,
        actor=run.ctx.crew.desk,
        outcome=outcome,
        rating=rating,
        comment=comment,
        method=ReturnVisitMethod.PHONE,
        follow_up=follow_up,
    )


def _follow(run: _Run, ticket: Ticket, follow: str) -> None:
    """Play the rework or complaint ticket that followed, from the cursor on (it ends
    where now ends it)."""
    spec = replace(
        run.spec,
        key=f"{run.spec.key}:rework",
        kind=ticket.kind,
        created=run.t,
        stop_at="",
        cancel="",
        pool=False,
        reassign=False,
        slow=False,
        late=False,
        parts=False,
        overrun=False,
        reopen=False,
        visit="satisfied",
        slow_visit=False,
        close=True,
        unhappy_once=False,
        late_ack=False,
        long_handling=False,
        lines=(),
    )
    if follow == FollowUp.COMPLAINT:
        spec.topic = "service"
    sub = _Run(run.ctx, spec)
    sub.ticket = ticket
    try:
        if ticket.kind == K.COMPLAINT:
            _complaint(sub)
        else:
            _work(sub)
    except _End:
        pass
    run.ctx.touched.append(sub.t_ticket)


def _complaint(run: _Run) -> None:
    spec, desk = run.spec, run.ctx.crew.desk
    if spec.late_ack:
        run.wait(90, 240)
    else:
        run.wait(5, 40)
    run.do(ticket_acknowledge, actor=desk, note="已致电业主，正在核实情况")
    run.wait(30, 180)
    run.do(ticket_start, actor=desk)
    rounds = 2 if spec.unhappy_once else 1
    for n in range(rounds):
        if spec.long_handling:  # past the 10-day final reply
            run.wait(11 * 24 * 60, 14 * 24 * 60)
        elif spec.quick:  # a "now" scene: handled within hours
            run.wait(60, 8 * 60)
        else:
            run.wait(0.3 * 24 * 60, 4 * 24 * 60)
        run.do(ticket_report_result, actor=desk, note=run.rng.choice(data.COMPLAINT_RESULTS))
        run.wait(60, 24 * 60)
        satisfied = n == rounds - 1
        run.do(ticket_confirm, actor=_customer(run), satisfied=satisfied)
    if run.t_ticket.state == S.COMPLETED:
        _visit_and_close(run)
    elif run.t_ticket.state == S.RETURN_VISITED and spec.close:
        run.wait(10, 480)
        run.do(ticket_close, actor=run.ctx.crew.closer)


def _answer(run: _Run) -> None:
    """Inquiries, suggestions and praise: the manager takes them and answers."""
    manager, desk = run.ctx.crew.manager, run.ctx.crew.desk
    run.wait(5, 60)
    run.do(ticket_dispatch, actor=desk, assignee=manager)
    run.wait(5, 120)
    run.do(ticket_accept, actor=manager)
    run.wait(10, 240)
    run.do(ticket_complete, actor=manager, note="已答复")
    if run.t_ticket.state == S.COMPLETED:
        run.wait(5, 120)
        if not run.t_ticket.clocks.filter(kind="return_visit").exists():
            run.do(ticket_close, actor=desk)
        else:
            _visit_and_close(run)


# --- loading ---------------------------------------------------------------------------------


def desk_demo_load(*, projects: Sequence[Project], now: dt.datetime | None = None) -> Counter[str]:
    """Make sure every demo project has its categories, teams, price list and tickets.

    Returns what was created (model name → count). Tickets whose idempotency key exists are
    skipped with their whole story, so a second run creates nothing.
    """
    from django.utils import timezone

    now = now or timezone.now()
    created: Counter[str] = Counter()
    resident = User.objects.filter(username="resident").first()
    for project in projects:
        crew = _crew(project)
        if crew is None:
            continue
        categories = _categories(project, created)
        ctx = Context(
            project=project,
            now=now,
            zone=ZoneInfo(project.time_zone or "Asia/Shanghai"),
            crew=crew,
            categories=categories,
            prices=_prices(project, categories, created),
            teams=_teams(project, crew, categories, created),
            resident=resident,
        )
        places = places_of(project, resident)
        done = set(
            Ticket.objects.filter(project=project, idempotency_key__startswith="demo:").values_list(
                "idempotency_key", flat=True
            )
        )
        before = Ticket.objects.filter(project=project).count()
        for spec in sorted(plan(ctx, places), key=lambda s: s.created):
            if spec.key not in done:
                _play(ctx, spec)
        # Cached clock states as of now: a clock that ran out since its last step is breached.
        for ticket in ctx.touched:
            if ticket.state in _OPEN:
                clocks_refresh(ticket, now=now)
        created["ticket"] += Ticket.objects.filter(project=project).count() - before
    return created
