"""Per-project service-desk policy: desk settings, SLA policies, the shipped defaults.

Which clocks a ticket runs (issue 3 §2) is a row of :class:`~wuye.servicedesk.models.SlaPolicy`
with its :class:`~wuye.servicedesk.models.SlaClockRule` rows, chosen when the ticket is
registered:

- the policy's ``kind`` must equal the ticket's kind; inactive policies are ignored;
- among the matching policies (category empty or the ticket's, urgency empty or the
  ticket's) the most specific wins: one with a category beats one without, then one with an
  urgency beats one without (ties, which the admin refuses to create: the oldest row);
- a policy with no clock rules means "no clocks" for the tickets it matches, and a project
  that has policy rows but none for a kind runs no clock for that kind;
- a project with no policy rows at all runs the shipped defaults (:func:`profile_for` and
  :data:`wuye.servicedesk.sla.DEFAULT_RULES`).

The rule is copied into the ticket's clock when the clock starts (``TicketClock`` snapshots
it): editing a policy changes the tickets registered afterwards, never a clock already
running.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from wuye.audit.services import audit_record
from wuye.places.models import Project
from wuye.servicedesk import sla
from wuye.servicedesk.models import (
    Category,
    DeskSettings,
    SlaClockRule,
    SlaPolicy,
    Ticket,
    TicketKind,
    Urgency,
)

# --- desk settings -------------------------------------------------------------------------


def desk_settings(project: Project | int) -> DeskSettings:
    """The project's desk settings, created with the model's defaults on first use."""
    project_id = project if isinstance(project, int) else project.pk
    found, _created = DeskSettings.objects.get_or_create(project_id=project_id)
    return found


# --- the shipped defaults ------------------------------------------------------------------

#: Repairs of these kinds get clocks by urgency (see :func:`profile_for`).
WORK_KINDS = (TicketKind.REPAIR_PUBLIC, TicketKind.REPAIR_UNIT, TicketKind.HOME_REPAIR)


def profile_for(kind: str, urgency: str) -> sla.DefaultProfile | None:
    """The shipped default profile of a ticket, or ``None`` for kinds without clocks.

    Repairs: urgent → urgent repair; normal → minor repair (done the same day, seed part 3
    §4.1.2); by appointment → repair (no same-day completion clock). Inquiries, suggestions
    and praise run no clock in the defaults.
    """
    if kind == TicketKind.COMPLAINT:
        return sla.DefaultProfile.COMPLAINT
    if kind == TicketKind.SPECIAL_SERVICE:
        return sla.DefaultProfile.SPECIAL_SERVICE
    if kind in WORK_KINDS:
        if urgency == Urgency.URGENT:
            return sla.DefaultProfile.URGENT_REPAIR
        if urgency == Urgency.APPOINTMENT:
            return sla.DefaultProfile.REPAIR
        return sla.DefaultProfile.MINOR_REPAIR
    return None


def default_rules(kind: str, urgency: str) -> dict[sla.ClockKind, sla.ClockRule]:
    """The shipped default clock rules of a ticket of ``kind`` and ``urgency``."""
    profile = profile_for(kind, urgency)
    if profile is None:
        return {}
    return {rule.kind: rule for rule in sla.DEFAULT_RULES[profile]}


#: Default categories (code, name). Names are data in the language of the deployment's users
#: (Chinese), not interface text; an administrator renames, adds or deactivates them.
DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("water", "给排水"),
    ("electricity", "电力照明"),
    ("doors-locks", "门窗锁具"),
    ("lifts", "电梯"),
    ("public-facilities", "公共设施"),
    ("cleaning", "保洁"),
    ("greening", "绿化"),
    ("noise", "噪音"),
    ("parking", "停车"),
    ("security", "安全秩序"),
    ("fees", "费用"),
    ("other", "其他"),
)


def default_policy_keys() -> list[tuple[str, str]]:
    """(kind, urgency) of the default policies: repairs per urgency, complaints and special
    services for every urgency (empty)."""
    keys = [(kind.value, urgency.value) for kind in WORK_KINDS for urgency in Urgency]
    keys += [(TicketKind.COMPLAINT.value, ""), (TicketKind.SPECIAL_SERVICE.value, "")]
    return keys


def _policy_name(kind: str, urgency: str) -> str:
    # Stored data, named in the site's language (what the project's administrators read).
    with translation.override(settings.LANGUAGE_CODE):
        name = str(TicketKind(kind).label)
        if urgency:
            name = f"{name} · {Urgency(urgency).label}"
    return name


def _rule_row(policy: SlaPolicy, rule: sla.ClockRule) -> SlaClockRule:
    return SlaClockRule(
        policy=policy,
        kind=rule.kind.value,
        basis=rule.basis.value,
        duration=rule.duration,
        same_day=rule.same_day,
        cutoff=rule.cutoff,
        pauses_on=sorted(r.value for r in rule.pauses_on),
        warn_before=rule.warn_before,
    )


def desk_install_defaults(*, project: Project, actor: Any = None) -> None:
    """Give ``project`` the default ticket categories and the SLA policies that reproduce
    :data:`wuye.servicedesk.sla.DEFAULT_RULES` (one per repair kind × urgency, one for
    complaints, one for special services), and its desk settings.

    Idempotent: only what is missing is created (categories by code, policies by kind ×
    no category × urgency); nothing existing is changed or removed, so running it again —
    also at the same time, the project row is locked — never duplicates anything. Called for
    every new project (``ServicedeskConfig.ready``), as part of creating it (no actor, no
    audit event of its own); called by someone (``actor``) it is audited when it created
    something.
    """
    with transaction.atomic():
        list(Project.objects.select_for_update().filter(pk=project.pk).values_list("pk"))
        desk_settings(project)
        have_codes = set(Category.objects.filter(project=project).values_list("code", flat=True))
        new_categories = [
            Category(project=project, code=code, name=name)
            for code, name in DEFAULT_CATEGORIES
            if code not in have_codes
        ]
        Category.objects.bulk_create(new_categories)
        have_keys = set(
            SlaPolicy.objects.filter(project=project, category__isnull=True).values_list(
                "kind", "urgency"
            )
        )
        policies = [
            SlaPolicy(project=project, kind=kind, urgency=urgency, name=_policy_name(kind, urgency))
            for kind, urgency in default_policy_keys()
            if (kind, urgency) not in have_keys
        ]
        for policy in policies:
            # One by one: the rules need the policy's id (bulk_create returns none on SQLite).
            policy.save(force_insert=True)
        SlaClockRule.objects.bulk_create(
            [
                _rule_row(policy, rule)
                for policy in policies
                for rule in default_rules(policy.kind, policy.urgency or Urgency.NORMAL).values()
            ]
        )
        if actor is not None and (new_categories or policies):
            audit_record(
                actor=actor,
                action="servicedesk.defaults.installed",
                instance=project,
                changes={
                    "categories": [None, [c.code for c in new_categories]],
                    "sla_policies": [None, [p.name for p in policies]],
                },
            )


# --- choosing the policy of a ticket -------------------------------------------------------


def _specificity(policy: SlaPolicy) -> tuple[bool, bool, int]:
    return (policy.category_id is not None, bool(policy.urgency), -policy.pk)


def policy_for(
    project: Project | int,
    kind: str,
    category: Category | int | None,
    urgency: str,
) -> SlaPolicy | None:
    """The most specific active policy of ``project`` for a ticket of ``kind``, ``category``
    and ``urgency``, or ``None`` when none matches. One query."""
    project_id = project if isinstance(project, int) else project.pk
    category_id = category.pk if isinstance(category, Category) else category
    category_match = Q(category__isnull=True)
    if category_id is not None:
        category_match |= Q(category_id=category_id)
    candidates = SlaPolicy.objects.filter(
        category_match,
        project_id=project_id,
        kind=kind,
        active=True,
        urgency__in=["", urgency],
    )
    return max(candidates, key=_specificity, default=None)


def rules_for(ticket: Ticket) -> dict[sla.ClockKind, sla.ClockRule]:
    """The clock rules a ticket runs: its policy's rows; no clocks when the project has
    policies but none matches; the shipped defaults when the project has no policy rows at
    all. Two queries (three when no policy matches)."""
    policy = policy_for(ticket.project_id, ticket.kind, ticket.category_id, ticket.urgency)
    if policy is not None:
        return {sla.ClockKind(row.kind): row.as_rule() for row in policy.rules.all()}
    if SlaPolicy.objects.filter(project_id=ticket.project_id).exists():
        return {}
    return default_rules(ticket.kind, ticket.urgency)
