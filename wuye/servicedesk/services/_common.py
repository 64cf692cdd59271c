"""Shared pieces of the ticket services: transition checks, locking, events, numbering."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, scope_for
from wuye.core.errors import DomainError, PermissionDenied
from wuye.places.models import Project
from wuye.servicedesk import sla
from wuye.servicedesk.clocks import clocks_stop
from wuye.servicedesk.models import (
    Family,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketSequence,
    TicketState,
)

S = TicketState
K = sla.ClockKind

#: The shipped default of the reopen window: a finished ticket may be reopened as rework
#: within this many days of completion (or, for complaints, of closing) — the rework window of
#: defaults.md ("same unit + category within 30 days of closure"). The window that applies is
#: the project's ``DeskSettings.reopen_within_days`` (same default), read by ``ticket_reopen``.
REOPEN_WITHIN = dt.timedelta(days=30)

_PREFIX = {
    TicketKind.COMPLAINT: "TS",  # 投诉
    TicketKind.INQUIRY: "ZX",  # 咨询
    TicketKind.SUGGESTION: "ZX",
    TicketKind.PRAISE: "ZX",
}
_DEFAULT_PREFIX = "BX"  # 报修 / 报事

_START_CLOCKS = (
    K.RESPONSE,
    K.ARRIVAL,
    K.COMPLETION,
    K.SPECIAL_REPLY,
    K.COMPLAINT_FIRST_FEEDBACK,
    K.COMPLAINT_FINAL_REPLY,
)
_OPEN_WORK = {S.ACCEPTED, S.ARRIVED, S.IN_PROGRESS}
_TERMINAL = {S.COMPLETED, S.RETURN_VISITED, S.CLOSED, S.CANCELLED, S.RESULT_REPORTED}

_ACTIONS: dict[str, Promise] = {
    "dispatch": _("Dispatch"),
    "reassign": _("Reassign"),
    "accept": _("Accept"),
    "grab": _("Grab"),
    "arrive": _("Arrive"),
    "start": _("Start work"),
    "pause": _("Pause"),
    "resume": _("Resume"),
    "complete": _("Complete"),
    "return_visit": _("Record a return visit"),
    "close": _("Close"),
    "cancel": _("Cancel"),
    "reopen": _("Reopen"),
    "acknowledge": _("Acknowledge"),
    "report_result": _("Report the result"),
    "confirm": _("Confirm"),
}


# --- helpers ---------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _invalid(ticket: Ticket, action: str) -> DomainError:
    return DomainError(
        _("“%(action)s” is not possible: ticket %(number)s is “%(state)s”.")
        % {
            "action": _ACTIONS[action],
            "number": ticket.number,
            "state": S(ticket.state).label,
        },
        code="invalid_transition",
    )


def _require_state(ticket: Ticket, action: str, allowed: dict[Family, Collection[str]]) -> None:
    if ticket.state not in allowed.get(ticket.family, ()):
        raise _invalid(ticket, action)


def _is_staff(user: Any, project_id: int) -> bool:
    return scope_for(user).can(project_id, Capability.VIEW)


def _can(user: Any, project_id: int, capability: Capability) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and scope_for(user).can(
        project_id, capability
    )


def _is_desk(user: Any, project_id: int) -> bool:
    return _can(user, project_id, Capability.SERVICE_DESK)


def _is_field(user: Any, project_id: int) -> bool:
    return _can(user, project_id, Capability.FIELD_WORK)


def _require_desk(actor: Any, ticket: Ticket) -> None:
    """Customer service (or a manager): ``Capability.SERVICE_DESK`` in the ticket's project."""
    if not _is_desk(actor, ticket.project_id):
        raise PermissionDenied(_("Only the project's customer service can do this."))


def _require_worker(actor: Any, ticket: Ticket) -> None:
    """The ticket's assignee (holding ``FIELD_WORK``), or the desk recording on their behalf."""
    is_assignee = ticket.assignee_id is not None and ticket.assignee_id == getattr(
        actor, "pk", None
    )
    if not (
        (is_assignee and _is_field(actor, ticket.project_id)) or _is_desk(actor, ticket.project_id)
    ):
        raise PermissionDenied(_("Only the assignee or customer service can do this."))


# Kept for callers that only need "a staff member of the project" (registration by a
# technician or a guard who found the matter on a round).
def _require_staff(actor: Any, ticket: Ticket) -> None:
    if not (_is_desk(actor, ticket.project_id) or _is_field(actor, ticket.project_id)):
        raise PermissionDenied(_("Only the project's staff can do this."))


def _is_reporter(actor: Any, ticket: Ticket) -> bool:
    reporter = ticket.reporter
    return bool(
        reporter is not None
        and getattr(actor, "is_authenticated", False)
        and reporter.user_id == actor.pk
    )


def _require_staff_or_reporter(actor: Any, ticket: Ticket) -> None:
    """Customer service, or the resident who reported the ticket."""
    if not (_is_desk(actor, ticket.project_id) or _is_reporter(actor, ticket)):
        raise PermissionDenied(_("Only the project's staff or the reporter can do this."))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock (its project joined, not locked)."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("project", "reporter")
        .get(pk=ticket.pk)
    )


def _event(
    ticket: Ticket,
    *,
    actor: Any,
    now: dt.datetime,
    code: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        at=now,
        actor=_user(actor),
        code=f"servicedesk.ticket.{code}",
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )


def _move(
    ticket: Ticket,
    *,
    actor: Any,
    now: dt.datetime,
    to: str,
    code: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
) -> Ticket:
    """Set the state (and ``fields``), save only what changed, write the event."""
    from_state = ticket.state
    ticket.state = to
    ticket.updated_at = now
    for name, value in (fields or {}).items():
        setattr(ticket, name, value)
    ticket.save(update_fields=["state", "updated_at", *(fields or {})])
    _event(
        ticket,
        actor=actor,
        now=now,
        code=code,
        from_state=from_state,
        to_state=to,
        note=note,
        data=data,
    )
    return ticket


def _next_number(project: Project, kind: str, now: dt.datetime) -> str:
    """``BX-20261125-0001``: prefix by kind, the project's local day, a per-day counter.

    The counter row is locked (or created — a concurrent creator hits the unique constraint
    and re-reads) so two registrations never draw the same number.
    """
    day = now.astimezone(ZoneInfo(project.time_zone or "Asia/Shanghai")).date()
    seq, _created = TicketSequence.objects.select_for_update().get_or_create(
        project=project, day=day
    )
    seq.last += 1
    seq.save(update_fields=["last"])
    prefix = _PREFIX.get(TicketKind(kind), _DEFAULT_PREFIX)
    return f"{prefix}-{day:%Y%m%d}-{seq.last:04d}"


def _same_project(obj: Any, project: Project, field: str) -> None:
    if obj is not None and obj.project_id != project.pk:
        raise DomainError(_("This belongs to another project."), field=field)


def _simple(
    *,
    actor: Any,
    ticket: Ticket,
    now: dt.datetime | None,
    action: str,
    allowed: dict[Family, Collection[str]],
    to: dict[Family, str],
    code: str,
    stop: tuple[sla.ClockKind, ...] = (),
    note: str = "",
    fields: dict[str, Any] | None = None,
    who: str = "desk",
) -> Ticket:
    """A transition with no more to it than state check, move, event, stop clocks.
    ``who``: ``desk`` (customer service) or ``worker`` (the assignee or the desk)."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        if who == "worker":
            _require_worker(actor, t)
        else:
            _require_desk(actor, t)
        _require_state(t, action, allowed)
        _move(t, actor=actor, now=at, to=to[t.family], code=code, note=note, fields=fields)
        if stop:
            clocks_stop(t, stop, now=at)
        return t
