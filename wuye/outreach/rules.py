"""The rule sweep: ``outreach_sweep(now)`` sends what the enabled rules make due.

Run hourly by the scheduler. For every enabled rule and every project it applies to (a
project rule wins over the company-wide rule of the same kind), the rule runs once the
project's local time has passed the rule's send time. What it sends is idempotent by
construction: each notification's dedupe key names the rule, the occasion and the person
(``rule:7:holiday:2027-02-06:o42``), so a later run the same day, or tomorrow's run for a
window rule, queues nothing twice. Two sweeps at once: each rule is claimed with a
conditional ``UPDATE`` first; the loser skips it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from wuye.outreach import events
from wuye.outreach.festivals import festivals_for_year, holiday_break
from wuye.outreach.models import (
    MessageRule,
    ProjectContact,
    RuleKind,
    UnitHandover,
    WarrantyComponent,
)
from wuye.places.models import Occupancy, Occupant, Project, Relation, Unit

logger = logging.getLogger(__name__)

CLAIM_FOR = dt.timedelta(minutes=10)


def _projects_for(rules: list[MessageRule]) -> Iterator[tuple[MessageRule, Project]]:
    """(rule, project) pairs: project rules for their project, company rules for every
    active project of the company that has no enabled-or-not rule of its own for that kind."""
    own = {(r.project_id, r.kind) for r in MessageRule.objects.filter(project__isnull=False)}
    company_ids = {r.company_id for r in rules if r.project_id is None}
    by_company: dict[int, list[Project]] = defaultdict(list)
    for project in Project.objects.filter(
        company_id__in=company_ids, is_active=True
    ).select_related("company"):
        by_company[project.company_id].append(project)
    for rule in rules:
        if rule.project_id is not None:
            assert rule.project is not None
            if rule.project.is_active:
                yield rule, rule.project
            continue
        for project in by_company.get(rule.company_id, []):
            if (project.pk, rule.kind) not in own:
                yield rule, project


def _claim(rule: MessageRule, now: dt.datetime) -> bool:
    return bool(
        MessageRule.objects.filter(pk=rule.pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
    )


def outreach_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every enabled rule that is due; returns ``{"rule:<id>": new notifications}``."""
    now = now or timezone.now()
    rules = list(
        MessageRule.objects.filter(enabled=True).select_related("company", "project__company")
    )
    due: dict[int, list[Project]] = defaultdict(list)
    by_id = {r.pk: r for r in rules}
    for rule, project in _projects_for(rules):
        local = now.astimezone(ZoneInfo(project.time_zone))
        if local.time() >= rule.send_time:
            due[rule.pk].append(project)
    result: dict[str, int] = {}
    for rule_id, projects in due.items():
        rule = by_id[rule_id]
        if not _claim(rule, now):
            continue  # another sweep is running this rule
        try:
            total = 0
            for project in projects:
                today = now.astimezone(ZoneInfo(project.time_zone)).date()
                total += RUNNERS[rule.kind](rule, project, today, now)
            result[rule.source] = total
        finally:
            MessageRule.objects.filter(pk=rule.pk).update(claimed_until=None, last_run_at=now)
    return result


# --- shared ------------------------------------------------------------------------------------


def _current(project: Project, **occupancy: Any) -> Any:
    return Occupant.objects.filter(project=project).filter(
        Exists(
            Occupancy.objects.filter(occupant_id=OuterRef("pk"), end_date__isnull=True, **occupancy)
        )
    )


def _send(
    rule: MessageRule,
    project: Project,
    *,
    event: str,
    ids: list[int],
    occasion: str,
    context: dict[str, Any],
    now: dt.datetime,
) -> int:
    if not ids:
        return 0
    from wuye.messaging.bulk import notify_many

    return notify_many(
        event=event,
        occupant_ids=ids,
        context=context,
        project=project,
        company=project.company,
        source=rule.source,
        dedupe_prefix=f"rule:{rule.pk}:{occasion}",
        now=now,
    )


# --- the kinds -----------------------------------------------------------------------------------


def run_welcome(rule: MessageRule, project: Project, today: dt.date, now: dt.datetime) -> int:
    """Occupancies started in the last ``within_days`` days (today included) that have had
    no welcome from this rule: one message per unit and person, with the assistant's phone."""
    within = max(rule.int_param("within_days"), 1)
    since = today - dt.timedelta(days=within - 1)
    contact = ProjectContact.objects.filter(project=project).first()
    rows = (
        Occupancy.objects.filter(
            unit__project=project,
            end_date__isnull=True,
            start_date__gte=since,
            start_date__lte=today,
        )
        .order_by("unit_id", "occupant_id")
        .values_list("unit_id", "unit__building__name", "unit__number", "occupant_id")
    )
    per_unit: dict[tuple[int, str], list[int]] = defaultdict(list)
    for unit_id, building, number, occupant_id in rows:
        per_unit[(unit_id, f"{building}{number}")].append(occupant_id)
    total = 0
    for (unit_id, label), ids in per_unit.items():
        total += _send(
            rule,
            project,
            event=events.WELCOME,
            ids=sorted(set(ids)),
            occasion=f"welcome:u{unit_id}",
            context={
                "unit": label,
                "assistant": contact.assistant_name if contact else "",
                "assistant_phone": (contact.assistant_phone if contact else "")
                or project.service_phone,
            },
            now=now,
        )
    return total


def run_holiday(rule: MessageRule, project: Project, today: dt.date, now: dt.datetime) -> int:
    """Festivals ``days_before`` days from today (not in ``skip``): every current occupant."""
    before = rule.int_param("days_before")
    raw_skip = rule.param("skip")
    skip = raw_skip if isinstance(raw_skip, list) else []
    target = today + dt.timedelta(days=before)
    festivals = [
        f for f in festivals_for_year(target.year) if f.date == target and f.code not in skip
    ]
    if not festivals:
        return 0
    ids = list(_current(project).order_by("id").values_list("id", flat=True))
    total = 0
    with translation.override(settings.LANGUAGE_CODE):
        for festival in festivals:
            period = ""
            if festival.statutory:
                brk = holiday_break(festival.date)
                if brk is not None:
                    period = f"{brk[0]:%Y-%m-%d} – {brk[1]:%Y-%m-%d}"
            total += _send(
                rule,
                project,
                event=events.HOLIDAY,
                ids=ids,
                occasion=f"holiday:{festival.date.isoformat()}",
                context={
                    "festival": str(festival.name),
                    "wishes": str(festival.wishes),
                    "holiday_period": period,
                },
                now=now,
            )
    return total


def run_birthday(rule: MessageRule, project: Project, today: dt.date, now: dt.datetime) -> int:
    """Current occupants born on today's month and day; 29 February birthdays are greeted
    on 28 February in common years."""
    match = Q(birthday__month=today.month, birthday__day=today.day)
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        match |= Q(birthday__month=2, birthday__day=29)
    ids = list(_current(project).filter(match).order_by("id").values_list("id", flat=True))
    return _send(
        rule,
        project,
        event=events.BIRTHDAY,
        ids=ids,
        occasion=f"birthday:{today.isoformat()}",
        context={},
        now=now,
    )


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus ``years``; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def run_warranty(rule: MessageRule, project: Project, today: dt.date, now: dt.datetime) -> int:
    """Components whose warranty ends within ``days_before`` days (from today on): the
    current owners of the units handed over on the matching date. A window, not one day, so
    a missed sweep (or a rule enabled late) still reminds; the dedupe key names component
    and expiry date, so each owner is reminded once per component and expiry."""
    before = rule.int_param("days_before")
    last = today + dt.timedelta(days=before)
    components = list(WarrantyComponent.objects.filter(project=project))
    if not components:
        return 0
    contact = ProjectContact.objects.filter(project=project).first()
    default_date = contact.default_handover_date if contact else None
    total = 0
    for component in components:
        # handover dates whose expiry falls in [today, last] (± one day for 29 February)
        lo = add_years(today, -component.years) - dt.timedelta(days=1)
        hi = add_years(last, -component.years) + dt.timedelta(days=1)
        per_expiry: dict[dt.date, set[int]] = defaultdict(set)
        for unit_id, handed in UnitHandover.objects.filter(
            project=project, handover_date__gte=lo, handover_date__lte=hi
        ).values_list("unit_id", "handover_date"):
            expiry = add_years(handed, component.years)
            if today <= expiry <= last:
                per_expiry[expiry].add(unit_id)
        if default_date is not None:
            expiry = add_years(default_date, component.years)
            if today <= expiry <= last:
                per_expiry[expiry].update(
                    Unit.objects.filter(project=project, handover__isnull=True).values_list(
                        "id", flat=True
                    )
                )
        for expiry, unit_ids in sorted(per_expiry.items()):
            ids = list(
                _current(project, relation=Relation.OWNER, unit_id__in=sorted(unit_ids))
                .order_by("id")
                .values_list("id", flat=True)
            )
            total += _send(
                rule,
                project,
                event=events.WARRANTY,
                ids=ids,
                occasion=f"warranty:{component.code}:{expiry.isoformat()}",
                context={
                    "component": component.name,
                    "expires_on": expiry.isoformat(),
                    "years": str(component.years),
                },
                now=now,
            )
    return total


Runner = Callable[[MessageRule, Project, dt.date, dt.datetime], int]

RUNNERS: dict[str, Runner] = {
    RuleKind.WELCOME: run_welcome,
    RuleKind.HOLIDAY: run_holiday,
    RuleKind.BIRTHDAY: run_birthday,
    RuleKind.WARRANTY: run_warranty,
}
