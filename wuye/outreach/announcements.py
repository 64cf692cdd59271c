"""Writes of outreach's announcements: community activities, whose publishing invites the
occupants with matching interests (marketing: opted-out people are skipped and counted),
and outage and works notices, whose issuing notifies the current occupants of the buildings
affected (service: never opted out; urgent when they start within 24 hours).

Keyword-only, ``Capability.MANAGE_OUTREACH`` in the project (403), one transaction, an
audit row; publishing and issuing happen once (conditional ``UPDATE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, require
from wuye.audit.services import audit_created, audit_record
from wuye.core.errors import DomainError
from wuye.outreach import events
from wuye.outreach.audiences import AudienceFilter, audience_ids
from wuye.outreach.models import Activity, OutageKind, OutageNotice
from wuye.outreach.services import _now
from wuye.places.models import Building, Project

URGENT_WITHIN = dt.timedelta(hours=24)


# --- activities and outages --------------------------------------------------------------------


def activity_create(
    *,
    actor: Any,
    project: Project,
    title: str,
    starts_at: dt.datetime,
    place: str = "",
    tags: Sequence[str] = (),
    description: str = "",
) -> Activity:
    require(actor, project.pk, Capability.MANAGE_OUTREACH)
    activity = Activity(
        project=project,
        title=title.strip(),
        starts_at=starts_at,
        place=place.strip(),
        tags=[t.strip() for t in tags if t.strip()],
        description=description.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    activity.full_clean()
    with transaction.atomic():
        activity.save()
        audit_created(actor=actor, action="outreach.activity.created", instance=activity)
    return activity


def _local(value: dt.datetime, project: Project) -> str:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(project.time_zone)).strftime("%Y-%m-%d %H:%M")


def activity_publish(*, actor: Any, activity: Activity, now: dt.datetime | None = None) -> int:
    """Invite the project's current occupants with a matching interest (all of them when the
    activity has no tags), once. Marketing: opted-out people get an ``opted_out``
    notification, counted in the statistics. Returns the number invited."""
    from wuye.messaging.bulk import notify_many

    moment = _now(now)
    require(actor, activity.project_id, Capability.MANAGE_OUTREACH)
    project = activity.project
    with transaction.atomic():
        if not Activity.objects.filter(pk=activity.pk, invite_sent_at__isnull=True).update(
            invite_sent_at=moment
        ):
            raise DomainError(
                _("The invitations for this activity were already sent."),
                code="invalid_transition",
            )
        ids = list(
            audience_ids(
                project_ids=[project.pk],
                audience=AudienceFilter(interests=tuple(activity.tags), current_only=True),
            )
        )
        created = notify_many(
            event=events.ACTIVITY,
            occupant_ids=ids,
            context={
                "title": activity.title,
                "starts_at": _local(activity.starts_at, project),
                "place": activity.place,
                "description": activity.description,
            },
            project=project,
            company=project.company,
            category="marketing",
            source=activity.source,
            dedupe_prefix=activity.source,
            now=moment,
        )
        Activity.objects.filter(pk=activity.pk).update(invited=len(ids))
        activity.refresh_from_db()
        audit_record(
            actor=actor,
            action="outreach.activity.published",
            instance=activity,
            note=f"{created} invited",
            now=moment,
        )
    return len(ids)


def outage_create(
    *,
    actor: Any,
    project: Project,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    buildings: Sequence[Building] = (),
) -> OutageNotice:
    require(actor, project.pk, Capability.MANAGE_OUTREACH)
    if kind not in OutageKind.values:
        raise DomainError(_("Choose what is interrupted."), field="kind")
    if ends_at <= starts_at:
        raise DomainError(_("The end must be after the start."), field="ends_at")
    if any(b.project_id != project.pk for b in buildings):
        raise DomainError(_("Choose buildings of this project."), field="buildings")
    notice = OutageNotice(
        project=project,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    notice.full_clean()
    with transaction.atomic():
        notice.save()
        notice.buildings.set(buildings)
        audit_created(actor=actor, action="outreach.outage.created", instance=notice)
    return notice


def outage_issue(*, actor: Any, notice: OutageNotice, now: dt.datetime | None = None) -> int:
    """Notify the current occupants of the affected buildings (all buildings of the project
    when none is chosen), once. A service message: opt-outs do not apply. Urgent when the
    window starts within 24 hours. Returns the number notified."""
    from wuye.messaging.bulk import notify_many

    moment = _now(now)
    require(actor, notice.project_id, Capability.MANAGE_OUTREACH)
    project = notice.project
    with transaction.atomic():
        if not OutageNotice.objects.filter(pk=notice.pk, issued_at__isnull=True).update(
            issued_at=moment
        ):
            raise DomainError(_("This notice was already issued."), code="invalid_transition")
        buildings = list(notice.buildings.order_by("name"))
        ids = list(
            audience_ids(
                project_ids=[project.pk],
                audience=AudienceFilter(
                    building_ids=tuple(b.pk for b in buildings), current_only=True
                ),
            )
        )
        urgent = notice.starts_at - moment <= URGENT_WITHIN
        names = "、".join(b.name for b in buildings) or project.name
        created = notify_many(
            event=events.OUTAGE_URGENT if urgent else events.OUTAGE,
            occupant_ids=ids,
            context={
                "kind": str(OutageKind(notice.kind).label),
                "starts_at": _local(notice.starts_at, project),
                "ends_at": _local(notice.ends_at, project),
                "reason": notice.reason,
                "buildings": names,
            },
            project=project,
            company=project.company,
            category="service",
            source=notice.source,
            dedupe_prefix=notice.source,
            now=moment,
        )
        OutageNotice.objects.filter(pk=notice.pk).update(notified=len(ids))
        notice.refresh_from_db()
        audit_record(
            actor=actor,
            action="outreach.outage.issued",
            instance=notice,
            note=f"{created} notified{' (urgent)' if urgent else ''}",
            now=moment,
        )
    return len(ids)
