"""Dispatch: to a person, to a team's grab pool or the project's pool; grab; reassign.

- ``ticket_dispatch`` sends a registered (or not yet accepted) work order to a person, to a
  team's pool (``team`` set, ``assignee=None``) or to the project's pool (both ``None``).
- ``ticket_grab`` takes a ticket from a pool; with a team set only that team's members may.
- ``ticket_reassign`` moves a ticket someone already holds to someone else, with a reason;
  the new assignee accepts again (state back to dispatched). The SLA clocks are not
  restarted: they measure the customer's wait, which a change of hands does not reset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import Conflict, DomainError, PermissionDenied
from wuye.servicedesk.clocks import clocks_refresh, clocks_stop
from wuye.servicedesk.models import Family, Team, Ticket, TicketPause
from wuye.servicedesk.services._common import (
    K,
    S,
    _event,
    _invalid,
    _is_field,
    _locked,
    _move,
    _now,
    _require_desk,
    _require_state,
)

#: States in which a ticket has an assignee that ``ticket_reassign`` may replace.
REASSIGNABLE = frozenset({S.DISPATCHED, S.ACCEPTED, S.ARRIVED, S.IN_PROGRESS, S.PAUSED})


def _check_target(ticket: Ticket, assignee: Any | None, team: Team | None) -> None:
    """The team must be an active team of the ticket's project; the assignee a field worker
    of the project and, when a team is given, one of its members."""
    if team is not None:
        if team.project_id != ticket.project_id:
            raise DomainError(_("This belongs to another project."), field="team")
        if not team.active:
            raise DomainError(_("This team is no longer active."), field="team")
    if assignee is not None:
        if not _is_field(assignee, ticket.project_id):
            raise DomainError(
                _("The assignee must be a field worker of the ticket's project."),
                field="assignee",
            )
        if team is not None and not team.members.filter(pk=assignee.pk).exists():
            raise DomainError(
                _("%(user)s is not a member of team “%(team)s”.")
                % {"user": assignee, "team": team.name},
                field="assignee",
            )


def _who(user: Any | None) -> dict[str, Any]:
    return {"id": user.pk, "name": str(user)} if user is not None else {"id": None, "name": ""}


def ticket_dispatch(
    *,
    actor: Any,
    ticket: Ticket,
    assignee: Any | None = None,
    team: Team | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Dispatch a work order (customer service only; state registered or dispatched).

    - ``assignee`` set: to that person (a field worker of the project; a member of ``team``
      when one is given as well); they accept it with ``ticket_accept``;
    - ``team`` set, ``assignee=None``: into the team's grab pool (only its members may grab);
    - both ``None``: into the project's grab pool.

    A dispatched ticket nobody has accepted yet may be dispatched again; once accepted use
    ``ticket_reassign``. Event ``servicedesk.ticket.dispatched`` (data: ``assignee`` id,
    ``team`` id when set; on a re-dispatch ``previous_assignee`` and ``previous_team``).
    """
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        _require_state(t, "dispatch", {Family.WORK: {S.REGISTERED, S.DISPATCHED}})
        _check_target(t, assignee, team)
        data: dict[str, Any] = {"assignee": assignee.pk if assignee is not None else None}
        if team is not None:
            data["team"] = team.pk
        if t.state == S.DISPATCHED:
            data["previous_assignee"] = t.assignee_id
            if t.team_id is not None:
                data["previous_team"] = t.team_id
        return _move(
            t,
            actor=actor,
            now=at,
            to=S.DISPATCHED,
            code="dispatched",
            note=note,
            data=data,
            fields={"assignee": assignee, "team": team},
        )


def ticket_reassign(
    *,
    actor: Any,
    ticket: Ticket,
    assignee: Any | None,
    reason: str,
    team: Team | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Give a ticket someone holds to another person (or back to a pool with
    ``assignee=None``), with a reason (required). Customer service only.

    Allowed while dispatched, accepted, arrived, in progress or paused; the ticket goes back
    to *dispatched* so that the new assignee accepts it. A pause still open ends here (the
    new assignee pauses again if still waiting) and the clocks are refreshed. ``team=None``
    keeps the ticket's team unless the new assignee is not one of its members, in which case
    the team is cleared. Event ``servicedesk.ticket.reassigned`` with the previous and the new
    assignee and team.
    """
    at = _now(now)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for reassigning."), field="reason")
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        _require_state(t, "reassign", {Family.WORK: REASSIGNABLE})
        if team is None and t.team_id is not None:
            current = Team.objects.get(pk=t.team_id)
            in_team = assignee is None or current.members.filter(pk=assignee.pk).exists()
            team = current if in_team else None
        _check_target(t, assignee, team)
        new_assignee_id = assignee.pk if assignee is not None else None
        new_team_id = team.pk if team is not None else None
        if (new_assignee_id, new_team_id) == (t.assignee_id, t.team_id):
            raise DomainError(
                _("The ticket is already assigned this way."), field="assignee", code="unchanged"
            )
        previous = t.assignee
        previous_team_id = t.team_id
        was_paused = t.state == S.PAUSED
        if was_paused:
            TicketPause.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=at)
        _move(
            t,
            actor=actor,
            now=at,
            to=S.DISPATCHED,
            code="reassigned",
            note=reason,
            data={
                "previous_assignee": _who(previous),
                "assignee": _who(assignee),
                "previous_team": previous_team_id,
                "team": new_team_id,
            },
            fields={"assignee": assignee, "team": team, "resume_state": ""},
        )
        if was_paused:
            clocks_refresh(t, now=at)
        return t


def ticket_grab(*, actor: Any, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Take a ticket from a grab pool (dispatched to nobody).

    A field worker of the project may grab from the project's pool; a ticket in a team's pool
    only members of that team may grab (others get ``PermissionDenied``). The claim is one
    conditional ``UPDATE … WHERE state = dispatched AND assignee IS NULL AND team = <team>``:
    of two technicians grabbing at once exactly one updates a row; the other gets
    ``Conflict`` (code ``already_taken``).
    """
    at = _now(now)
    with transaction.atomic():
        t = Ticket.objects.select_related("project", "team").get(pk=ticket.pk)
        if not _is_field(actor, t.project_id):
            raise PermissionDenied(_("Only the project's field staff can take tickets."))
        if t.family != Family.WORK or t.state != S.DISPATCHED:
            if t.assignee_id is not None:
                raise Conflict(_("Someone else has taken this ticket."), code="already_taken")
            raise _invalid(t, "grab")
        pool_team = t.team if t.assignee_id is None else None
        if pool_team is not None and not pool_team.members.filter(pk=actor.pk).exists():
            raise PermissionDenied(
                _("This ticket is in the pool of team “%(team)s”: only its members can take it.")
                % {"team": pool_team.name}
            )
        same_team = Q(team__isnull=True) if t.team_id is None else Q(team_id=t.team_id)
        won = Ticket.objects.filter(
            same_team, pk=t.pk, state=S.DISPATCHED, assignee__isnull=True
        ).update(state=S.ACCEPTED, assignee=actor, updated_at=at)
        if not won:
            raise Conflict(_("Someone else has taken this ticket."), code="already_taken")
        t = _locked(t)
        _event(t, actor=actor, now=at, code="grabbed", from_state=S.DISPATCHED, to_state=t.state)
        clocks_stop(t, (K.RESPONSE, K.SPECIAL_REPLY), now=at)
        return t
