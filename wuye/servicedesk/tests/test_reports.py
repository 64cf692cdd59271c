"""Service-desk reports: each figure proved on fixed data built through the services.

The main scenario (``scenario``) is project p1 in November 2026, read on Monday
30 November 09:00 (Asia/Shanghai):

- A  minor repair, water, unit 1-101, Tue 24 Nov 10:00, tech on time, done 12:00;
     return visit satisfied, rating 5.
- B  minor repair, doors, 1-101, Tue 10:30, tech accepted 12:00 and arrived 13:00 (both
     late), done Wed 10:00 (same-day breached); return visit not satisfied, rating 2.
- C  minor repair cancelled at once (its clocks are voided: never counted).
- D  public-area repair, water, 1幢 大堂, Fri 27 Nov 10:00, untouched: response, arrival and
     same-day completion overdue now.
- G  urgent public-area repair, lifts, 1幢 大堂, guard arrives in 20 min, done 11:00; the
     return visit did not reach the customer: its return-visit clock is overdue now.
- H  home repair (paid), water, 1-101, Tue 09:00, tech on time, done 11:00, paid 120.50;
     return visit satisfied without rating.
- Q1 complaint, noise, 1-101, Fri 27 Nov 10:00, acknowledged 10:30, satisfied Sun 29 10:00.
- I1, I2 inquiries at the place 北门 (no building).
- E  a repair of p2 (manager2's project), done on time: never in p1's figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404

from wuye.core.errors import DomainError
from wuye.servicedesk import reports as r
from wuye.servicedesk import services as s
from wuye.servicedesk.models import (
    Category,
    DeskSettings,
    ReturnVisit,
    Ticket,
    TicketKind,
    Urgency,
)

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


def t(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def category(project: Any, code: str, name: str) -> Category:
    return Category.objects.get_or_create(
        project=project, code=f"rpt-{code}", defaults={"name": name}
    )[0]


def register(w: Any, at: dt.datetime, **kwargs: Any) -> Ticket:
    values: dict[str, Any] = {
        "actor": w.desk,
        "project": w.p1,
        "kind": TicketKind.REPAIR_UNIT,
        "unit": w.u1,
        "reporter": w.occupant1,
        "description": "报修",
        "now": at,
    }
    values.update(kwargs)
    return s.ticket_register(**values)


def work(
    w: Any,
    ticket: Ticket,
    *,
    accept: dt.datetime,
    arrive: dt.datetime,
    done: dt.datetime,
    by: Any = None,
    desk: Any = None,
    fee: str = "",
    paid_at: dt.datetime | None = None,
) -> Ticket:
    """Dispatch (a minute after registration), accept, arrive, start, complete. ``fee``: a
    paid service's fee, proposed on arrival, confirmed by phone, paid at ``paid_at``."""
    by = by or w.tech
    desk = desk or w.desk
    ticket = s.ticket_dispatch(
        actor=desk, ticket=ticket, assignee=by, now=ticket.created_at + dt.timedelta(minutes=1)
    )
    ticket = s.ticket_accept(actor=by, ticket=ticket, now=accept)
    ticket = s.ticket_arrive(actor=by, ticket=ticket, now=arrive)
    if fee:
        line = s.ChargeInput(kind="labour", description="更换水龙头", unit_price=fee)
        ticket = s.fee_propose(actor=by, ticket=ticket, lines=[line], now=arrive)
        ticket = s.fee_confirm(
            actor=desk, ticket=ticket, accepted=True, note="电话确认", now=arrive
        )
    ticket = s.ticket_start(actor=by, ticket=ticket, now=arrive + dt.timedelta(minutes=1))
    ticket = s.ticket_complete(actor=by, ticket=ticket, now=done)
    if fee:
        ticket = s.fee_record_payment(actor=desk, ticket=ticket, now=paid_at or done)
    return ticket


def visit(
    w: Any,
    ticket: Ticket,
    outcome: str,
    at: dt.datetime,
    rating: int | None = None,
    actor: Any = None,
) -> ReturnVisit:
    return s.ticket_return_visit_record(
        actor=actor or w.desk, ticket=ticket, outcome=outcome, rating=rating, now=at
    )


def complaint(
    w: Any, at: dt.datetime, closed: dt.datetime | None, cat: Category, **kwargs: Any
) -> Ticket:
    """A complaint acknowledged after 30 min, closed (customer satisfied) at ``closed``."""
    ticket = register(w, at, kind=TicketKind.COMPLAINT, category=cat, **kwargs)
    if closed is None:
        return ticket
    ticket = s.ticket_acknowledge(actor=w.desk, ticket=ticket, now=at + dt.timedelta(minutes=30))
    ticket = s.ticket_report_result(
        actor=w.desk, ticket=ticket, note="已处理", now=closed - dt.timedelta(minutes=5)
    )
    return s.ticket_confirm(actor=w.desk, ticket=ticket, satisfied=True, now=closed)


@dataclass
class Scenario:
    w: Any
    tickets: SimpleNamespace

    def filter(self, user: str = "manager", **kwargs: Any) -> r.ReportFilter:
        values: dict[str, Any] = {
            "user": self.w.users[user],
            "date_from": dt.date(2026, 11, 1),
            "date_to": dt.date(2026, 11, 30),
            "now": NOW,
        }
        values.update(kwargs)
        return r.report_filter(**values)


def build_scenario(w: Any) -> Scenario:
    water = category(w.p1, "water", "水电")
    doors = category(w.p1, "doors", "门窗")
    lifts = category(w.p1, "lift", "电梯")
    noise = category(w.p1, "noise", "噪音")

    h = register(w, t(24, 9), kind=TicketKind.HOME_REPAIR, category=water)
    h = work(
        w,
        h,
        accept=t(24, 9, 10),
        arrive=t(24, 9, 20),
        done=t(24, 11),
        fee="120.50",
        paid_at=t(24, 11, 30),
    )

    a = register(w, t(24, 10), category=water)
    a = work(w, a, accept=t(24, 10, 10), arrive=t(24, 10, 20), done=t(24, 12))

    b = register(w, t(24, 10, 30), category=doors)
    b = work(w, b, accept=t(24, 12), arrive=t(24, 13), done=t(25, 10))

    c = register(w, t(24, 10, 40), category=water)
    s.ticket_cancel(actor=w.desk, ticket=c, reason="重复登记", now=t(24, 10, 50))

    g = register(
        w,
        t(24, 10),
        kind=TicketKind.REPAIR_PUBLIC,
        urgency=Urgency.URGENT,
        category=lifts,
        unit=None,
        building=w.b1,
        place="大堂",
        reporter=None,
    )
    g = work(w, g, by=w.guard, accept=t(24, 10, 5), arrive=t(24, 10, 20), done=t(24, 11))

    d = register(
        w,
        t(27, 10),
        kind=TicketKind.REPAIR_PUBLIC,
        category=water,
        unit=None,
        building=w.b1,
        place="大堂",
        reporter=None,
    )
    q1 = complaint(w, t(27, 10), t(29, 10), noise)
    i1 = register(w, t(26, 9), kind=TicketKind.INQUIRY, unit=None, place="北门", reporter=None)
    i2 = register(w, t(26, 15), kind=TicketKind.INQUIRY, unit=None, place="北门", reporter=None)

    visit(w, a, "satisfied", t(25, 10), rating=5)
    visit(w, b, "not_satisfied", t(26, 10), rating=2)
    visit(w, h, "satisfied", t(25, 11))
    visit(w, g, "unreachable", t(25, 15))

    p2_water = category(w.p2, "water", "水电")
    e = register(
        w, t(24, 10), actor=w.manager2, project=w.p2, unit=w.u2, reporter=None, category=p2_water
    )
    e = work(
        w,
        e,
        by=w.manager2,
        desk=w.manager2,
        accept=t(24, 10, 5),
        arrive=t(24, 10, 10),
        done=t(24, 11),
    )
    visit(w, e, "satisfied", t(25, 9), rating=4, actor=w.manager2)
    tickets = SimpleNamespace(a=a, b=b, c=c, d=d, g=g, h=h, q1=q1, i1=i1, i2=i2, e=e)
    return Scenario(w=w, tickets=tickets)


@pytest.fixture
def scenario(world) -> Scenario:
    return build_scenario(world)


# --- the filter ------------------------------------------------------------------------------


def test_the_filter_covers_only_projects_in_scope(world):
    # Given users of different reach
    f = r.report_filter(user=world.manager, now=NOW)
    assert [p.name for p in f.projects] == ["阳光新邸"]
    assert {p.name for p in r.report_filter(user=world.admin, now=NOW).projects} == {
        "阳光新邸",
        "中心大厦",
    }
    # a district supervisor sees the projects of their district
    assert [p.name for p in r.report_filter(user=world.district, now=NOW).projects] == ["阳光新邸"]
    # When manager2 asks for p1 explicitly, Then it does not exist for them
    with pytest.raises(Http404):
        r.report_filter(user=world.manager2, project_id=world.p1.pk, now=NOW)
    assert r.report_filter(user=world.outsider, now=NOW).projects == ()


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("this_month", (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("last_month", (dt.date(2026, 10, 1), dt.date(2026, 10, 31))),
        ("this_week", (dt.date(2026, 11, 30), dt.date(2026, 12, 6))),
        ("last_week", (dt.date(2026, 11, 23), dt.date(2026, 11, 29))),
    ],
)
def test_period_presets_are_local_dates(world, period, expected):
    # Monday 30 Nov 00:30 in Shanghai is still Sunday 29 Nov in UTC
    now = dt.datetime(2026, 11, 30, 0, 30, tzinfo=TZ)
    f = r.report_filter(user=world.manager, period=period, now=now)
    assert (f.date_from, f.date_to) == expected
    assert f.period == period


def test_january_looks_back_to_december():
    assert r.period_dates("last_month", dt.date(2027, 1, 15)) == (
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 31),
    )
    assert r.period_dates("this_month", dt.date(2026, 12, 15)) == (
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 31),
    )


def test_bad_filters_are_refused_with_the_field(world):
    with pytest.raises(DomainError) as err:
        r.report_filter(
            user=world.manager, date_from=dt.date(2026, 11, 5), date_to=dt.date(2026, 11, 1)
        )
    assert err.value.field == "date_to"
    with pytest.raises(DomainError) as err:
        r.report_filter(user=world.manager, date_from=dt.date(2026, 11, 5))
    assert err.value.field == "date_to"
    with pytest.raises(DomainError) as err:
        r.report_filter(user=world.manager, kind="nonsense")
    assert err.value.field == "kind"
    with pytest.raises(DomainError) as err:
        r.report_filter(user=world.manager, period="fortnight")
    assert err.value.field == "period"


def test_the_period_boundaries_are_local_midnight(world):
    water = category(world.p1, "water", "水电")
    # 31 Oct 23:59 and 1 Nov 00:00 local time; the first is 31 Oct 15:59 UTC
    register(world, dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ), category=water)
    register(world, dt.datetime(2026, 11, 1, 0, 0, tzinfo=TZ), category=water)
    register(world, dt.datetime(2026, 11, 30, 23, 59, tzinfo=TZ), category=water)
    register(world, dt.datetime(2026, 12, 1, 0, 0, tzinfo=TZ), category=water)
    f = r.report_filter(user=world.manager, period="last_month", now=t(5, 12, month=12))
    top = r.hotspot_report(f).top_categories
    assert [(c.name, c.count) for c in top] == [("水电", 2)]


# --- 1. SLA attainment -----------------------------------------------------------------------


def test_sla_attainment_per_clock(scenario):
    report = r.sla_report(scenario.filter())
    rows = {row.kind: (row.met, row.breached, row.overdue_now) for row in report.rows}
    assert rows == {
        "response": (2, 1, 1),  # A, H met; B late; D overdue now
        "arrival": (3, 1, 1),  # A, H, G met; B late; D overdue now
        "completion": (2, 1, 1),  # A, H same day; B next day; D overdue now
        "special_reply": (0, 0, 0),
        "complaint_first_feedback": (1, 0, 0),
        "complaint_final_reply": (1, 0, 0),
        "return_visit": (3, 0, 1),  # A, B, H visited; G unreached and overdue now
    }
    by_kind = {row.kind: row for row in report.rows}
    assert by_kind["response"].rate == Decimal("66.7")
    assert by_kind["special_reply"].rate is None
    assert (report.total.met, report.total.breached, report.total.overdue_now) == (12, 3, 4)
    assert report.total.rate == Decimal("80.0")


def test_sla_attainment_of_one_kind_and_an_empty_period(scenario):
    complaints = r.sla_report(scenario.filter(kind="complaint"))
    assert (complaints.total.met, complaints.total.breached) == (2, 0)
    october = r.sla_report(
        scenario.filter(date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31))
    )
    # nothing stopped in October; what is overdue now still shows
    assert (october.total.met, october.total.breached, october.total.overdue_now) == (0, 0, 4)


# --- 2. same-day completion ------------------------------------------------------------------


def test_same_day_completion_rate(scenario):
    report = r.same_day_report(scenario.filter())
    # A and H (home repair) done the same day, B the next day; D overdue now; G (urgent)
    # has no same-day clock
    assert (report.met, report.breached, report.overdue_now) == (2, 1, 1)
    assert report.rate == Decimal("66.7")
    assert r.same_day_report(scenario.filter(kind="complaint")).stopped == 0


def test_a_repair_by_appointment_has_no_same_day_clock(world):
    water = category(world.p1, "water", "水电")
    ticket = register(world, t(24, 10), category=water, urgency=Urgency.APPOINTMENT)
    work(world, ticket, accept=t(24, 10, 5), arrive=t(24, 10, 10), done=t(26, 10))
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    assert r.same_day_report(f).stopped == 0


# --- 3. return visits and satisfaction -------------------------------------------------------


def test_return_visit_rate_and_satisfaction_against_the_default_targets(scenario):
    report = r.visit_report(scenario.filter())
    (row,) = report.rows
    # finished repairs and complaints: A, B, G, H, Q1; reached: A (5), B (2), H (no rating)
    assert (row.project_name, row.finished, row.visited, row.satisfied) == ("阳光新邸", 5, 3, 2)
    assert row.visit_rate == Decimal("60.0")
    assert row.satisfaction_rate == Decimal("66.7")
    assert row.average_rating == Decimal("3.50")
    # no DeskSettings row: the defaults 100 % / 85 %
    assert (row.visit_target, row.satisfaction_target) == (Decimal("100.00"), Decimal("85.00"))
    assert row.visit_on_target is False
    assert row.satisfaction_on_target is False
    assert report.total.finished == 5


def test_targets_come_from_the_projects_settings(scenario):
    DeskSettings.objects.update_or_create(
        project=scenario.w.p1,
        defaults={"satisfaction_target": Decimal("60"), "return_visit_target": Decimal("60")},
    )
    (row,) = r.visit_report(scenario.filter()).rows
    assert row.satisfaction_on_target is True
    assert row.visit_on_target is True


def test_a_ticket_counts_once_however_many_attempts(scenario):
    # G was unreachable once; reached on a second call, then satisfied with 4
    visit(scenario.w, scenario.tickets.g, "retry", t(26, 9))
    visit(scenario.w, scenario.tickets.g, "satisfied", t(26, 16), rating=4)
    (row,) = r.visit_report(scenario.filter()).rows
    assert (row.finished, row.visited, row.satisfied) == (5, 4, 3)
    assert row.average_rating == Decimal("3.67")


def test_admin_sees_each_project_with_its_own_row(scenario):
    report = r.visit_report(scenario.filter(user="admin"))
    assert [(row.project_name, row.finished) for row in report.rows] == [
        ("中心大厦", 1),
        ("阳光新邸", 5),
    ]
    assert report.total.finished == 6


# --- 4. rework -------------------------------------------------------------------------------


def test_a_reopened_ticket_counts_once_in_the_rework_rate(world):
    water = category(world.p1, "water", "水电")
    doors = category(world.p1, "doors", "门窗")
    # Given a repair done on 3 Nov and another on 4 Nov
    first = register(world, t(3, 10), category=water)
    first = work(world, first, accept=t(3, 10, 5), arrive=t(3, 10, 10), done=t(3, 12))
    other = register(world, t(4, 10), category=doors)
    work(world, other, accept=t(4, 10, 5), arrive=t(4, 10, 10), done=t(4, 12))
    # When the first is reopened, the rework cancelled, reopened again, that rework done and
    # reopened once more, and the customer also calls again about water in the same unit
    rework1 = s.ticket_reopen(actor=world.desk, ticket=first, reason="又漏了", now=t(5, 9))
    s.ticket_cancel(actor=world.desk, ticket=rework1, reason="误登记", now=t(5, 11))
    rework2 = s.ticket_reopen(actor=world.desk, ticket=first, reason="又漏了", now=t(6, 9))
    rework2 = work(world, rework2, accept=t(6, 9, 5), arrive=t(6, 9, 10), done=t(6, 15))
    s.ticket_reopen(actor=world.resident, ticket=rework2, reason="还是漏", now=t(8, 9))
    register(world, t(10, 9), category=water)
    # Then the first repair counts once: 1 reworked of 2 originals (rework tickets are
    # not originals)
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    report = r.rework_report(f)
    assert (report.finished, report.reworked, report.reopened, report.repeated) == (2, 1, 1, 1)
    assert report.rate == Decimal("50.0")
    assert report.window_days == (30,)


def test_the_same_unit_and_category_within_the_window_is_rework(world):
    lifts = category(world.p1, "lift", "电梯")
    done = register(world, t(2, 10), category=lifts)
    work(world, done, accept=t(2, 10, 5), arrive=t(2, 10, 10), done=t(2, 12))
    # a new ticket 18 days later, for the same unit and category
    register(world, t(20, 10), category=lifts)
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    assert (r.rework_report(f).reworked, r.rework_report(f).repeated) == (1, 1)
    # With a 10-day window it is not rework
    DeskSettings.objects.update_or_create(project=world.p1, defaults={"rework_window_days": 10})
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    report = r.rework_report(f)
    assert (report.finished, report.reworked, report.window_days) == (1, 0, (10,))


def test_a_cancelled_follow_up_or_another_unit_is_not_rework(world):
    water = category(world.p1, "water", "水电")
    done = register(world, t(2, 10), category=water)
    work(world, done, accept=t(2, 10, 5), arrive=t(2, 10, 10), done=t(2, 12))
    follow = register(world, t(3, 10), category=water)
    s.ticket_cancel(actor=world.desk, ticket=follow, reason="误登记", now=t(3, 11))
    register(world, t(3, 10), category=water, unit=None, building=world.b1, reporter=None)
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    assert r.rework_report(f).reworked == 0


def test_no_rework_in_the_scenario(scenario):
    report = r.rework_report(scenario.filter())
    assert (report.finished, report.reworked) == (5, 0)  # A, B, G, H, Q1
    assert report.rate == Decimal("0.0")


# --- 5. complaints ---------------------------------------------------------------------------


def test_complaint_closure_time_average_and_median(world):
    noise = category(world.p1, "noise", "噪音")
    complaint(world, t(2, 10), t(2, 14), noise)  # 4 h
    complaint(world, t(3, 10), t(4, 10), noise)  # 24 h
    complaint(world, t(5, 10), t(5, 12), noise)  # 2 h
    complaint(world, t(6, 10), None, noise)  # still open: not counted
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    closure = r.closure_time(f)
    assert (closure.count, closure.average_hours, closure.median_hours) == (
        3,
        Decimal("10.0"),
        Decimal("4.0"),
    )
    complaint(world, t(7, 10), t(7, 18), noise)  # 8 h: the median is between 4 and 8
    closure = r.closure_time(f)
    assert (closure.count, closure.average_hours, closure.median_hours) == (
        4,
        Decimal("9.5"),
        Decimal("6.0"),
    )


def test_complaints_by_category_and_the_early_warning(world):
    noise = category(world.p1, "noise", "噪音")
    parking = category(world.p1, "parking", "停车")
    cleaning = category(world.p1, "cleaning", "保洁")
    lifts = category(world.p1, "lift", "电梯")

    def complaints(cat: Category, october: int, november: int) -> None:
        for i in range(october):
            complaint(world, t(5 + i, 10, month=10), None, cat)
        for i in range(november):
            complaint(world, t(5 + i, 10), None, cat)

    complaints(noise, 2, 3)  # +50 %: not MORE than the 50 % threshold
    complaints(parking, 1, 3)  # +200 % and 3 reach the minimum: warning
    complaints(cleaning, 0, 2)  # new, but below the minimum of 3
    complaints(lifts, 0, 3)  # from none to 3: warning
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    report = r.complaint_report(f)
    assert report.month == dt.date(2026, 11, 1)
    assert report.previous_month == dt.date(2026, 10, 1)
    monthly = {
        m.name: (m.previous_month, m.this_month, m.change, m.warning) for m in report.monthly
    }
    assert monthly == {
        "噪音": (2, 3, Decimal("50.0"), False),
        "停车": (1, 3, Decimal("200.0"), True),
        "保洁": (0, 2, None, False),
        "电梯": (0, 3, None, True),
    }
    assert {m.name for m in report.warnings} == {"停车", "电梯"}
    assert report.monthly[0].warning  # warnings first
    assert {c.name: c.count for c in report.by_category} == {
        "噪音": 3,
        "停车": 3,
        "保洁": 2,
        "电梯": 3,
    }
    # a lower threshold makes noise rise "sharply" too
    DeskSettings.objects.update_or_create(
        project=world.p1, defaults={"complaint_rise_threshold": Decimal("40")}
    )
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    assert {m.name for m in r.complaint_report(f).warnings} == {"噪音", "停车", "电梯"}


def test_complaints_in_the_scenario(scenario):
    report = r.complaint_report(scenario.filter())
    assert report.closure.count == 1
    assert report.closure.average_hours == Decimal("48.0")  # Fri 10:00 → Sun 10:00
    assert [(c.name, c.count) for c in report.by_category] == [("噪音", 1)]
    assert report.warnings == []
    # another kind filtered: no complaint figures
    assert r.complaint_report(scenario.filter(kind="repair_unit")).closure.count == 0


# --- 6. hot spots ----------------------------------------------------------------------------


def test_top_categories_and_repeat_locations(scenario):
    report = r.hotspot_report(scenario.filter())
    # C was cancelled: registered by mistake, not a matter
    assert {c.name: (c.count, c.complaints) for c in report.top_categories} == {
        "水电": (3, 0),  # A, D, H
        r.no_category_name(): (2, 0),  # the two inquiries
        "门窗": (1, 0),
        "电梯": (1, 0),
        "噪音": (1, 1),
    }
    assert report.top_categories[0].name == "水电"
    locations = {(loc.scope, loc.location): loc.count for loc in report.repeat_locations}
    assert locations == {
        ("unit", "1幢 1-101"): 4,  # A, B, H, Q1
        ("building", "1幢 大堂"): 2,  # D, G
        ("place", "北门"): 2,  # I1, I2
    }
    assert report.repeat_locations[0].location == "1幢 1-101"


# --- 7. technicians --------------------------------------------------------------------------


def test_per_technician_assessment(scenario):
    rows = r.technician_report(scenario.filter())
    assert [row.name for row in rows] == ["tech", "guard"]
    tech, guard = rows
    # tech: A, B, H; arrival + completion clocks: A 2 met, B 2 late, H 2 met
    assert (tech.finished, tech.clocks_met, tech.clocks_stopped) == (3, 4, 6)
    assert tech.on_time_rate == Decimal("66.7")
    assert tech.reworked == 0
    assert tech.average_rating == Decimal("3.50")
    assert tech.fee_income == Decimal("120.50")
    assert isinstance(tech.fee_income, Decimal)
    # guard: G (urgent: an arrival clock only), never reached for a rating
    assert (guard.finished, guard.on_time_rate, guard.average_rating) == (
        1,
        Decimal("100.0"),
        None,
    )
    assert guard.fee_income == Decimal("0.00")


def test_technician_rework_and_fee_paid_in_the_period(world):
    water = category(world.p1, "water", "水电")
    first = register(world, t(3, 10), category=water)
    first = work(world, first, accept=t(3, 10, 5), arrive=t(3, 10, 10), done=t(3, 12))
    s.ticket_reopen(actor=world.desk, ticket=first, reason="又漏了", now=t(5, 9))
    # a paid home repair finished in October, paid in November
    october = register(world, t(30, 10, month=10), kind=TicketKind.HOME_REPAIR, category=water)
    work(
        world,
        october,
        accept=t(30, 10, 5, month=10),
        arrive=t(30, 10, 10, month=10),
        done=t(30, 12, month=10),
        fee="80",
        paid_at=t(2, 9),
    )
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    (tech,) = r.technician_report(f)
    assert (tech.finished, tech.reworked, tech.fee_income) == (1, 1, Decimal("80.00"))


# --- 8. overdue list -------------------------------------------------------------------------


def test_weekly_overdue_list(scenario):
    f = scenario.filter(period="last_week", date_from=None, date_to=None)
    assert (f.date_from, f.date_to) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    report = r.overdue_report(f)
    rows = [(row.number, row.clock_kind, row.is_open) for row in report.rows]
    d, g, b = scenario.tickets.d, scenario.tickets.g, scenario.tickets.b
    assert sorted(rows) == sorted(
        [
            (d.number, "response", True),
            (d.number, "arrival", True),
            (d.number, "completion", True),
            (g.number, "return_visit", True),
            (b.number, "response", False),
            (b.number, "arrival", False),
            (b.number, "completion", False),
        ]
    )
    assert report.total == 7 and not report.truncated
    # latest first: D's response was due Fri 10:30, 70.5 h before Monday 09:00
    first = report.rows[0]
    assert (first.number, first.late_hours) == (d.number, Decimal("70.5"))
    assert (first.location, first.category, first.assignee) == ("1幢 大堂", "水电", "")
    last = report.rows[-1]
    assert (last.number, last.clock_kind, last.late_hours) == (b.number, "response", Decimal("1.0"))
    assert last.assignee == "tech"
    assert r.overdue_report(f, limit=2).truncated
    assert [row.number for row in r.overdue_rows(f)] == [row.number for row in report.rows]


# --- scope -----------------------------------------------------------------------------------


def test_out_of_scope_projects_are_never_counted(scenario):
    # manager2 (p2 only) sees E and nothing of p1
    f = scenario.filter(user="manager2")
    assert [p.name for p in f.projects] == ["中心大厦"]
    assert r.sla_report(f).total.met == 4  # E: response, arrival, completion; visit below
    assert [row.project_name for row in r.visit_report(f).rows] == ["中心大厦"]
    assert r.visit_report(f).total.finished == 1
    assert r.rework_report(f).finished == 1
    assert r.complaint_report(f).closure.count == 0
    assert r.hotspot_report(f).repeat_locations == []
    assert [row.name for row in r.technician_report(f)] == ["manager2"]
    assert r.overdue_report(f).total == 0
    # the company admin sees both
    assert r.sla_report(scenario.filter(user="admin")).total.met == 16
    # the district supervisor sees p1 like its manager
    assert (
        r.sla_report(scenario.filter(user="district")).total
        == r.sla_report(scenario.filter()).total
    )


# --- query budget ----------------------------------------------------------------------------


REPORTS = [
    ("sla", r.sla_report, 1),
    ("same_day", r.same_day_report, 1),
    ("visits", r.visit_report, 2),  # figures, settings
    ("rework", r.rework_report, 2),  # settings, figures
    ("complaints", r.complaint_report, 5),  # by category, settings, monthly, closure ×2
    ("hotspots", r.hotspot_report, 4),  # categories, units, buildings, places
    ("technicians", r.technician_report, 4),  # settings, tickets, clocks, names
    ("overdue", r.overdue_report, 2),  # count, page
]


@pytest.mark.parametrize(("name", "report", "queries"), REPORTS)
def test_each_report_runs_a_fixed_number_of_queries(
    world, django_assert_num_queries, name, report, queries
):
    # Given one full scenario, and then the same scenario five times over
    build_scenario(world)
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    with django_assert_num_queries(queries):
        report(f)
    for _ in range(4):
        _more(world)
    f = r.report_filter(user=world.manager, period="this_month", now=NOW)
    with django_assert_num_queries(queries):
        report(f)


def _more(w: Any) -> None:
    water = category(w.p1, "water", "水电")
    ticket = register(w, t(25, 10), category=water)
    ticket = work(w, ticket, accept=t(25, 11), arrive=t(25, 12), done=t(26, 10))
    visit(w, ticket, "satisfied", t(26, 12), rating=4)
    complaint(w, t(26, 10), t(26, 16), category(w.p1, "noise", "噪音"))
    register(w, t(27, 9), kind=TicketKind.REPAIR_PUBLIC, unit=None, building=w.b1, place="车库")
