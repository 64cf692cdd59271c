"""Recording audit events. Services call these explicitly (no signals)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from wuye.audit.models import AuditEvent
from wuye.core.masking import mask_id_number, mask_phone

# Fields whose values never reach the audit table in clear.
_MASKERS = {
    "mobile": mask_phone,
    "phone": mask_phone,
    "id_number": mask_id_number,
}
_SKIP = {"id_number_index", "mobile_tail", "password", "updated_at", "created_at"}


def _plain(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in _MASKERS:
        return _MASKERS[field](value or "")
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Current values of concrete fields (FKs as ids), for a later ``diff``."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: getattr(instance, name) for name in names}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for key, new in after.items():
        name = key.removesuffix("_id") if key.endswith("_id") else key
        if name in _SKIP or key in _SKIP:
            continue
        old = before.get(key)
        if old != new:
            changes[name] = [_plain(name, old), _plain(name, new)]
    return changes


def audit_event_build(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: dict[str, Any] | None = None,
    project: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> AuditEvent:
    """An unsaved event (for ``bulk_create``); ``audit_record`` saves one."""
    project_id = getattr(instance, "project_id", None) if project is None else project.pk
    return AuditEvent(
        at=now or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        project_id=project_id,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
        note=note,
    )


def audit_record(**kwargs: Any) -> AuditEvent:
    """Record one event; takes the keyword arguments of ``audit_event_build``."""
    event = audit_event_build(**kwargs)
    event.save(force_insert=True)
    return event


def created_changes(instance: models.Model) -> dict[str, list[Any]]:
    """Every non-empty field of a new record as ``[None, value]``, personal data masked."""
    return {k: v for k, v in diff({}, snapshot(instance)).items() if v[1] not in (None, "", [])}


def audit_created(*, actor: Any, action: str, instance: models.Model, **kwargs: Any) -> AuditEvent:
    return audit_record(
        actor=actor, action=action, instance=instance, changes=created_changes(instance), **kwargs
    )
