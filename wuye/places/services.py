"""Writes for places and people. Every change is validated, atomic and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuye.audit.services import audit_created, audit_record, diff, snapshot
from wuye.core.crypto import blind_index
from wuye.core.errors import DomainError
from wuye.core.idcard import normalize_id_number, validate_id_number
from wuye.core.phones import normalize_phone, validate_phone
from wuye.places.models import Building, Occupancy, Occupant, Project, Unit

_M = TypeVar("_M", bound=models.Model)


def _apply(instance: models.Model, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def _validate(instance: models.Model, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_constraints=True)


@transaction.atomic
def _create(
    *,
    actor: Any,
    instance: _M,
    action: str,
    now: dt.datetime | None = None,
    project: Project | None = None,
) -> _M:
    _validate(instance)
    instance.save()
    audit_created(actor=actor, action=action, instance=instance, now=now, project=project)
    return instance


@transaction.atomic
def _update(
    *,
    actor: Any,
    instance: _M,
    fields: dict[str, Any],
    action: str,
    now: dt.datetime | None = None,
) -> _M:
    before = snapshot(instance)
    _apply(instance, fields)
    _validate(instance)
    after = snapshot(instance)
    changes = diff(before, after)
    if changes:
        instance.save()
        audit_record(actor=actor, action=action, instance=instance, changes=changes, now=now)
    return instance


# --- projects and buildings ------------------------------------------------------------------


def project_update(*, actor: Any, project: Project, **fields: Any) -> Project:
    return _update(actor=actor, instance=project, fields=fields, action="places.project.updated")


def building_create(
    *, actor: Any, project: Project, name: str, floors: int | None = None
) -> Building:
    return _create(
        actor=actor,
        instance=Building(project=project, name=name.strip(), floors=floors),
        action="places.building.created",
    )


def building_update(*, actor: Any, building: Building, **fields: Any) -> Building:
    return _update(actor=actor, instance=building, fields=fields, action="places.building.updated")


# --- units -----------------------------------------------------------------------------------


def unit_create(*, actor: Any, building: Building, number: str, **fields: Any) -> Unit:
    unit = Unit(project_id=building.project_id, building=building, number=number.strip(), **fields)
    return _create(actor=actor, instance=unit, action="places.unit.created")


def unit_update(*, actor: Any, unit: Unit, **fields: Any) -> Unit:
    if "building" in fields and fields["building"].project_id != unit.project_id:
        raise DomainError(_("A unit cannot move to another project's building."), field="building")
    return _update(actor=actor, instance=unit, fields=fields, action="places.unit.updated")


# --- occupants -------------------------------------------------------------------------------


def occupant_clean_personal_fields(fields: dict[str, Any]) -> None:
    """Normalise and validate mobile and ID number, raising field-keyed ValidationErrors."""
    errors: dict[str, list[ValidationError]] = {}
    if fields.get("mobile"):
        fields["mobile"] = normalize_phone(fields["mobile"])
        try:
            validate_phone(fields["mobile"])
        except ValidationError as exc:
            errors["mobile"] = [exc]
    if fields.get("id_number"):
        fields["id_number"] = normalize_id_number(fields["id_number"])
        try:
            validate_id_number(fields["id_number"])
        except ValidationError as exc:
            errors["id_number"] = [exc]
    if errors:
        raise ValidationError(errors)


def occupant_derive_fields(occupant: Occupant) -> None:
    occupant.mobile_tail = occupant.mobile[-4:] if occupant.mobile else ""
    occupant.id_number_index = blind_index(occupant.id_number) if occupant.id_number else ""


def occupant_create(*, actor: Any, project: Project, name: str, **fields: Any) -> Occupant:
    occupant_clean_personal_fields(fields)
    occupant = Occupant(project=project, name=name.strip(), **fields)
    occupant_derive_fields(occupant)
    return _create(actor=actor, instance=occupant, action="places.occupant.created")


def occupant_update(*, actor: Any, occupant: Occupant, **fields: Any) -> Occupant:
    occupant_clean_personal_fields(fields)
    before = snapshot(occupant)
    _apply(occupant, fields)
    occupant_derive_fields(occupant)
    with transaction.atomic():
        _validate(occupant)
        changes = diff(before, snapshot(occupant))
        if changes:
            occupant.save()
            audit_record(
                actor=actor, action="places.occupant.updated", instance=occupant, changes=changes
            )
    return occupant


def personal_data_reveal(
    *, actor: Any, occupant: Occupant, now: dt.datetime | None = None
) -> dict[str, str]:
    """Return the full phone and ID numbers and leave an access record.

    The caller must have checked ``Capability.VIEW_PERSONAL_DATA`` for the occupant's project.
    """
    audit_record(
        actor=actor, action="places.occupant.personal_data_viewed", instance=occupant, now=now
    )
    return {"mobile": occupant.mobile, "id_number": occupant.id_number}


# --- occupancies -----------------------------------------------------------------------------


def occupancy_start(
    *, actor: Any, occupant: Occupant, unit: Unit, relation: str, start_date: dt.date | None = None
) -> Occupancy:
    if occupant.project_id != unit.project_id:
        raise DomainError(
            _("The occupant and the unit belong to different projects."), field="unit"
        )
    if Occupancy.objects.filter(
        occupant=occupant, unit=unit, relation=relation, end_date__isnull=True
    ).exists():
        raise DomainError(
            _("This occupant already holds this relation to the unit."),
            field="relation",
            code="occupancy_exists",
        )
    occupancy = Occupancy(
        occupant=occupant,
        unit=unit,
        relation=relation,
        start_date=start_date or timezone.localdate(),
    )
    return _create(
        actor=actor, instance=occupancy, action="places.occupancy.started", project=unit.project
    )


def occupancy_end(
    *, actor: Any, occupancy: Occupancy, end_date: dt.date | None = None
) -> Occupancy:
    if occupancy.end_date is not None:
        raise DomainError(_("This occupancy has already ended."), code="occupancy_ended")
    end = end_date or timezone.localdate()
    if occupancy.start_date and end < occupancy.start_date:
        raise DomainError(_("The end date is before the start date."), field="end_date")
    with transaction.atomic():
        updated = Occupancy.objects.filter(pk=occupancy.pk, end_date__isnull=True).update(
            end_date=end
        )
        if not updated:
            raise DomainError(_("This occupancy has already ended."), code="occupancy_ended")
        occupancy.end_date = end
        audit_record(
            actor=actor,
            action="places.occupancy.ended",
            instance=occupancy,
            project=occupancy.unit.project,
            changes={"end_date": [None, end.isoformat()]},
        )
    return occupancy
