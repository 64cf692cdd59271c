"""Dispatch reads: technicians' workload and who to send a ticket to.

Selectors; they take ids or a ticket the caller has already fetched through a scoped
selector (``access_ticket``) and read only that ticket's project.

**Suggestion score** (:func:`dispatch_suggestions`), per candidate:

- ``+SKILL_POINTS`` when one of their active teams has the ticket's category among its skills;
- ``+ZONE_POINTS`` when one of their active teams covers the ticket's building, or has no
  buildings (a team without a zone covers the whole project — also tickets without a
  building);
- ``-1`` per open ticket they hold (their current workload).

Candidates are the project's active field staff: active members with an engineering,
security or cleaning role, plus any other holder of ``FIELD_WORK`` in the project (a project
manager) who is a member of one of its active teams. Ties go to the lighter workload, then
by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Value
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wuye.accounts.access import ROLE_CAPABILITIES, Capability
from wuye.accounts.models import PROJECT_ROLES, Membership, Role, User
from wuye.servicedesk.models import Team, Ticket
from wuye.servicedesk.selectors import OPEN_STATES

SKILL_POINTS = 3
ZONE_POINTS = 2

#: Roles whose members are always candidates; other FIELD_WORK roles only via a team.
FIELD_ROLES = frozenset({Role.ENGINEERING, Role.SECURITY, Role.CLEANING})
_FIELD_WORK_ROLES = frozenset(
    role for role in PROJECT_ROLES if Capability.FIELD_WORK in ROLE_CAPABILITIES[role]
)


def workload(project_id: int, user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Open tickets of the project per assignee id (assignees without any are absent).
    Open: dispatched to them and not yet completed, or a complaint in hand. One query."""
    query = Ticket.objects.filter(
        project_id=project_id, state__in=OPEN_STATES, assignee__isnull=False
    )
    if user_ids is not None:
        query = query.filter(assignee_id__in=list(user_ids))
    rows = query.values("assignee_id").annotate(n=Count("id")).values_list("assignee_id", "n")
    return dict(rows)


@dataclass
class Suggestion:
    user: User
    score: int
    reasons: list[str] = field(default_factory=list)
    open_tickets: int = 0
    teams: list[str] = field(default_factory=list)


@dataclass
class _TeamFit:
    name: str
    skill: bool
    zone: bool
    whole_project: bool


def _team_fits(ticket: Ticket) -> dict[int, _TeamFit]:
    """The project's active teams with whether each fits the ticket. One query."""
    links = Team.buildings.through.objects.filter(team_id=OuterRef("pk"))
    skill: Exists | Value = Value(False)
    if ticket.category_id is not None:
        skill = Exists(
            Team.categories.through.objects.filter(
                team_id=OuterRef("pk"), category_id=ticket.category_id
            )
        )
    zone: Exists | Value = Value(False)
    if ticket.building_id is not None:
        zone = Exists(links.filter(building_id=ticket.building_id))
    teams = Team.objects.filter(project_id=ticket.project_id, active=True).annotate(
        skill=skill, zone=zone, any_zone=Exists(links)
    )
    return {
        pk: _TeamFit(name=name, skill=has_skill, zone=in_zone, whole_project=not any_zone)
        for pk, name, has_skill, in_zone, any_zone in teams.order_by("name").values_list(
            "pk", "name", "skill", "zone", "any_zone"
        )
    }


def dispatch_suggestions(ticket: Ticket, limit: int = 5) -> list[Suggestion]:
    """The project's field staff best placed to take ``ticket``, best first (at most
    ``limit``), with the reasons of their score. A bounded number of queries whatever the
    number of staff and teams (five, plus the ticket's category and building if not loaded)."""
    fits = _team_fits(ticket)
    teams_of: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in Team.members.through.objects.filter(team_id__in=fits).values_list(
        "team_id", "user_id"
    ):
        teams_of[user_id].append(team_id)
    memberships = Membership.objects.filter(
        project_id=ticket.project_id,
        is_active=True,
        user__is_active=True,
        role__in=_FIELD_WORK_ROLES,
    ).select_related("user")
    users: dict[int, User] = {}
    for membership in memberships.order_by("user_id"):
        if membership.role in FIELD_ROLES or membership.user_id in teams_of:
            users.setdefault(membership.user_id, membership.user)
    load = workload(ticket.project_id, users)
    category = ticket.category.name if ticket.category_id is not None and ticket.category else ""
    building = ticket.building.name if ticket.building_id is not None and ticket.building else ""

    suggestions = []
    for user_id, user in users.items():
        mine = [fits[t] for t in teams_of.get(user_id, [])]
        score, reasons = 0, []
        if any(f.skill for f in mine):
            score += SKILL_POINTS
            reasons.append(_("Skill match: %(category)s") % {"category": category})
        if any(f.zone for f in mine):
            score += ZONE_POINTS
            reasons.append(_("Zone: %(building)s") % {"building": building})
        elif any(f.whole_project for f in mine):
            score += ZONE_POINTS
            reasons.append(_("Zone: the whole project"))
        open_tickets = load.get(user_id, 0)
        score -= open_tickets
        reasons.append(
            ngettext("%(count)d open ticket", "%(count)d open tickets", open_tickets)
            % {"count": open_tickets}
        )
        suggestions.append(
            Suggestion(
                user=user,
                score=score,
                reasons=reasons,
                open_tickets=open_tickets,
                teams=sorted(f.name for f in mine),
            )
        )
    suggestions.sort(key=lambda s: (-s.score, s.open_tickets, str(s.user), s.user.pk))
    return suggestions[:limit]
