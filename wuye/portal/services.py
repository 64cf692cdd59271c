"""Writes a resident makes in the portal: their profile and password (audited), and their
service-desk reports, which the service-desk services register and audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import resident_occupancies
from wuye.accounts.models import User
from wuye.audit.services import audit_record, diff, snapshot
from wuye.core.errors import DomainError, PermissionDenied
from wuye.places.models import Occupant, Unit
from wuye.servicedesk.models import (
    AttachmentKind,
    AttachmentStage,
    Category,
    Channel,
    Family,
    Ticket,
    TicketKind,
    TicketState,
    Urgency,
)
from wuye.servicedesk.selectors import OPEN_STATES
from wuye.servicedesk.services import attachment_add, ticket_cancel, ticket_register


@transaction.atomic
def profile_update(
    *, actor: Any, user: User, display_name: str, email: str, now: dt.datetime | None = None
) -> User:
    """Change the user's display name and e-mail (already validated by ``ProfileForm``)."""
    fields = ["display_name", "email"]
    before = snapshot(user, fields)
    user.display_name = display_name.strip()
    user.email = email.strip()
    changes = diff(before, snapshot(user, fields))
    if changes:
        user.save(update_fields=fields)
        audit_record(
            actor=actor, action="portal.profile.updated", instance=user, changes=changes, now=now
        )
    return user


@transaction.atomic
def password_change(
    *, actor: Any, user: User, new_password: str, now: dt.datetime | None = None
) -> User:
    """Set a new password (already checked by ``PasswordChangeForm``, or ``SetPasswordForm``
    for a login that had none). Audited as ``portal.password.changed`` or, for a first
    password, ``portal.password.set``. The caller keeps the session valid with
    ``update_session_auth_hash``."""
    action = "portal.password.changed" if user.has_usable_password() else "portal.password.set"
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=action, instance=user, now=now)
    return user


# --- service desk ----------------------------------------------------------------------------

#: Portal idempotency keys are namespaced so that they never meet an API client's keys of
#: the same user (``Ticket`` keys are unique per ``created_by``).
IDEMPOTENCY_PREFIX = "portal:"

_CANCELLABLE = {
    # "before work starts": a technician on site or at work is called off by phone instead
    Family.WORK: {TicketState.REGISTERED, TicketState.DISPATCHED, TicketState.ACCEPTED},
    Family.COMPLAINT: {TicketState.REGISTERED, TicketState.ACKNOWLEDGED},
}


def can_cancel(ticket: Ticket) -> bool:
    return ticket.state in _CANCELLABLE[ticket.family]


@dataclass(frozen=True)
class Report:
    """What the resident filled in (already validated by ``TicketReportForm``)."""

    unit: Unit
    reporter: Occupant
    kind: str
    description: str
    category: Category | None = None
    place: str = ""
    urgent: bool = False
    appointment_at: dt.datetime | None = None


def _urgency(report: Report) -> str:
    if report.urgent:
        return Urgency.URGENT
    return Urgency.APPOINTMENT if report.appointment_at else Urgency.NORMAL


def ticket_report(
    *,
    actor: User,
    report: Report,
    photos: Sequence[UploadedFile] = (),
    idempotency_key: str,
    now: dt.datetime | None = None,
) -> Ticket:
    """Register the resident's report (channel portal) with its photos, all or nothing.

    The unit must be one the actor currently occupies, through ``report.reporter`` (else
    ``PermissionDenied``). A public-area repair is placed by ``place``, not at the unit.
    ``idempotency_key`` (the form's hidden uuid) makes a double submit return the ticket of
    the first one, without adding its photos twice. A photo that is not an image fails the
    whole report with a ``DomainError`` on the field ``photos``.
    """
    at = now or timezone.now()
    key = IDEMPOTENCY_PREFIX + idempotency_key
    if existing := _reported_with(actor, key):
        return existing
    occupies = resident_occupancies(actor).filter(unit=report.unit, occupant=report.reporter)
    if not occupies.exists():
        raise PermissionDenied(_("You can report only for a unit you live in."))
    public = report.kind == TicketKind.REPAIR_PUBLIC
    with transaction.atomic():
        ticket = ticket_register(
            actor=actor,
            project=report.unit.project,
            kind=report.kind,
            description=report.description,
            urgency=_urgency(report),
            channel=Channel.PORTAL,
            category=report.category,
            unit=None if public else report.unit,
            place=report.place if public else "",
            reporter=report.reporter,
            appointment_at=report.appointment_at,
            idempotency_key=key,
            now=at,
        )
        if ticket.created_at != at:
            # Lost a race with the same submit in another request: that one adds the photos.
            return ticket
        for photo in photos:
            _photo_add(actor=actor, ticket=ticket, photo=photo, now=at)
    return ticket


def _reported_with(actor: User, key: str) -> Ticket | None:
    return Ticket.objects.filter(created_by=actor, idempotency_key=key).first()


def _photo_add(*, actor: User, ticket: Ticket, photo: UploadedFile, now: dt.datetime) -> None:
    try:
        attachment_add(
            actor=actor,
            ticket=ticket,
            upload=photo,
            kind=AttachmentKind.PHOTO,
            stage=AttachmentStage.REPORT,
            now=now,
        )
    except PermissionDenied:
        raise
    except DomainError as exc:
        raise DomainError(
            _("%(name)s: %(problem)s") % {"name": photo.name, "problem": exc.message},
            field="photos",
            code=exc.code,
        ) from exc


def ticket_photos_add(
    *,
    actor: User,
    ticket: Ticket,
    photos: Sequence[UploadedFile],
    now: dt.datetime | None = None,
) -> None:
    """Add photos to an open ticket the actor reported (all or nothing)."""
    at = now or timezone.now()
    if ticket.state not in OPEN_STATES:
        raise DomainError(
            _("Ticket %(number)s is finished; photos can no longer be added.")
            % {"number": ticket.number},
            code="invalid_transition",
        )
    with transaction.atomic():
        for photo in photos:
            _photo_add(actor=actor, ticket=ticket, photo=photo, now=at)


def resident_ticket_cancel(
    *, actor: User, ticket: Ticket, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """Cancel a ticket the actor reported, before work starts (:func:`can_cancel`); after
    that the service centre must be called."""
    if not can_cancel(ticket):
        raise DomainError(
            _("Work on ticket %(number)s has started; please call the service centre to stop it.")
            % {"number": ticket.number},
            code="invalid_transition",
        )
    return ticket_cancel(actor=actor, ticket=ticket, reason=reason, now=now)
