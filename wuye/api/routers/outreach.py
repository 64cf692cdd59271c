"""Outreach for staff: campaigns (with delivery statistics), the audience preview, message
rules, activities and outage notices — scoped like the console.

Reads go through :mod:`wuye.outreach.selectors` (only projects where the caller holds
``manage_outreach``; anything else is the same 404 as a missing id); writes through
:mod:`wuye.outreach.services`. A transition the campaign's state does not allow, or a
second publish/issue, is 409 ``invalid_transition``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Status

from wuye.accounts.access import access_project
from wuye.api.auth import ApiRequest
from wuye.api.pagination import Key, Ordering, paginate
from wuye.api.schemas import ErrorOut, MaskedPhone, Out, PageParams, _In
from wuye.core.errors import Conflict, DomainError
from wuye.outreach import announcements, selectors, services
from wuye.outreach.audiences import AudienceFilter, audience_preview
from wuye.outreach.models import (
    Campaign,
    CampaignCategory,
    CampaignState,
    OutageKind,
    RuleKind,
)
from wuye.places.models import Building, Relation

router = Router(tags=["outreach"])

LIST_ERRORS = {frozenset({401, 422}): ErrorOut}
DETAIL_ERRORS = {frozenset({401, 404}): ErrorOut}
WRITE_ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}
BY_ID = Ordering((Key("id", int),))


@contextmanager
def _service_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        if type(exc) is DomainError and exc.code == "invalid_transition":
            raise Conflict(exc.message, code=exc.code, field=exc.field) from exc
        raise


def _aware(value: dt.datetime) -> dt.datetime:
    """A naive date-time from a client is local (Asia/Shanghai) time."""
    return value if timezone.is_aware(value) else timezone.make_aware(value)


# --- schemas ---------------------------------------------------------------------------------


class AudienceIn(_In):
    project_ids: list[int] = Field(default_factory=list, description="Empty: all my projects.")
    building_ids: list[int] = Field(default_factory=list)
    unit_ids: list[int] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list, description="Any of these tags.")
    birthday_month: int | None = Field(None, ge=1, le=12)
    current_only: bool = True

    def to_filter(self, *, with_projects: bool = True) -> AudienceFilter:
        return AudienceFilter(
            project_ids=tuple(self.project_ids) if with_projects else (),
            building_ids=tuple(self.building_ids),
            unit_ids=tuple(self.unit_ids),
            relations=tuple(str(r.value) for r in self.relations),
            interests=tuple(t.strip() for t in self.interests if t.strip()),
            birthday_month=self.birthday_month,
            current_only=self.current_only,
        )


class AudienceSampleOut(Out):
    id: int
    name: str
    mobile: MaskedPhone
    project: str


class AudiencePreviewOut(Out):
    count: int
    sample: list[AudienceSampleOut]


class CampaignCreateIn(_In):
    project_ids: list[int] = Field(min_length=1)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1)
    category: CampaignCategory = CampaignCategory.SERVICE
    audience: AudienceIn | None = None


class ScheduleIn(_In):
    scheduled_at: dt.datetime


class StatsOut(Out):
    total: int = 0
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    opted_out: int = 0
    unreachable: int = 0


class CampaignOut(Out):
    id: int
    company_id: int
    title: str
    category: CampaignCategory
    state: CampaignState
    scheduled_at: dt.datetime | None
    sent_at: dt.datetime | None
    recipients: int
    created_at: dt.datetime


class CampaignDetailOut(CampaignOut):
    text: str
    project_ids: list[int]
    audience: dict[str, Any]
    stats: StatsOut


class CampaignPage(Out):
    items: list[CampaignOut]
    next_cursor: str | None


class RuleOut(Out):
    id: int
    company_id: int
    project_id: int | None
    project_name: str | None = Field(description="Empty for a company-wide rule.")
    kind: RuleKind
    enabled: bool
    send_time: dt.time
    parameters: dict[str, Any]
    last_run_at: dt.datetime | None


class RuleList(Out):
    items: list[RuleOut]


class RuleUpdateIn(_In):
    enabled: bool | None = None
    send_time: dt.time | None = None
    parameters: dict[str, Any] | None = Field(
        None,
        description="welcome: within_days; holiday: days_before, skip (festival codes); "
        "warranty: days_before.",
    )


class ActivityIn(_In):
    project_id: int
    title: str = Field(min_length=1, max_length=200)
    starts_at: dt.datetime
    place: str = ""
    tags: list[str] = Field(default_factory=list)
    description: str = ""


class ActivityOut(Out):
    id: int
    project_id: int
    project_name: str
    title: str
    starts_at: dt.datetime
    place: str
    tags: list[str]
    description: str
    invite_sent_at: dt.datetime | None
    invited: int


class ActivityPage(Out):
    items: list[ActivityOut]
    next_cursor: str | None


class OutageIn(_In):
    project_id: int
    kind: OutageKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str = Field(min_length=1)
    building_ids: list[int] = Field(default_factory=list, description="Empty: all buildings.")


class OutageOut(Out):
    id: int
    project_id: int
    project_name: str
    kind: OutageKind
    building_ids: list[int]
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    issued_at: dt.datetime | None
    notified: int


class OutagePage(Out):
    items: list[OutageOut]
    next_cursor: str | None


class OutreachFilters(PageParams):
    project_id: int | None = None


class CampaignFilters(PageParams):
    state: CampaignState | None = None


# --- campaigns -------------------------------------------------------------------------------

CAMPAIGN_FIELDS = (
    "id",
    "company_id",
    "title",
    "category",
    "state",
    "scheduled_at",
    "sent_at",
    "recipients",
    "created_at",
)


def _campaign_detail(campaign: Campaign) -> dict[str, Any]:
    stats = campaign.stats
    if campaign.state in (CampaignState.SENDING, CampaignState.SENT):
        stats = services.campaign_refresh_stats(campaign=campaign)
    row = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}
    return {
        **row,
        "text": campaign.text,
        "project_ids": services.campaign_project_ids(campaign),
        "audience": campaign.audience,
        "stats": stats or {},
    }


@router.get("/outreach/campaigns", response={200: CampaignPage, **LIST_ERRORS})
def list_campaigns(request: ApiRequest, filters: Query[CampaignFilters]) -> Any:
    qs = selectors.visible_campaigns(request.auth)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return paginate(
        qs.values(*CAMPAIGN_FIELDS), ordering=BY_ID, cursor=filters.cursor, limit=filters.limit
    )


@router.post("/outreach/campaigns", response={201: CampaignDetailOut, **WRITE_ERRORS})
def create_campaign(request: ApiRequest, payload: CampaignCreateIn) -> Any:
    projects = [access_project(request.auth, pid) for pid in dict.fromkeys(payload.project_ids)]
    with _service_errors():
        campaign = services.campaign_create(
            actor=request.auth,
            projects=projects,
            title=payload.title,
            text=payload.text,
            category=payload.category,
            audience=payload.audience.to_filter(with_projects=False) if payload.audience else None,
        )
    return Status(201, _campaign_detail(campaign))


@router.get("/outreach/campaigns/{campaign_id}", response={200: CampaignDetailOut, **DETAIL_ERRORS})
def get_campaign(request: ApiRequest, campaign_id: int) -> Any:
    return _campaign_detail(selectors.access_campaign(request.auth, campaign_id))


@router.post(
    "/outreach/campaigns/{campaign_id}/send", response={200: CampaignDetailOut, **WRITE_ERRORS}
)
def send_campaign(request: ApiRequest, campaign_id: int) -> Any:
    """Draft or scheduled → sending; the fan-out runs in the background."""
    campaign = selectors.access_campaign(request.auth, campaign_id)
    with _service_errors():
        services.campaign_send_now(actor=request.auth, campaign=campaign)
    return _campaign_detail(campaign)


@router.post(
    "/outreach/campaigns/{campaign_id}/schedule",
    response={200: CampaignDetailOut, **WRITE_ERRORS},
)
def schedule_campaign(request: ApiRequest, campaign_id: int, payload: ScheduleIn) -> Any:
    campaign = selectors.access_campaign(request.auth, campaign_id)
    with _service_errors():
        services.campaign_schedule(
            actor=request.auth, campaign=campaign, at=_aware(payload.scheduled_at)
        )
    return _campaign_detail(campaign)


@router.post(
    "/outreach/campaigns/{campaign_id}/cancel", response={200: CampaignDetailOut, **WRITE_ERRORS}
)
def cancel_campaign(request: ApiRequest, campaign_id: int) -> Any:
    campaign = selectors.access_campaign(request.auth, campaign_id)
    with _service_errors():
        services.campaign_cancel(actor=request.auth, campaign=campaign)
    return _campaign_detail(campaign)


@router.post("/outreach/audience-preview", response={200: AudiencePreviewOut, **LIST_ERRORS})
def preview_audience(request: ApiRequest, payload: AudienceIn) -> Any:
    """How many occupants an audience reaches in my outreach projects, and ten of them
    (mobiles masked)."""
    preview = audience_preview(request.auth, payload.to_filter())
    return {"count": preview.count, "sample": preview.sample}


# --- rules -----------------------------------------------------------------------------------

RULE_FIELDS = (
    "id",
    "company_id",
    "project_id",
    "kind",
    "enabled",
    "send_time",
    "parameters",
    "last_run_at",
)


@router.get("/outreach/rules", response={200: RuleList, **LIST_ERRORS})
def list_rules(request: ApiRequest) -> Any:
    rows = selectors.rule_list(user=request.auth).values(
        *RULE_FIELDS, project_name=F("project__name")
    )
    return {"items": list(rows)}


@router.patch("/outreach/rules/{rule_id}", response={200: RuleOut, **WRITE_ERRORS})
def update_rule(request: ApiRequest, rule_id: int, payload: RuleUpdateIn) -> Any:
    rule = selectors.access_rule(request.auth, rule_id)
    with _service_errors():
        rule = services.rule_save(
            actor=request.auth,
            company_id=rule.company_id,
            project=rule.project,
            kind=rule.kind,
            enabled=rule.enabled if payload.enabled is None else payload.enabled,
            send_time=payload.send_time,
            parameters=payload.parameters,
        )
    return {
        **{name: getattr(rule, name) for name in RULE_FIELDS},
        "project_name": rule.project.name if rule.project else None,
    }


# --- activities ------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "id",
    "project_id",
    "title",
    "starts_at",
    "place",
    "tags",
    "description",
    "invite_sent_at",
    "invited",
)


def _activity_row(activity: Any) -> dict[str, Any]:
    return {
        **{name: getattr(activity, name) for name in ACTIVITY_FIELDS},
        "project_name": activity.project.name,
    }


@router.get("/outreach/activities", response={200: ActivityPage, **LIST_ERRORS})
def list_activities(request: ApiRequest, filters: Query[OutreachFilters]) -> Any:
    qs = selectors.activity_list(user=request.auth, project_id=filters.project_id)
    return paginate(
        qs.values(*ACTIVITY_FIELDS, project_name=F("project__name")),
        ordering=BY_ID,
        cursor=filters.cursor,
        limit=filters.limit,
    )


@router.post("/outreach/activities", response={201: ActivityOut, **WRITE_ERRORS})
def create_activity(request: ApiRequest, payload: ActivityIn) -> Any:
    project = access_project(request.auth, payload.project_id)
    with _service_errors():
        activity = announcements.activity_create(
            actor=request.auth,
            project=project,
            title=payload.title,
            starts_at=_aware(payload.starts_at),
            place=payload.place,
            tags=payload.tags,
            description=payload.description,
        )
    return Status(201, _activity_row(activity))


@router.post(
    "/outreach/activities/{activity_id}/publish", response={200: ActivityOut, **WRITE_ERRORS}
)
def publish_activity(request: ApiRequest, activity_id: int) -> Any:
    """Invite the occupants with a matching interest (once; opted-out people are counted
    in the statistics of source ``activity:<id>``)."""
    activity = selectors.access_activity(request.auth, activity_id)
    with _service_errors():
        announcements.activity_publish(actor=request.auth, activity=activity)
    return _activity_row(activity)


# --- outages ---------------------------------------------------------------------------------

OUTAGE_FIELDS = (
    "id",
    "project_id",
    "kind",
    "starts_at",
    "ends_at",
    "reason",
    "issued_at",
    "notified",
)


def _outage_row(notice: Any) -> dict[str, Any]:
    return {
        **{name: getattr(notice, name) for name in OUTAGE_FIELDS},
        "project_name": notice.project.name,
        "building_ids": sorted(b.pk for b in notice.buildings.all()),
    }


@router.get("/outreach/outages", response={200: OutagePage, **LIST_ERRORS})
def list_outages(request: ApiRequest, filters: Query[OutreachFilters]) -> Any:
    qs = selectors.outage_list(user=request.auth, project_id=filters.project_id)
    page = paginate(
        qs.values(*OUTAGE_FIELDS, project_name=F("project__name")),
        ordering=BY_ID,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    through = Building.outage_notices.through
    ids = [row["id"] for row in page["items"]]
    buildings: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for notice_id, building_id in through.objects.filter(outagenotice_id__in=ids).values_list(
            "outagenotice_id", "building_id"
        ):
            buildings[notice_id].append(building_id)
    for row in page["items"]:
        row["building_ids"] = sorted(buildings[row["id"]])
    return page


@router.post("/outreach/outages", response={201: OutageOut, **WRITE_ERRORS})
def create_outage(request: ApiRequest, payload: OutageIn) -> Any:
    project = access_project(request.auth, payload.project_id)
    buildings = list(Building.objects.filter(project=project, id__in=payload.building_ids))
    if len(buildings) != len(set(payload.building_ids)):
        raise DomainError(_("Choose buildings of this project."), field="building_ids")
    with _service_errors():
        notice = announcements.outage_create(
            actor=request.auth,
            project=project,
            kind=payload.kind,
            starts_at=_aware(payload.starts_at),
            ends_at=_aware(payload.ends_at),
            reason=payload.reason,
            buildings=buildings,
        )
    return Status(201, _outage_row(notice))


@router.post("/outreach/outages/{outage_id}/issue", response={200: OutageOut, **WRITE_ERRORS})
def issue_outage(request: ApiRequest, outage_id: int) -> Any:
    """Notify the current occupants of the affected buildings (a service message: opt-outs
    do not apply; urgent when the window starts within 24 hours)."""
    notice = selectors.access_outage(request.auth, outage_id)
    with _service_errors():
        announcements.outage_issue(actor=request.auth, notice=notice)
    return _outage_row(notice)
