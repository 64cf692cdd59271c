"""Template helpers for the console: navigation state and audit history."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from wuye.audit.models import AuditEvent
from wuye.console.selectors import audit_history as audit_history_selector

register = template.Library()

# The last part of an audit code (``places.unit.updated``) → what a person reads.
ACTION_LABELS = {
    "created": _("Created"),
    "updated": _("Updated"),
    "started": _("Started"),
    "ended": _("Ended"),
    "deleted": _("Deleted"),
    "imported": _("Imported"),
    "deactivated": _("Deactivated"),
    "reactivated": _("Reactivated"),
    "personal_data_viewed": _("Full personal data viewed"),
    "granted": _("Portal access given"),
    "revoked": _("Portal access removed"),
}


@register.simple_tag(takes_context=True)
def nav_class(context: template.Context, *prefixes: str) -> str:
    """``"active"`` when the current URL name starts with one of ``prefixes``."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or match.namespace != "console":
        return ""
    name = match.url_name or ""
    return "active" if any(name == p or name.startswith(p + "-") for p in prefixes) else ""


@register.filter
def action_label(event: AuditEvent) -> str:
    verb = event.action.rsplit(".", 1)[-1]
    model = _model(event.object_type)
    label = ACTION_LABELS.get(verb, verb.replace("_", " "))
    if model is not None:
        return f"{capfirst(model._meta.verbose_name)} · {label}"
    return str(label)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def change_rows(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """``(field label, old, new)`` for an event's recorded changes."""
    model = _model(event.object_type)
    rows = []
    for name, values in (event.changes or {}).items():
        label: Any = name
        choices: dict[Any, Any] = {}
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                pass
            else:
                label = capfirst(getattr(field, "verbose_name", name))
                choices = dict(getattr(field, "flatchoices", None) or [])
        old, new = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
        rows.append((str(label), _shown(old, choices), _shown(new, choices)))
    return rows


def _shown(value: Any, choices: dict[Any, Any]) -> Any:
    """A recorded value as a person reads it: choice labels, a dash for nothing."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str | int) and value in choices:
        return choices[value]
    return value


@register.inclusion_tag("console/includes/audit_history.html")
def audit_history(instance: models.Model, limit: int = 50) -> dict[str, Any]:
    """``{% audit_history obj %}``: the record's audit trail, newest first. The page must
    have fetched ``obj`` through an ``access_*`` helper."""
    events = audit_history_selector(
        object_type=instance._meta.label_lower, object_ids=[instance.pk], limit=limit
    )
    return {"audit_events": events}
