"""Per-project SLA policies: defaults for new projects, the most specific policy wins, the
issue's clock cases through policy rows, editing a policy, the reopen window, the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from wuye.accounts.models import User
from wuye.audit.models import AuditEvent
from wuye.core.errors import DomainError
from wuye.places.models import Project
from wuye.servicedesk import services as s
from wuye.servicedesk import sla
from wuye.servicedesk.models import (
    Category,
    SlaClockRule,
    SlaPolicy,
    TicketKind,
    Urgency,
)
from wuye.servicedesk.policies import (
    DEFAULT_CATEGORIES,
    default_rules,
    desk_install_defaults,
    desk_settings,
    policy_for,
    rules_for,
)
from wuye.servicedesk.tests.conftest import TZ, at, clocks
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ)


def midnight(y: int, mo: int, d: int) -> dt.datetime:
    return dt.datetime.combine(dt.date(y, mo, d), dt.time.max, tzinfo=TZ)


def _policy(project: Project, kind: str, **fields) -> SlaPolicy:
    return SlaPolicy.objects.get(project=project, kind=kind, category=None, **fields)


def _category(project: Project, code: str) -> Category:
    return Category.objects.get(project=project, code=code)


# --- defaults for a new project --------------------------------------------------------------


def test_a_new_project_gets_the_default_categories_and_policies(world):
    # Given a project just created
    project = f.ProjectFactory(company=world.company_a)
    # Then it has the twelve default categories (Chinese names, English codes)
    categories = dict(Category.objects.filter(project=project).values_list("code", "name"))
    assert categories == dict(DEFAULT_CATEGORIES)
    assert categories["water"] == "给排水"
    # and one policy per repair kind × urgency, one for complaints and one for special services
    keys = set(SlaPolicy.objects.filter(project=project).values_list("kind", "urgency"))
    repairs = {"repair_public", "repair_unit", "home_repair"}
    assert keys == {(k, u) for k in repairs for u in Urgency.values} | {
        ("complaint", ""),
        ("special_service", ""),
    }
    # whose clock rules are the shipped defaults
    for policy in SlaPolicy.objects.filter(project=project).prefetch_related("rules"):
        rules = {sla.ClockKind(r.kind): r.as_rule() for r in policy.rules.all()}
        assert rules == default_rules(policy.kind, policy.urgency or Urgency.NORMAL), policy.name
    # and its desk settings exist with the default reopen window
    assert desk_settings(project).reopen_within_days == 30


def test_installing_the_defaults_twice_creates_nothing_more(world):
    counts = (Category.objects.count(), SlaPolicy.objects.count(), SlaClockRule.objects.count())
    desk_install_defaults(project=world.p1, actor=world.admin)
    desk_install_defaults(project=world.p1)
    assert (
        Category.objects.count(),
        SlaPolicy.objects.count(),
        SlaClockRule.objects.count(),
    ) == counts


def test_installing_again_fills_in_only_what_is_missing(world):
    # Given an administrator who renamed a category and deleted the complaint policy
    Category.objects.filter(project=world.p1, code="water").update(name="水")
    _policy(world.p1, "complaint").delete()
    # When the defaults are installed again
    desk_install_defaults(project=world.p1, actor=world.admin)
    # Then the complaint policy is back, the renamed category is left alone
    assert _policy(world.p1, "complaint").rules.count() == 3
    assert _category(world.p1, "water").name == "水"
    event = AuditEvent.objects.get(action="servicedesk.defaults.installed", actor=world.admin)
    assert event.changes["categories"] == [None, []]
    assert len(event.changes["sla_policies"][1]) == 1


def test_a_project_created_in_the_admin_has_categories_and_policies(client, world):
    client.force_login(User.objects.create_superuser("root", password=f.PASSWORD))
    response = client.post(
        reverse("admin:places_project_add"),
        {
            "company": world.company_a.pk,
            "name": "新项目",
            "code": "new-one",
            "kind": "residential",
            "fee_model": "fixed",
            "time_zone": "Asia/Shanghai",
            "business_start": "08:30",
            "business_end": "17:30",
            "business_weekdays": "12345",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(code="new-one")
    assert Category.objects.filter(project=project).count() == len(DEFAULT_CATEGORIES)
    assert SlaPolicy.objects.filter(project=project).count() == 11


# --- which policy applies --------------------------------------------------------------------


def _rule(policy: SlaPolicy, kind: sla.ClockKind, duration: dt.timedelta, **fields) -> None:
    SlaClockRule.objects.create(
        policy=policy, kind=kind.value, basis="calendar", duration=duration, **fields
    )


def test_the_most_specific_active_policy_wins(world):
    # Given, besides the defaults (repair_unit per urgency), policies for water repairs and for
    # urgent water repairs, and an inactive one for lifts
    p1 = world.p1
    water, lifts = _category(p1, "water"), _category(p1, "lifts")
    any_unit = SlaPolicy.objects.create(project=p1, name="室内报修·全部", kind="repair_unit")
    water_any = SlaPolicy.objects.create(
        project=p1, name="给排水", kind="repair_unit", category=water
    )
    water_urgent = SlaPolicy.objects.create(
        project=p1, name="给排水·紧急", kind="repair_unit", category=water, urgency="urgent"
    )
    SlaPolicy.objects.create(
        project=p1, name="电梯（停用）", kind="repair_unit", category=lifts, active=False
    )
    normal_unit = _policy(p1, "repair_unit", urgency="normal")
    # Then category beats none, then urgency beats none; the kind must match
    assert policy_for(p1, "repair_unit", water, "urgent") == water_urgent
    assert policy_for(p1, "repair_unit", water, "normal") == water_any
    assert policy_for(p1, "repair_unit", water.pk, "appointment") == water_any
    assert policy_for(p1, "repair_unit", None, "normal") == normal_unit
    assert policy_for(p1, "repair_unit", lifts, "normal") == normal_unit  # inactive skipped
    assert policy_for(p1, "repair_public", water, "urgent") == _policy(
        p1, "repair_public", urgency="urgent"
    )
    assert policy_for(p1, "inquiry", None, "normal") is None
    # and the kind-wide policy applies where no urgency-specific one exists
    _policy(p1, "repair_unit", urgency="appointment").delete()
    assert policy_for(p1, "repair_unit", None, "appointment") == any_unit
    assert policy_for(p1, "repair_unit", lifts, "appointment") == any_unit


def test_a_ticket_runs_the_clocks_of_its_policy(world, register):
    # Given water repairs get a 2 h calendar completion and nothing else
    water = _category(world.p1, "water")
    policy = SlaPolicy.objects.create(
        project=world.p1, name="给排水", kind="repair_unit", category=water
    )
    _rule(policy, sla.ClockKind.COMPLETION, 2 * H)
    # When a water repair and another repair are registered
    leak = register(category=water)
    door = register(category=_category(world.p1, "doors-locks"))
    # Then the leak runs the policy's one clock, the door the default minor-repair clocks
    assert {k: c.due_at for k, c in clocks(leak).items()} == {"completion": at(120)}
    assert set(clocks(door)) == {"response", "arrival", "completion"}


def test_a_project_without_policy_rows_runs_the_shipped_defaults(world, register):
    # Given a project whose policies were all removed
    SlaPolicy.objects.filter(project=world.p1).delete()
    assert rules_for(register(kind=TicketKind.SPECIAL_SERVICE)) == default_rules(
        "special_service", "normal"
    )
    # When a minor repair is registered
    ticket = register()
    # Then the default clocks run: 30 working minutes to respond, done the same day
    running = clocks(ticket)
    assert set(running) == {"response", "arrival", "completion"}
    assert running["response"].due_at == at(30)
    assert running["completion"].due_at == midnight(2026, 11, 24)


def test_a_project_with_policies_but_none_for_a_kind_runs_no_clock_for_it(world, register):
    _policy(world.p1, "complaint").delete()
    complaint = register(kind=TicketKind.COMPLAINT, description="Noise")
    assert not complaint.clocks.exists()


def test_a_policy_without_rules_means_no_clocks(world, register):
    _policy(world.p1, "repair_unit", urgency="normal").rules.all().delete()
    assert not register().clocks.exists()


# --- the clock cases through policy rows ---------------------------------------------


def test_minor_repair_at_1650_is_due_that_evening_after_the_cutoff_the_next_working_day(
    world, register
):
    # Given the default policy of ordinary in-unit repairs (same day, cut-off 17:00)
    rule = _policy(world.p1, "repair_unit", urgency="normal").rules.get(kind="completion")
    assert (rule.same_day, rule.cutoff) == (True, dt.time(17))
    # Then a repair reported at 16:50 on a working Tuesday is due that evening
    early = register(now=local(2026, 3, 10, 16, 50))
    assert clocks(early)["completion"].due_at == midnight(2026, 3, 10)
    # and one reported at 17:10 is due at closing time of the next working day
    late = register(now=local(2026, 3, 10, 17, 10))
    assert clocks(late)["completion"].due_at == local(2026, 3, 11, 17, 30)
    # and after 17:10 on the last day before National Day, on 8 October
    holiday = register(now=local(2026, 9, 30, 17, 10))
    assert clocks(holiday)["completion"].due_at == local(2026, 10, 8, 17, 30)
    # When the project moves its cut-off to 16:30, the next 16:50 report is due tomorrow
    SlaClockRule.objects.filter(pk=rule.pk).update(cutoff=dt.time(16, 30))
    after_change = register(now=local(2026, 3, 10, 16, 50))
    assert clocks(after_change)["completion"].due_at == local(2026, 3, 11, 17, 30)


def test_special_service_before_national_day_calendar_or_working_time_as_the_policy_says(
    world, register
):
    # Given a special-service request on Wednesday 30 September 2026, 16:00 — the last working
    # day before National Day (1–7 October): the Friday before, 25 September, is Mid-Autumn
    # (off 25–27 September); Saturday 10 October is a make-up working day.
    start = local(2026, 9, 30, 16)
    rule = _policy(world.p1, "special_service").rules.get(kind="special_reply")
    # When the project's policy counts calendar time (the default)
    assert rule.basis == "calendar"
    by_calendar = register(kind=TicketKind.SPECIAL_SERVICE, now=start)
    # Then the reply is due 24 h later, in the holiday
    assert clocks(by_calendar)["special_reply"].due_at == local(2026, 10, 1, 16)
    # When the administrator switches the policy to working time
    rule.basis = "working"
    rule.save()
    by_working = register(kind=TicketKind.SPECIAL_SERVICE, now=start)
    # Then a new request is due after the holiday: 1.5 h on the 30th, 9 h on 8 and 9 October,
    # 4.5 h on the make-up Saturday
    assert clocks(by_working)["special_reply"].due_at == local(2026, 10, 10, 13)
    # and the request registered before the change keeps its calendar clock
    reply = clocks(by_calendar)["special_reply"]
    assert (reply.basis, reply.due_at) == ("calendar", local(2026, 10, 1, 16))


def test_editing_a_policy_leaves_running_clocks_unchanged(world, register):
    # Given a ticket running the default 30-minute response clock
    ticket = register()
    # When the policy's response time becomes 2 hours and the ticket is paused and resumed
    rule = _policy(world.p1, "repair_unit", urgency="normal").rules.get(kind="response")
    rule.duration = 2 * H
    rule.save()
    ticket = s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    # Then the running clock keeps the rule it started with
    assert clocks(ticket)["response"].duration == dt.timedelta(minutes=30)
    assert clocks(ticket)["response"].due_at == at(30)
    # while a ticket registered afterwards gets the new one
    assert clocks(register(now=at(5)))["response"].due_at == at(125)


def test_a_pause_stops_only_the_clocks_whose_policy_lists_it(world, register):
    # Given a policy whose completion clock (4 working hours) pauses for parts only, and whose
    # arrival clock (2 working hours) pauses for nothing
    policy = _policy(world.p1, "repair_unit", urgency="normal")
    policy.rules.all().delete()
    SlaClockRule.objects.create(
        policy=policy, kind="completion", duration=4 * H, pauses_on=["waiting_parts"]
    )
    SlaClockRule.objects.create(policy=policy, kind="arrival", duration=2 * H)
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    # When the technician waits for the customer for an hour, then for parts for an hour
    for reason, start in (("waiting_customer", 10), ("waiting_parts", 70)):
        ticket = s.ticket_pause(actor=world.tech, ticket=ticket, reason=reason, now=at(start))
        ticket = s.ticket_resume(actor=world.tech, ticket=ticket, now=at(start + 60))
    # Then only the parts wait moved the completion deadline; arrival did not move at all
    assert clocks(ticket)["completion"].due_at == at(5 * 60)
    assert clocks(ticket)["arrival"].due_at == at(120)


# --- the reopen window -----------------------------------------------------------------------


def test_the_reopen_window_is_the_projects_setting(world, register):
    settings_row = desk_settings(world.p1)
    settings_row.reopen_within_days = 7
    settings_row.save()
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    ticket = s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    ticket = s.ticket_complete(actor=world.tech, ticket=ticket, now=at(60))
    with pytest.raises(DomainError) as err, translation.override("en"):
        s.ticket_reopen(actor=world.desk, ticket=ticket, reason="Leaks", now=at(8 * 24 * 60))
    assert err.value.code == "reopen_window_passed"
    with translation.override("en"):
        assert "7 days" in str(err.value.message)
    rework = s.ticket_reopen(actor=world.desk, ticket=ticket, reason="Leaks", now=at(6 * 24 * 60))
    assert rework.reopened_from == ticket


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def root(client, world):
    client.force_login(User.objects.create_superuser("root", password=f.PASSWORD))
    return client


def _policy_post(world, rules: list[dict[str, str]], **fields: str) -> dict[str, str]:
    data = {
        "project": str(world.p1.pk),
        "name": "给排水·紧急",
        "kind": "repair_unit",
        "category": str(_category(world.p1, "water").pk),
        "urgency": "urgent",
        "active": "on",
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, rule in enumerate(rules):
        for key, value in rule.items():
            data[f"rules-{i}-{key}"] = value
    return data


def _form_errors(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_adds_a_policy_with_clock_rules_and_audits_it(root, world):
    rules = [
        {
            "kind": "arrival",
            "basis": "calendar",
            "duration": "00:15:00",
            "warn_before": "00:05:00",
        },
        {
            "kind": "completion",
            "basis": "working",
            "same_day": "on",
            "cutoff": "16:00",
            "pauses_on": "waiting_parts",
            "warn_before": "02:00:00",
        },
    ]
    response = root.post(reverse("admin:servicedesk_slapolicy_add"), _policy_post(world, rules))
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = SlaPolicy.objects.get(name="给排水·紧急")
    completion = policy.rules.get(kind="completion")
    assert completion.pauses_on == ["waiting_parts"]
    assert completion.as_rule().cutoff == dt.time(16)
    assert AuditEvent.objects.filter(action="servicedesk.slapolicy.created").count() == 1
    event = AuditEvent.objects.get(action="servicedesk.slapolicy.updated")
    assert event.changes["rule:arrival"][0] is None
    assert event.changes["rule:arrival"][1]["duration"] == "0:15:00"
    assert event.project_id == world.p1.pk

    # the change page lists the pause reasons with their labels
    page = root.get(reverse("admin:servicedesk_slapolicy_change", args=[policy.pk]))
    assert "waiting_customer" in page.content.decode()


def test_the_admin_refuses_invalid_clock_rules(root, world):
    rules = [
        {"kind": "arrival", "basis": "calendar", "warn_before": "0"},
        {
            "kind": "completion",
            "basis": "working",
            "same_day": "on",
            "duration": "04:00:00",
            "warn_before": "0",
        },
        {"kind": "response", "basis": "working", "duration": "00:30:00", "cutoff": "17:00"},
    ]
    with translation.override("en"):
        body = _form_errors(
            root.post(reverse("admin:servicedesk_slapolicy_add"), _policy_post(world, rules))
        )
    assert "请填写时长，或勾选“当日”。" in body
    assert "当日完成的计时没有时长：请清除二者之一。" in body
    assert "傍晚截止时间只适用于当日完成的计时。" in body
    assert not SlaPolicy.objects.filter(name="给排水·紧急").exists()


def test_the_admin_refuses_a_second_policy_for_the_same_kind_category_and_urgency(root, world):
    with translation.override("en"):
        body = _form_errors(
            root.post(
                reverse("admin:servicedesk_slapolicy_add"),
                _policy_post(world, [], category="", urgency="normal", name="再来一个"),
            )
        )
    existing = _policy(world.p1, "repair_unit", urgency="normal")
    assert f"本项目的策略“{existing.name}”已覆盖该类型" in body
    assert not SlaPolicy.objects.filter(name="再来一个").exists()


def test_the_admin_refuses_another_projects_category(root, world):
    other = _category(world.p2, "water")
    with translation.override("en"):
        body = _form_errors(
            root.post(
                reverse("admin:servicedesk_slapolicy_add"),
                _policy_post(world, [], category=str(other.pk)),
            )
        )
    assert "该类别属于其他项目。" in body


def test_desk_settings_are_edited_in_the_admin_and_audited(root, world):
    row = desk_settings(world.p1)
    response = root.post(
        reverse("admin:servicedesk_desksettings_change", args=[row.pk]),
        {
            "reopen_within_days": "14",
            "rework_window_days": "30",
            "satisfaction_target": "85.00",
            "return_visit_target": "100.00",
            "complaint_rise_threshold": "50.00",
            "complaint_rise_min_count": "3",
            "fee_tolerance": "10.00",
            "second_level_after": "01:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row.refresh_from_db()
    assert (row.reopen_within_days, row.second_level_after) == (14, H)
    event = AuditEvent.objects.get(action="servicedesk.desksettings.updated")
    assert event.changes["reopen_within_days"] == [30, 14]
