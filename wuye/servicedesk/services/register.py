"""Registering tickets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from wuye.audit.services import audit_created
from wuye.core.errors import DomainError, PermissionDenied
from wuye.core.phones import normalize_phone
from wuye.places.models import Building, Occupant, Project, Unit
from wuye.servicedesk.clocks import clocks_start
from wuye.servicedesk.models import (
    Category,
    Channel,
    Ticket,
    TicketKind,
    Urgency,
)

# --- registration ----------------------------------------------------------------------------
from wuye.servicedesk.services._common import (
    _START_CLOCKS,
    S,
    _event,
    _is_desk,
    _is_field,
    _next_number,
    _now,
    _same_project,
    _user,
)


def ticket_register(
    *,
    actor: Any,
    project: Project,
    kind: str,
    description: str,
    urgency: str = Urgency.NORMAL,
    channel: str = Channel.PHONE,
    category: Category | None = None,
    unit: Unit | None = None,
    building: Building | None = None,
    place: str = "",
    reporter: Occupant | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    appointment_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    reopened_from: Ticket | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Register a ticket and start its SLA clocks.

    The actor is a staff member of the project, or the portal user of ``reporter``. With an
    ``idempotency_key`` a repeat by the same actor returns the ticket the first call made
    (also when both calls race: the unique constraint decides, the loser re-reads).
    """
    now = _now(now)
    created_by = _user(actor)
    if idempotency_key is not None and created_by is None:
        raise DomainError(_("An idempotency key needs a signed-in user."), field="idempotency_key")
    if idempotency_key is not None:
        found = Ticket.objects.filter(created_by=created_by, idempotency_key=idempotency_key)
        if existing := found.first():
            return existing
    if kind not in TicketKind.values:
        raise DomainError(_("Choose a valid kind."), field="kind")
    if urgency not in Urgency.values:
        raise DomainError(_("Choose a valid urgency."), field="urgency")
    if channel not in Channel.values:
        raise DomainError(_("Choose a valid channel."), field="channel")
    if not description.strip():
        raise DomainError(_("Describe the matter."), field="description")
    for obj, name in ((category, "category"), (unit, "unit"), (building, "building")):
        _same_project(obj, project, name)
    _same_project(reporter, project, "reporter")
    is_own_report = (
        reporter is not None and created_by is not None and reporter.user_id == created_by.pk
    )
    if not (_is_desk(actor, project.pk) or _is_field(actor, project.pk) or is_own_report):
        raise PermissionDenied(_("Only the project's staff or the reporter can do this."))
    if unit is not None and building is None:
        building = unit.building
    if unit is not None and building is not None and unit.building_id != building.pk:
        raise DomainError(_("The unit is not in this building."), field="unit")
    phone = normalize_phone(reporter_phone) or (reporter.mobile if reporter else "")
    ticket = Ticket(
        project=project,
        kind=kind,
        category=category,
        urgency=urgency,
        unit=unit,
        building=building,
        place=place.strip(),
        channel=channel,
        reporter=reporter,
        reporter_name=reporter_name.strip() or (reporter.name if reporter else ""),
        reporter_phone=phone,
        reporter_phone_tail=phone[-4:],
        description=description.strip(),
        appointment_at=appointment_at,
        reopened_from=reopened_from,
        created_by=created_by,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            ticket.number = _next_number(project, kind, now)
            ticket.save(force_insert=True)
            clocks_start(ticket, _START_CLOCKS, now=now)
            data = {"reopened_from": reopened_from.number} if reopened_from else {}
            _event(
                ticket, actor=actor, now=now, code="registered", to_state=S.REGISTERED, data=data
            )
            audit_created(
                actor=actor, action="servicedesk.ticket.created", instance=ticket, now=now
            )
    except IntegrityError:
        if idempotency_key is None:
            raise
        return Ticket.objects.get(created_by=created_by, idempotency_key=idempotency_key)
    return ticket
