"""Template helpers of the service-desk screens: navigation, badges, durations, event labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from wuye.accounts.access import Capability, Scope

register = template.Library()


@register.filter
def can_anywhere(scope: Scope | None, capability: str) -> bool:
    """``{% if console.scope|can_anywhere:"field_work" %}``: the capability in some project."""
    return scope is not None and scope.can_anywhere(Capability(capability))


@register.simple_tag(takes_context=True)
def desk_nav_class(context: template.Context, section: str) -> str:
    """``"active"`` for the service-desk nav entry of the current page: ``desk`` (desk and
    ticket pages), ``my`` (the technician's pages) or ``reports``."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "desk":
        return ""
    path = getattr(request, "path", "")
    if "/console/desk/reports/" in path:
        current = "reports"
    elif (match.url_name or "").startswith("my"):
        current = "my"
    else:
        current = "desk"
    return "active" if current == section else ""


_STATE_TONE = {
    "registered": "new",
    "dispatched": "work",
    "accepted": "work",
    "arrived": "work",
    "in_progress": "work",
    "acknowledged": "work",
    "handling": "work",
    "paused": "wait",
    "result_reported": "wait",
    "completed": "done",
    "return_visited": "done",
    "closed": "closed",
    "cancelled": "closed",
    # clocks
    "running": "work",
    "met": "done",
    "breached": "bad",
}


@register.filter
def tone(state: str) -> str:
    """The badge colour class of a ticket or clock state."""
    return f"badge-{_STATE_TONE.get(str(state), 'plain')}"


def human_duration(value: dt.timedelta) -> str:
    """``2 h 5 min``, ``3 d 4 h``, ``12 min`` (the absolute value; callers say late/early)."""
    minutes = abs(int(value.total_seconds())) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


@register.filter
def duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    return human_duration(value)


@register.filter
def remaining(value: dt.timedelta | None) -> str:
    """Time left before a deadline, or how late it is."""
    if value is None:
        return "—"
    if value < dt.timedelta(0):
        return _("%(time)s overdue") % {"time": human_duration(value)}
    return _("%(time)s left") % {"time": human_duration(value)}


@register.filter
def margin(value: dt.timedelta | None) -> str:
    """For a stopped clock: how early (or late) it stopped against its deadline."""
    if value is None:
        return "—"
    if value < dt.timedelta(0):
        return _("%(time)s late") % {"time": human_duration(value)}
    return _("%(time)s early") % {"time": human_duration(value)}


# The last part of a ticket event code (``servicedesk.ticket.dispatched``) → what a person reads.
EVENT_LABELS = {
    "registered": pgettext_lazy("ticket event", "Registered"),
    "dispatched": pgettext_lazy("ticket event", "Dispatched"),
    "reassigned": pgettext_lazy("ticket event", "Reassigned"),
    "grabbed": pgettext_lazy("ticket event", "Taken from the pool"),
    "accepted": pgettext_lazy("ticket event", "Accepted"),
    "arrived": pgettext_lazy("ticket event", "Arrived on site"),
    "started": pgettext_lazy("ticket event", "Work started"),
    "paused": pgettext_lazy("ticket event", "Paused"),
    "resumed": pgettext_lazy("ticket event", "Resumed"),
    "completed": pgettext_lazy("ticket event", "Completed"),
    "return_visited": pgettext_lazy("ticket event", "Return visit"),
    "return_visit_attempted": pgettext_lazy("ticket event", "Return visit attempted"),
    "closed": pgettext_lazy("ticket event", "Closed"),
    "cancelled": pgettext_lazy("ticket event", "Cancelled"),
    "reopened": pgettext_lazy("ticket event", "Reopened as rework"),
    "acknowledged": pgettext_lazy("ticket event", "Complaint acknowledged"),
    "result_reported": pgettext_lazy("ticket event", "Result reported"),
    "confirmed": pgettext_lazy("ticket event", "Customer satisfied"),
    "not_satisfied": pgettext_lazy("ticket event", "Customer not satisfied"),
    "rated": pgettext_lazy("ticket event", "Rated by the customer"),
    "fee_proposed": pgettext_lazy("ticket event", "Fee proposed"),
    "fee_confirmed": pgettext_lazy("ticket event", "Fee confirmed"),
    "fee_declined": pgettext_lazy("ticket event", "Fee declined"),
    "fee_paid": pgettext_lazy("ticket event", "Fee paid"),
    "paid": pgettext_lazy("ticket event", "Fee paid"),
    "materials_recorded": pgettext_lazy("ticket event", "Materials recorded"),
    "attachment_added": pgettext_lazy("ticket event", "Attachment added"),
    "photo_added": pgettext_lazy("ticket event", "Photo added"),
    "signature_added": pgettext_lazy("ticket event", "Customer signed"),
    "signed": pgettext_lazy("ticket event", "Customer signed"),
    "escalated": pgettext_lazy("ticket event", "Escalated"),
}


@register.filter
def event_label(code: str) -> str:
    verb = str(code).rsplit(".", 1)[-1]
    label = EVENT_LABELS.get(verb)
    return str(label) if label is not None else verb.replace("_", " ")


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``{{ names|get_item:user_id }}``."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def state_label(value: str) -> str:
    """A ticket state value (as stored in an event) → its label."""
    from wuye.servicedesk.models import TicketState

    try:
        return str(TicketState(value).label)
    except ValueError:
        return str(value)


@register.filter
def clock_state_label(value: str) -> str:
    from wuye.servicedesk.models import ClockStateChoices

    try:
        return str(ClockStateChoices(str(value)).label)
    except ValueError:
        return str(value)


@register.filter
def is_image(content_type: str) -> bool:
    return str(content_type).startswith("image/")
