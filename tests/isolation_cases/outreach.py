"""Access cases of the outreach screens (``outreach:*``) and API (``/api/v1/outreach/…``).

Every list is loaded with a p1 row in it (a campaign, a rule, an activity, an outage notice,
a handover of unit 1-101), so "outsiders never see p1" is checked against real data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from tests.isolation_support import Case, api, url


def _cached(name: str, make: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get(w: Any) -> Any:
        key = f"_outreach_{name}"
        if not hasattr(w, key):
            setattr(w, key, make(w))
        return getattr(w, key)

    return get


def _campaign(w: Any) -> Any:
    from wuye.outreach.services import campaign_create

    return campaign_create(actor=w.admin, projects=[w.p1], title="阳光新邸 电梯年检", text="x")


def _rule(w: Any) -> Any:
    from wuye.outreach.models import MessageRule

    return MessageRule.objects.create(company=w.company_a, project=w.p1, kind="holiday")


def _activity(w: Any) -> Any:
    from django.utils import timezone

    from wuye.outreach.announcements import activity_create

    return activity_create(
        actor=w.admin,
        project=w.p1,
        title="阳光新邸 象棋赛",
        starts_at=timezone.now() + dt.timedelta(days=3),
    )


def _outage(w: Any) -> Any:
    from django.utils import timezone

    from wuye.outreach.announcements import outage_create

    start = timezone.now() + dt.timedelta(days=3)
    return outage_create(
        actor=w.admin,
        project=w.p1,
        kind="water",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        reason="水箱清洗",
        buildings=[w.b1],
    )


def _handover(w: Any) -> Any:
    from wuye.outreach.models import UnitHandover

    return UnitHandover.objects.create(unit=w.u1, project=w.p1, handover_date=dt.date(2022, 1, 1))


campaign = _cached("campaign", _campaign)
rule = _cached("rule", _rule)
activity = _cached("activity", _activity)
outage = _cached("outage", _outage)
handover = _cached("handover", _handover)
C1 = lambda w: campaign(w).pk  # noqa: E731
A1 = lambda w: activity(w).pk  # noqa: E731
N1 = lambda w: outage(w).pk  # noqa: E731


def _with(make: Callable[[Any], Any], name: str, query: str = "") -> Callable[[Any], str]:
    def path(w: Any) -> str:
        make(w)
        return reverse(name) + query

    return path


def _api_with(make: Callable[[Any], Any], path: str) -> Callable[[Any], str]:
    def build(w: Any) -> str:
        make(w)
        return api(path)(w)

    return build


CASES: dict[str, Case] = {
    # console
    "outreach:campaign-list": Case("list", _with(campaign, "outreach:campaign-list")),
    "outreach:campaign-create": Case(
        "create",
        url("outreach:campaign-create"),
        method="post",
        data=lambda w: {"projects": [w.p1.pk], "title": "X幢", "text": "x", "category": "service"},
    ),
    "outreach:audience-preview": Case(
        "list",
        lambda w: reverse("outreach:audience-preview") + f"?projects={w.p1.pk}&current_only=on",
    ),
    "outreach:campaign-detail": Case("object", url("outreach:campaign-detail", C1)),
    "outreach:campaign-action": Case(
        "object", url("outreach:campaign-action", C1, lambda w: "cancel"), method="post"
    ),
    "outreach:rule-list": Case("list", _with(rule, "outreach:rule-list")),
    "outreach:activity-list": Case("list", _with(activity, "outreach:activity-list")),
    "outreach:activity-publish": Case(
        "object", url("outreach:activity-publish", A1), method="post"
    ),
    "outreach:outage-list": Case("list", _with(outage, "outreach:outage-list")),
    "outreach:outage-issue": Case("object", url("outreach:outage-issue", N1), method="post"),
    "outreach:warranty": Case(
        "object", lambda w: (handover(w), reverse("outreach:warranty") + f"?project={w.p1.pk}")[1]
    ),
    # API
    "api-v1:list_campaigns": Case("list", _api_with(campaign, "outreach/campaigns"), api=True),
    "api-v1:create_campaign": Case(
        "create",
        api("outreach/campaigns"),
        method="post",
        api=True,
        data=lambda w: {"project_ids": [w.p1.pk], "title": "X幢", "text": "x"},
    ),
    "api-v1:get_campaign": Case("object", api("outreach/campaigns/{w._c1}"), api=True),
    "api-v1:send_campaign": Case(
        "object", api("outreach/campaigns/{w._c1}/send"), method="post", api=True
    ),
    "api-v1:schedule_campaign": Case(
        "object",
        api("outreach/campaigns/{w._c1}/schedule"),
        method="post",
        api=True,
        data=lambda w: {"scheduled_at": "2099-01-01T09:00:00+08:00"},
    ),
    "api-v1:cancel_campaign": Case(
        "object", api("outreach/campaigns/{w._c1}/cancel"), method="post", api=True
    ),
    "api-v1:preview_audience": Case(
        "list",
        api("outreach/audience-preview"),
        method="post",
        api=True,
        data=lambda w: {"project_ids": [w.p1.pk]},
    ),
    "api-v1:list_rules": Case("list", _api_with(rule, "outreach/rules"), api=True),
    "api-v1:update_rule": Case(
        "object",
        api("outreach/rules/{w._r1}"),
        method="patch",
        api=True,
        data=lambda w: {"enabled": True},
    ),
    "api-v1:list_activities": Case("list", _api_with(activity, "outreach/activities"), api=True),
    "api-v1:create_activity": Case(
        "create",
        api("outreach/activities"),
        method="post",
        api=True,
        data=lambda w: {
            "project_id": w.p1.pk,
            "title": "X幢",
            "starts_at": "2099-01-01T09:00:00+08:00",
        },
    ),
    "api-v1:publish_activity": Case(
        "object", api("outreach/activities/{w._a1}/publish"), method="post", api=True
    ),
    "api-v1:list_outages": Case("list", _api_with(outage, "outreach/outages"), api=True),
    "api-v1:create_outage": Case(
        "create",
        api("outreach/outages"),
        method="post",
        api=True,
        data=lambda w: {
            "project_id": w.p1.pk,
            "kind": "water",
            "starts_at": "2099-01-01T09:00:00+08:00",
            "ends_at": "2099-01-01T11:00:00+08:00",
            "reason": "X幢",
        },
    ),
    "api-v1:issue_outage": Case(
        "object", api("outreach/outages/{w._n1}/issue"), method="post", api=True
    ),
}


# The API paths name objects through attributes set on the world on first use.
def _bind(case: Case, attr: str, make: Callable[[Any], Any]) -> Case:
    original = case.path
    assert original is not None

    def path(w: Any) -> str:
        setattr(w, attr, make(w).pk)
        return original(w)

    case.path = path
    return case


for _name, _attr, _make in (
    ("api-v1:get_campaign", "_c1", campaign),
    ("api-v1:send_campaign", "_c1", campaign),
    ("api-v1:schedule_campaign", "_c1", campaign),
    ("api-v1:cancel_campaign", "_c1", campaign),
    ("api-v1:update_rule", "_r1", rule),
    ("api-v1:publish_activity", "_a1", activity),
    ("api-v1:issue_outage", "_n1", outage),
):
    _bind(CASES[_name], _attr, _make)
