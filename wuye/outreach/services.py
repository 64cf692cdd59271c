"""Writes of outreach: campaigns and their transitions, project contacts, warranty
components and handovers, rule settings (activities and outage notices:
:mod:`wuye.outreach.announcements`).

Every function is keyword-only, checks ``Capability.MANAGE_OUTREACH`` in the object's
project(s) (403; objects the actor cannot see were already 404 in the selectors), runs in one
transaction and writes an audit row; transitions also write a ``CampaignEvent``. Transitions
are conditional ``UPDATE``\\s, so two concurrent requests cannot both win.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, require
from wuye.audit.services import audit_created, audit_record
from wuye.core.errors import DomainError
from wuye.core.tasks import enqueue_with
from wuye.outreach import events
from wuye.outreach.audiences import AudienceFilter, audience_ids
from wuye.outreach.models import (
    RULE_DEFAULTS,
    Campaign,
    CampaignCategory,
    CampaignEvent,
    CampaignState,
    MessageRule,
    ProjectContact,
    RuleKind,
    UnitHandover,
    WarrantyComponent,
)
from wuye.places.models import Project, Unit

S = CampaignState
#: A campaign still ``sending`` this long after its last change lost its task: the sweep
#: enqueues it again (the fan-out is idempotent).
STALE_SENDING_AFTER = dt.timedelta(minutes=15)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _enqueue_send(campaign_id: int) -> None:
    """Enqueue the fan-out so that it commits or rolls back with the state change."""
    from wuye.outreach.tasks import send_campaign

    enqueue_with(Campaign, send_campaign, campaign_id)


# --- campaigns -------------------------------------------------------------------------------


def _event(
    campaign: Campaign, *, code: str, actor: Any, at: dt.datetime, frm: str, to: str, note: str = ""
) -> None:
    CampaignEvent.objects.create(
        campaign=campaign,
        code=code,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        from_state=frm,
        to_state=to,
        note=note,
    )


def _require_projects(actor: Any, project_ids: Iterable[int]) -> None:
    for pid in project_ids:
        require(actor, pid, Capability.MANAGE_OUTREACH)


def campaign_project_ids(campaign: Campaign) -> list[int]:
    return sorted(campaign.projects.values_list("id", flat=True))


def campaign_create(
    *,
    actor: Any,
    projects: Sequence[Project],
    title: str,
    text: str,
    category: str = CampaignCategory.SERVICE,
    audience: AudienceFilter | None = None,
    now: dt.datetime | None = None,
) -> Campaign:
    """A draft campaign to the occupants of ``projects`` (one company) matching ``audience``."""
    if not projects:
        raise DomainError(_("Choose at least one project."), field="projects")
    _require_projects(actor, [p.pk for p in projects])
    companies = {p.company_id for p in projects}
    if len(companies) != 1:
        raise DomainError(_("A campaign's projects must belong to one company."), field="projects")
    audience = audience or AudienceFilter()
    # The stored filter never names projects outside the campaign's.
    audience = dataclasses.replace(audience, project_ids=())
    campaign = Campaign(
        company_id=companies.pop(),
        title=title.strip(),
        text=text.strip(),
        category=category,
        audience=audience.to_json(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    campaign.full_clean(exclude=["company"])
    at = _now(now)
    with transaction.atomic():
        campaign.save()
        campaign.projects.set(projects)
        _event(campaign, code="outreach.campaign.created", actor=actor, at=at, frm="", to=S.DRAFT)
        audit_created(
            actor=actor,
            action="outreach.campaign.created",
            instance=campaign,
            project=projects[0] if len(projects) == 1 else None,
            now=at,
        )
    return campaign


def _transition(
    *,
    actor: Any,
    campaign: Campaign,
    allowed: Sequence[str],
    to: str,
    code: str,
    now: dt.datetime,
    fields: dict[str, Any] | None = None,
    note: str = "",
) -> bool:
    """Conditional ``UPDATE … WHERE state IN allowed``; the event and audit row when it won."""
    frm = campaign.state
    updated = Campaign.objects.filter(pk=campaign.pk, state__in=allowed).update(
        state=to, updated_at=now, **(fields or {})
    )
    if not updated:
        return False
    campaign.refresh_from_db()
    _event(campaign, code=code, actor=actor, at=now, frm=frm, to=to, note=note)
    audit_record(
        actor=actor,
        action=code,
        instance=campaign,
        changes={"state": [frm, to]},
        project=None,
        note=note,
        now=now,
    )
    return True


def _invalid(campaign: Campaign, action: Any) -> DomainError:
    return DomainError(
        _("“%(action)s” is not possible: the campaign is “%(state)s”.")
        % {"action": action, "state": S(campaign.state).label},
        code="invalid_transition",
    )


def campaign_schedule(
    *, actor: Any, campaign: Campaign, at: dt.datetime, now: dt.datetime | None = None
) -> Campaign:
    """Draft (or scheduled) → scheduled for ``at`` (in the future)."""
    moment = _now(now)
    _require_projects(actor, campaign_project_ids(campaign))
    if at <= moment:
        raise DomainError(_("Choose a time in the future."), field="scheduled_at")
    with transaction.atomic():
        if not _transition(
            actor=actor,
            campaign=campaign,
            allowed=[S.DRAFT, S.SCHEDULED],
            to=S.SCHEDULED,
            code="outreach.campaign.scheduled",
            now=moment,
            fields={"scheduled_at": at},
            note=at.isoformat(),
        ):
            raise _invalid(campaign, _("Schedule"))
    return campaign


def campaign_send_now(
    *, actor: Any, campaign: Campaign, now: dt.datetime | None = None
) -> Campaign:
    """Draft or scheduled → sending; the fan-out runs in a background task."""
    moment = _now(now)
    _require_projects(actor, campaign_project_ids(campaign))
    with transaction.atomic():
        if not _transition(
            actor=actor,
            campaign=campaign,
            allowed=[S.DRAFT, S.SCHEDULED],
            to=S.SENDING,
            code="outreach.campaign.sending",
            now=moment,
        ):
            raise _invalid(campaign, _("Send now"))
        _enqueue_send(campaign.pk)
    return campaign


def campaign_cancel(*, actor: Any, campaign: Campaign, now: dt.datetime | None = None) -> Campaign:
    """Draft or scheduled → cancelled (a campaign being sent cannot be called back)."""
    moment = _now(now)
    _require_projects(actor, campaign_project_ids(campaign))
    with transaction.atomic():
        if not _transition(
            actor=actor,
            campaign=campaign,
            allowed=[S.DRAFT, S.SCHEDULED],
            to=S.CANCELLED,
            code="outreach.campaign.cancelled",
            now=moment,
        ):
            raise _invalid(campaign, _("Cancel"))
    return campaign


def campaign_send(*, campaign_id: int, now: dt.datetime | None = None) -> int:
    """The fan-out (run by the ``send_campaign`` task): every matching occupant gets one
    notification through ``notify_many`` in batches, then sending → sent. Idempotent: a
    campaign not in ``sending`` is left alone; a re-run queues only what is missing.
    Returns the number of new notifications."""
    from wuye.messaging.bulk import notify_many

    moment = _now(now)
    campaign = Campaign.objects.filter(pk=campaign_id, state=S.SENDING).first()
    if campaign is None:
        return 0
    ids = list(
        audience_ids(
            project_ids=campaign_project_ids(campaign),
            audience=AudienceFilter.from_json(campaign.audience),
        )
    )
    # notify_many commits chunk by chunk and skips keys it already has.
    created = notify_many(
        event=events.CAMPAIGN,
        occupant_ids=ids,
        context={"title": campaign.title, "text": campaign.text},
        company=campaign.company,
        category=campaign.category,
        source=campaign.source,
        dedupe_prefix=campaign.source,
        now=moment,
    )
    with transaction.atomic():
        _transition(
            actor=None,
            campaign=campaign,
            allowed=[S.SENDING],
            to=S.SENT,
            code="outreach.campaign.sent",
            now=moment,
            fields={"sent_at": moment, "recipients": len(ids)},
            note=f"{created} new of {len(ids)}",
        )
    campaign_refresh_stats(campaign=campaign)
    return created


def campaign_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Due scheduled campaigns → sending (conditional update: of two concurrent sweeps only
    one enqueues each), and stale ``sending`` campaigns enqueued again."""
    moment = _now(now)
    started = 0
    due = list(
        Campaign.objects.filter(state=S.SCHEDULED, scheduled_at__lte=moment).values_list(
            "pk", flat=True
        )[:100]
    )
    for pk in due:
        campaign = Campaign.objects.get(pk=pk)
        with transaction.atomic():
            if _transition(
                actor=None,
                campaign=campaign,
                allowed=[S.SCHEDULED],
                to=S.SENDING,
                code="outreach.campaign.sending",
                now=moment,
                note="scheduled",
            ):
                _enqueue_send(pk)
                started += 1
    requeued = 0
    stale = Campaign.objects.filter(
        state=S.SENDING, updated_at__lt=moment - STALE_SENDING_AFTER
    ).values_list("pk", flat=True)[:100]
    for pk in list(stale):
        with transaction.atomic():
            if Campaign.objects.filter(
                pk=pk, state=S.SENDING, updated_at__lt=moment - STALE_SENDING_AFTER
            ).update(updated_at=moment):
                _enqueue_send(pk)
                requeued += 1
    return {"started": started, "requeued": requeued}


def campaign_refresh_stats(*, campaign: Campaign) -> dict[str, int]:
    """Delivery statistics from messaging, also kept on the campaign for the list."""
    from wuye.messaging.notify import notification_stats

    stats = dict(notification_stats(source=campaign.source))
    Campaign.objects.filter(pk=campaign.pk).update(stats=stats)
    campaign.stats = stats
    return stats


# --- project contacts, warranty ----------------------------------------------------------------


def project_contact_set(
    *,
    actor: Any,
    project: Project,
    assistant_name: str = "",
    assistant_phone: str = "",
    default_handover_date: dt.date | None = None,
) -> ProjectContact:
    require(actor, project.pk, Capability.MANAGE_OUTREACH)
    with transaction.atomic():
        contact, _created = ProjectContact.objects.select_for_update().get_or_create(
            project=project
        )
        contact.assistant_name = assistant_name.strip()
        contact.assistant_phone = assistant_phone.strip()
        contact.default_handover_date = default_handover_date
        contact.full_clean()
        contact.save()
        audit_record(
            actor=actor,
            action="outreach.project_contact.updated",
            instance=contact,
            project=project,
        )
    return contact


#: Construction Quality Regulation (建设工程质量管理条例) art. 40 minimum warranty periods.
WARRANTY_DEFAULTS: tuple[tuple[str, Any, int], ...] = (
    ("roof_waterproofing", _("Roof waterproofing"), 5),
    ("leak_proofing", _("Leak-proofing of bathrooms, rooms and external walls"), 5),
    ("heating_cooling", _("Heating and cooling systems (heating/cooling seasons)"), 2),
    ("electrical", _("Electrical wiring"), 2),
    ("plumbing", _("Water supply and drainage pipes, equipment installation"), 2),
    ("decoration", _("Decoration works"), 2),
)


def warranty_install_defaults(*, project: Project) -> int:
    """The statutory default components for ``project``; existing codes are kept. Returns
    how many were added. (No actor: used by the demo and the console's "add defaults".)"""
    existing = set(project.warranty_components.values_list("code", flat=True))
    new = [
        WarrantyComponent(project=project, code=code, name=str(name), years=years)
        for code, name, years in WARRANTY_DEFAULTS
        if code not in existing
    ]
    WarrantyComponent.objects.bulk_create(new)
    return len(new)


def warranty_component_save(
    *,
    actor: Any,
    project: Project,
    code: str,
    name: str,
    years: int,
) -> WarrantyComponent:
    require(actor, project.pk, Capability.MANAGE_OUTREACH)
    with transaction.atomic():
        component = WarrantyComponent.objects.filter(project=project, code=code).first()
        component = component or WarrantyComponent(project=project, code=code)
        component.name = name.strip()
        component.years = years
        component.full_clean()
        component.save()
        audit_record(actor=actor, action="outreach.warranty_component.saved", instance=component)
    return component


def unit_handover_set(*, actor: Any, unit: Unit, handover_date: dt.date) -> UnitHandover:
    require(actor, unit.project_id, Capability.MANAGE_OUTREACH)
    with transaction.atomic():
        handover, _created = UnitHandover.objects.update_or_create(
            unit=unit, defaults={"project_id": unit.project_id, "handover_date": handover_date}
        )
        audit_record(actor=actor, action="outreach.unit_handover.set", instance=handover)
    return handover


# --- rules -----------------------------------------------------------------------------------


def rule_save(
    *,
    actor: Any,
    company_id: int,
    project: Project | None,
    kind: str,
    enabled: bool,
    send_time: dt.time | None = None,
    parameters: dict[str, Any] | None = None,
) -> MessageRule:
    """Create or change the rule of ``kind`` for ``project`` (or the whole company). A
    company-wide rule needs the capability in every project of the company."""
    if kind not in RuleKind.values:
        raise DomainError(_("Unknown rule kind."), field="kind")
    if project is not None:
        require(actor, project.pk, Capability.MANAGE_OUTREACH)
        company_id = project.company_id
    else:
        _require_projects(
            actor, Project.objects.filter(company_id=company_id).values_list("id", flat=True)
        )
    known = RULE_DEFAULTS[kind]
    params = {k: v for k, v in (parameters or {}).items() if k in known}
    with transaction.atomic():
        rule = MessageRule.objects.filter(
            company_id=company_id, project=project, kind=kind
        ).first() or MessageRule(company_id=company_id, project=project, kind=kind)
        before = {"enabled": rule.enabled, "parameters": rule.parameters}
        rule.enabled = enabled
        if send_time is not None:
            rule.send_time = send_time
        rule.parameters = {**rule.parameters, **params}
        rule.full_clean()
        rule.save()
        audit_record(
            actor=actor,
            action="outreach.rule.saved",
            instance=rule,
            project=project,
            changes={
                "enabled": [before["enabled"], rule.enabled],
                "parameters": [before["parameters"], rule.parameters],
            },
        )
    return rule
