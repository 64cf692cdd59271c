"""Reads of outreach, scoped to the projects where the user holds
``Capability.MANAGE_OUTREACH``. ``access_*`` answer 404 for missing and out-of-scope alike.

A campaign spans several projects of one company: it is visible only when *all* its
projects are in the user's outreach scope, so nobody reads a campaign that reached
occupants they may not see. A company-wide rule is visible to whoever may run outreach in
every active project of that company (the same condition ``rule_save`` checks).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from wuye.outreach.audiences import outreach_project_ids
from wuye.outreach.models import Activity, Campaign, MessageRule, OutageNotice
from wuye.places.models import Building, Project


def _ids(user: Any) -> list[int]:
    return sorted(outreach_project_ids(user))


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    ids = _ids(user)
    through = Campaign.projects.through
    outside = through.objects.filter(campaign_id=OuterRef("pk")).exclude(project_id__in=ids)
    inside = through.objects.filter(campaign_id=OuterRef("pk"), project_id__in=ids)
    return Campaign.objects.filter(Exists(inside)).exclude(Exists(outside))


def campaign_list(*, user: Any, state: str = "") -> QuerySet[Campaign]:
    qs = (
        visible_campaigns(user)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("projects", queryset=Project.objects.only("id", "name").order_by("name"))
        )
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def access_campaign(user: Any, pk: Any) -> Campaign:
    try:
        return visible_campaigns(user).select_related("company", "created_by").get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def full_company_ids(user: Any) -> set[int]:
    """Companies in which the user may run outreach in every active project."""
    ids = set(_ids(user))
    companies: dict[int, bool] = {}
    for company_id, pid in (
        Project.objects.filter(is_active=True)
        .filter(company_id__in=Project.objects.filter(id__in=ids).values("company_id"))
        .values_list("company_id", "id")
    ):
        companies[company_id] = companies.get(company_id, True) and pid in ids
    return {c for c, ok in companies.items() if ok}


def rule_list(*, user: Any) -> QuerySet[MessageRule]:
    from django.db.models import Q

    return (
        MessageRule.objects.filter(
            Q(project_id__in=_ids(user))
            | Q(project__isnull=True, company_id__in=sorted(full_company_ids(user)))
        )
        .select_related("company", "project")
        .order_by("company__name", "project__name", "kind")
    )


def access_rule(user: Any, pk: Any) -> MessageRule:
    try:
        return rule_list(user=user).get(pk=pk)
    except (MessageRule.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def activity_list(*, user: Any, project_id: int | None = None) -> QuerySet[Activity]:
    qs = Activity.objects.filter(project_id__in=_ids(user)).select_related("project")
    if project_id:
        qs = qs.filter(project_id=project_id)
    return qs.order_by("-starts_at", "-id")


def access_activity(user: Any, pk: Any) -> Activity:
    try:
        return activity_list(user=user).select_related("project__company").get(pk=pk)
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def outage_list(*, user: Any, project_id: int | None = None) -> QuerySet[OutageNotice]:
    qs = (
        OutageNotice.objects.filter(project_id__in=_ids(user))
        .select_related("project")
        .prefetch_related(
            Prefetch("buildings", queryset=Building.objects.only("id", "name").order_by("name"))
        )
    )
    if project_id:
        qs = qs.filter(project_id=project_id)
    return qs.order_by("-starts_at", "-id")


def access_outage(user: Any, pk: Any) -> OutageNotice:
    try:
        return outage_list(user=user).select_related("project__company").get(pk=pk)
    except (OutageNotice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def outreach_projects(user: Any) -> list[Project]:
    return list(
        Project.objects.filter(id__in=_ids(user))
        .select_related("company")
        .order_by("company__name", "name")
    )
