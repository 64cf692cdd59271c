"""Every rule kind: due today, not twice, twice at once → once, opt-outs."""

import datetime as dt

import pytest

from wuye.messaging.models import Notification
from wuye.outreach.models import MessageRule, ProjectContact, UnitHandover, WarrantyComponent
from wuye.outreach.rules import outreach_sweep
from wuye.outreach.services import warranty_install_defaults
from wuye.outreach.tests.conftest import keys, sh, statuses
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db


def rule(world, kind, project=None, **params):
    return MessageRule.objects.create(
        company=world.company_a, project=project, kind=kind, enabled=True, parameters=params
    )


# --- sweep mechanics -------------------------------------------------------------------------


def test_nothing_before_the_send_time_and_disabled_rules_never(world):
    r = rule(world, "holiday")
    assert outreach_sweep(now=sh(2027, 2, 6, 8, 59)) == {}
    r.enabled = False
    r.save()
    assert outreach_sweep(now=sh(2027, 2, 6, 10, 0)) == {}
    assert not Notification.objects.exists()


def test_a_claimed_rule_is_skipped_by_a_second_sweep(world):
    """Two sweeps at once: the first claims the rule, the second finds it claimed."""
    r = rule(world, "holiday")
    MessageRule.objects.filter(pk=r.pk).update(claimed_until=sh(2027, 2, 6, 9, 40))
    assert outreach_sweep(now=sh(2027, 2, 6, 9, 30)) == {}
    assert not Notification.objects.exists()
    # an expired claim (the other sweep died) is taken over
    assert outreach_sweep(now=sh(2027, 2, 6, 9, 45)) == {r.source: 2}
    r.refresh_from_db()
    assert r.claimed_until is None and r.last_run_at == sh(2027, 2, 6, 9, 45)


def test_a_project_rule_replaces_the_company_rule(world):
    company = rule(world, "holiday")
    own = MessageRule.objects.create(
        company=world.company_a, project=world.p2, kind="holiday", enabled=False
    )
    assert outreach_sweep(now=sh(2027, 2, 6, 9, 30)) == {company.source: 1}
    assert keys(company.source) == [f"rule:{company.pk}:holiday:2027-02-06:o{world.occupant1.pk}"]
    assert not keys(own.source)


# --- holidays --------------------------------------------------------------------------------


def test_holiday_greeting_on_the_day_once_with_opt_outs_counted(world, resident, opt_out):
    r = rule(world, "holiday")
    quiet = resident(name="不要问候")
    opt_out(quiet, greetings=True)
    assert outreach_sweep(now=sh(2027, 2, 6, 9, 30)) == {r.source: 3}
    assert outreach_sweep(now=sh(2027, 2, 6, 15, 0)) == {r.source: 0}
    assert statuses(r.source).get("opted_out") == 1
    n = Notification.objects.get(dedupe_key=f"rule:{r.pk}:holiday:2027-02-06:o{world.occupant1.pk}")
    assert n.category == "greeting" and n.event == "outreach.greeting.holiday"
    assert n.context["festival"] == "春节"
    # the next day is no festival
    assert outreach_sweep(now=sh(2027, 2, 7, 9, 30)) == {r.source: 0}


def test_holiday_days_before_skip_and_statutory_break(world):
    r = rule(world, "holiday", days_before=1)
    assert outreach_sweep(now=sh(2026, 9, 30, 9, 30)) == {r.source: 2}  # National Day eve
    n = Notification.objects.filter(source=r.source).first()
    assert n.context["holiday_period"] == "2026-10-01 – 2026-10-07"
    # Qixi is skipped by default
    assert outreach_sweep(now=sh(2027, 8, 7, 9, 30)) == {r.source: 0}
    r.parameters = {"skip": []}
    r.save()
    assert outreach_sweep(now=sh(2027, 8, 8, 9, 30)) == {r.source: 2}


def test_double_ninth_and_womens_day(world):
    r = rule(world, "holiday")
    assert outreach_sweep(now=sh(2027, 10, 8, 9, 30)) == {r.source: 2}
    assert outreach_sweep(now=sh(2027, 3, 8, 9, 30)) == {r.source: 2}
    festivals = set(Notification.objects.values_list("context__festival", flat=True))
    assert festivals == {"重阳节", "妇女节"}


# --- birthdays -------------------------------------------------------------------------------


def test_birthday_today_once(world, resident, opt_out):
    r = rule(world, "birthday")
    born = resident(birthday=dt.date(1950, 12, 2))
    quiet = resident(birthday=dt.date(1980, 12, 2))
    opt_out(quiet, greetings=True)
    resident(birthday=dt.date(1950, 12, 3))
    resident(birthday=dt.date(1950, 12, 2), end=dt.date(2025, 1, 1))  # moved out
    assert outreach_sweep(now=sh(2026, 12, 2, 9, 30)) == {r.source: 2}
    assert outreach_sweep(now=sh(2026, 12, 2, 20, 0)) == {r.source: 0}
    assert keys(r.source) == sorted(
        f"rule:{r.pk}:birthday:2026-12-02:o{o.pk}" for o in (born, quiet)
    )
    assert (
        statuses(r.source) == {"pending": 1, "opted_out": 1}
        or statuses(r.source).get("opted_out") == 1
    )


def test_29_february_birthdays_on_28_february_in_common_years(world, resident):
    r = rule(world, "birthday")
    leap = resident(birthday=dt.date(1992, 2, 29))
    assert outreach_sweep(now=sh(2027, 2, 28, 9, 30)) == {r.source: 1}
    assert outreach_sweep(now=sh(2028, 2, 28, 9, 30)) == {r.source: 0}
    assert outreach_sweep(now=sh(2028, 2, 29, 9, 30)) == {r.source: 1}
    assert len(keys(r.source)) == 2 and all(k.endswith(f"o{leap.pk}") for k in keys(r.source))


# --- welcome ---------------------------------------------------------------------------------


def test_welcome_new_occupancies_with_the_assistants_phone(world, resident):
    r = rule(world, "welcome")
    ProjectContact.objects.create(
        project=world.p1, assistant_name="王管家", assistant_phone="13900001234"
    )
    new = resident(start=dt.date(2026, 11, 28))
    resident(start=dt.date(2026, 11, 20))  # more than 7 days ago
    assert outreach_sweep(now=sh(2026, 12, 2, 9, 30)) == {r.source: 1}
    assert outreach_sweep(now=sh(2026, 12, 3, 9, 30)) == {r.source: 0}  # no second welcome
    n = Notification.objects.get(source=r.source)
    assert n.recipient_occupant_id == new.pk
    assert n.context["assistant_phone"] == "13900001234" and n.context["unit"] == "1幢1-101"
    assert n.category == "service"


# --- warranty --------------------------------------------------------------------------------


def test_warranty_reminder_a_month_before_to_current_owners(world, resident):
    r = rule(world, "warranty")
    WarrantyComponent.objects.create(project=world.p1, code="roof", name="屋面防水", years=5)
    UnitHandover.objects.create(unit=world.u1, project=world.p1, handover_date=dt.date(2022, 1, 1))
    tenant = resident(relation="tenant")
    # expiry 2027-01-01; 30 days before is 2026-12-02
    assert outreach_sweep(now=sh(2026, 12, 1, 9, 30)) == {r.source: 0}
    assert outreach_sweep(now=sh(2026, 12, 2, 9, 30)) == {r.source: 1}
    assert outreach_sweep(now=sh(2026, 12, 10, 9, 30)) == {r.source: 0}
    assert keys(r.source) == [f"rule:{r.pk}:warranty:roof:2027-01-01:o{world.occupant1.pk}"]
    assert tenant.pk not in Notification.objects.values_list("recipient_occupant_id", flat=True)


def test_warranty_default_handover_date_and_default_components(world):
    r = rule(world, "warranty")
    assert warranty_install_defaults(project=world.p1) == 6
    assert warranty_install_defaults(project=world.p1) == 0
    ProjectContact.objects.create(project=world.p1, default_handover_date=dt.date(2024, 12, 20))
    # the 2-year components (heating/cooling, electrical, plumbing, decoration) expire 2026-12-20
    assert outreach_sweep(now=sh(2026, 12, 2, 9, 30)) == {r.source: 4}
    assert {k.split(":")[3] for k in keys(r.source)} == {
        "heating_cooling",
        "electrical",
        "plumbing",
        "decoration",
    }


def test_rules_of_another_company_do_not_reach_its_occupants(world):
    r = MessageRule.objects.create(company=world.company_b, kind="holiday", enabled=True)
    assert outreach_sweep(now=sh(2027, 2, 6, 9, 30)) == {r.source: 1}
    assert list(Notification.objects.values_list("recipient_occupant_id", flat=True)) == [
        world.occupant3.pk
    ]
    assert f  # factories imported for other tests
