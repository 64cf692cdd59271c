"""Outreach demo rows for 阳光新邸 (``sunshine``): the assistant's phone and handover date,
the statutory warranty components, enabled rules (welcome, holidays, birthdays, warranty),
an activity, an outage notice and one sent campaign — idempotent by natural key.

The campaign is sent through the real fan-out (``campaign_send``), so its notifications
and delivery statistics exist; a second run finds the campaign and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.utils import timezone

from wuye.accounts.models import User
from wuye.outreach.models import (
    Activity,
    Campaign,
    CampaignState,
    MessageRule,
    OutageNotice,
    ProjectContact,
    RuleKind,
)
from wuye.outreach.services import campaign_send, warranty_install_defaults
from wuye.places.models import Project

DEMO_PROJECT = "sunshine"
CAMPAIGN_TITLE = "冬季供暖与防冻提示"
ACTIVITY_TITLE = "业主书法交流会"
OUTAGE_REASON = "二次供水水箱例行清洗消毒"


def outreach_demo_load(
    *, projects: Sequence[Project], now: dt.datetime | None = None
) -> Counter[str]:
    now = now or timezone.now()
    created: Counter[str] = Counter()
    project = next((p for p in projects if p.code == DEMO_PROJECT), None)
    if project is None:
        return created
    zone = ZoneInfo(project.time_zone or "Asia/Shanghai")
    local_today = now.astimezone(zone).date()
    admin = User.objects.filter(username="admin").first()

    _contact, new = ProjectContact.objects.get_or_create(
        project=project,
        defaults={
            "assistant_name": "王管家",
            "assistant_phone": "13957100001",
            "default_handover_date": dt.date(2022, 6, 30),
        },
    )
    created["projectcontact"] += int(new)
    created["warrantycomponent"] += warranty_install_defaults(project=project)

    for kind in (RuleKind.WELCOME, RuleKind.HOLIDAY, RuleKind.BIRTHDAY, RuleKind.WARRANTY):
        _rule, new = MessageRule.objects.get_or_create(
            company_id=project.company_id, project=project, kind=kind, defaults={"enabled": True}
        )
        created["messagerule"] += int(new)

    start = dt.datetime.combine(local_today + dt.timedelta(days=10), dt.time(14, 0), zone)
    _activity, new = Activity.objects.get_or_create(
        project=project,
        title=ACTIVITY_TITLE,
        defaults={
            "starts_at": start,
            "place": "会所二楼多功能厅",
            "tags": ["书法"],
            "description": "笔墨纸砚由物业准备，欢迎带孩子一起参加。",
            "created_by": admin,
        },
    )
    created["activity"] += int(new)

    window = dt.datetime.combine(local_today + dt.timedelta(days=5), dt.time(9, 0), zone)
    notice, new = OutageNotice.objects.get_or_create(
        project=project,
        reason=OUTAGE_REASON,
        defaults={
            "kind": "water",
            "starts_at": window,
            "ends_at": window + dt.timedelta(hours=4),
            "created_by": admin,
        },
    )
    if new:
        notice.buildings.set(project.buildings.order_by("name")[:2])
        created["outagenotice"] += 1

    if not Campaign.objects.filter(company_id=project.company_id, title=CAMPAIGN_TITLE).exists():
        campaign = Campaign.objects.create(
            company_id=project.company_id,
            title=CAMPAIGN_TITLE,
            text="气温将降至零下，请关好门窗、包裹室外水管，空置房屋请关闭总水阀。",
            category="service",
            audience={"current_only": True},
            state=CampaignState.SENDING,
            created_by=admin,
        )
        campaign.projects.set([project])
        campaign_send(campaign_id=campaign.pk, now=now)
        created["campaign"] += 1
    return created
