"""The console screens: lists with pinned query counts, forms, actions, outsiders."""

import datetime as dt

import pytest
from django.urls import reverse

from wuye.outreach.announcements import activity_create, outage_create
from wuye.outreach.models import (
    Campaign,
    CampaignState,
    MessageRule,
    OutageNotice,
    ProjectContact,
    UnitHandover,
    WarrantyComponent,
)
from wuye.outreach.services import campaign_create
from wuye.outreach.tests.conftest import sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def some(world):
    for i in range(3):
        c = campaign_create(
            actor=world.admin, projects=[world.p1, world.p2], title=f"通知{i}", text="x"
        )
        activity_create(
            actor=world.admin,
            project=world.p1,
            title=f"活动{i}",
            starts_at=sh(2026, 12, 12 + i, 14),
        )
        outage_create(
            actor=world.admin,
            project=world.p1,
            kind="water",
            starts_at=sh(2026, 12, 12 + i, 9),
            ends_at=sh(2026, 12, 12 + i, 11),
            reason="检修",
            buildings=[world.b1],
        )
        MessageRule.objects.create(
            company=world.company_a, project=[world.p1, world.p2, None][i], kind="holiday"
        )
    return c


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("outreach:campaign-list", 7),
        ("outreach:rule-list", 8),
        ("outreach:activity-list", 8),
        ("outreach:outage-list", 10),
    ],
)
def test_list_query_counts(login, some, django_assert_num_queries, name, queries):
    client = login("admin")
    client.get(reverse(name))  # warm the session
    with django_assert_num_queries(queries):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert "阳光新邸" in response.content.decode()


def test_nav_entry_only_for_outreach_roles(login):
    assert "/console/outreach/" in login("desk").get(reverse("console:dashboard")).content.decode()
    assert (
        "/console/outreach/" not in login("tech").get(reverse("console:dashboard")).content.decode()
    )


def test_engineers_cannot_create(login):
    assert login("tech").get(reverse("outreach:campaign-create")).status_code == 403


def test_create_campaign_and_send_it(login, world):
    client = login("manager")
    assert client.get(reverse("outreach:campaign-create")).status_code == 200
    response = client.post(
        reverse("outreach:campaign-create"),
        {
            "projects": [world.p1.pk],
            "title": "停水通知",
            "text": "明天停水",
            "category": "service",
            "relations": ["owner"],
            "current_only": "on",
        },
    )
    campaign = Campaign.objects.get(title="停水通知")
    assert response.status_code == 302 and response["Location"] == reverse(
        "outreach:campaign-detail", args=[campaign.pk]
    )
    assert campaign.audience["relations"] == ["owner"]
    page = client.get(response["Location"]).content.decode()
    assert "停水通知" in page and "阳光新邸" in page
    client.post(reverse("outreach:campaign-action", args=[campaign.pk, "send"]))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENDING
    # sent twice: the second is refused with a message, not an error page
    response = client.post(
        reverse("outreach:campaign-action", args=[campaign.pk, "send"]), follow=True
    )
    assert response.status_code == 200


def test_schedule_and_cancel_from_the_detail(login, world):
    client = login("manager")
    c = campaign_create(actor=world.manager, projects=[world.p1], title="t", text="x")
    client.post(
        reverse("outreach:campaign-action", args=[c.pk, "schedule"]),
        {"scheduled_at": "2099-01-01T09:00"},
    )
    c.refresh_from_db()
    assert c.state == CampaignState.SCHEDULED and c.scheduled_at.year == 2099
    client.post(reverse("outreach:campaign-action", args=[c.pk, "cancel"]))
    c.refresh_from_db()
    assert c.state == CampaignState.CANCELLED


def test_campaign_form_refuses_a_foreign_project(login, world):
    response = login("manager2").post(
        reverse("outreach:campaign-create"),
        {"projects": [world.p1.pk], "title": "x", "text": "x", "category": "service"},
    )
    assert response.status_code == 200 and not Campaign.objects.exists()


def test_audience_preview_partial(login, world, resident):
    resident(name="王五", interests=["书法"])
    client = login("manager")
    url = reverse("outreach:audience-preview")
    body = client.get(
        url, {"projects": [world.p1.pk], "interests": "书法", "current_only": "on"}
    ).content.decode()
    assert "王五" in body and "张三" not in body and "139****" in body
    assert (
        "Choose at least one project" in client.get(url).content.decode()
        or "至少" in client.get(url).content.decode()
    )


def test_a_campaign_spanning_another_project_is_hidden(login, world):
    c = campaign_create(
        actor=world.admin, projects=[world.p1, world.p2], title="两个项目", text="x"
    )
    assert login("manager").get(reverse("outreach:campaign-detail", args=[c.pk])).status_code == 404
    assert (
        "两个项目" not in login("manager").get(reverse("outreach:campaign-list")).content.decode()
    )
    assert login("admin").get(reverse("outreach:campaign-detail", args=[c.pk])).status_code == 200


def test_rule_form_creates_and_toggles(login, world):
    client = login("admin")
    response = client.post(
        reverse("outreach:rule-list"),
        {
            "project": f"c{world.company_a.pk}",
            "kind": "warranty",
            "enabled": "on",
            "send_time": "10:00",
            "days": "45",
        },
    )
    assert response.status_code == 302
    rule = MessageRule.objects.get(kind="warranty")
    assert rule.project is None and rule.enabled and rule.parameters == {"days_before": 45}
    assert rule.send_time == dt.time(10, 0)
    client.post(
        reverse("outreach:rule-list"),
        {"project": f"c{world.company_a.pk}", "kind": "warranty", "send_time": "10:00"},
    )
    rule.refresh_from_db()
    assert not rule.enabled and rule.parameters == {"days_before": 45}


def test_project_manager_cannot_make_company_rules(login, world):
    response = login("manager").post(
        reverse("outreach:rule-list"),
        {
            "project": f"c{world.company_a.pk}",
            "kind": "holiday",
            "enabled": "on",
            "send_time": "09:00",
        },
    )
    assert response.status_code == 200 and not MessageRule.objects.exists()


def test_activity_and_outage_pages(login, world):
    client = login("desk")
    response = client.post(
        reverse("outreach:activity-list"),
        {
            "project": world.p1.pk,
            "title": "书法课",
            "starts_at": "2026-12-20T14:00",
            "tags": "书法，绘画",
        },
    )
    assert response.status_code == 302
    activity = world.p1.activities.get()
    assert activity.tags == ["书法", "绘画"]
    client.post(reverse("outreach:activity-publish", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.invite_sent_at is not None
    response = client.post(
        reverse("outreach:outage-list"),
        {
            "project": world.p1.pk,
            "kind": "power",
            "starts_at": "2026-12-20T09:00",
            "ends_at": "2026-12-20T08:00",
            "reason": "检修",
        },
    )
    assert response.status_code == 200 and not OutageNotice.objects.exists()
    client.post(
        reverse("outreach:outage-list"),
        {
            "project": world.p1.pk,
            "kind": "power",
            "buildings": [world.b1.pk],
            "starts_at": "2026-12-20T09:00",
            "ends_at": "2026-12-20T12:00",
            "reason": "检修",
        },
    )
    notice = OutageNotice.objects.get()
    client.post(reverse("outreach:outage-issue", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.issued_at is not None and notice.notified == 1


def test_warranty_page_forms(login, world):
    client = login("manager")
    url = reverse("outreach:warranty")
    assert client.get(url).status_code == 200
    client.post(url, {"form": "defaults", "project": world.p1.pk})
    assert WarrantyComponent.objects.filter(project=world.p1).count() == 6
    client.post(
        url,
        {
            "form": "contact",
            "project": world.p1.pk,
            "assistant_name": "王管家",
            "assistant_phone": "13900001234",
            "default_handover_date": "2024-06-30",
        },
    )
    contact = ProjectContact.objects.get(project=world.p1)
    assert contact.assistant_phone == "13900001234" and contact.default_handover_date == dt.date(
        2024, 6, 30
    )
    client.post(
        url,
        {
            "form": "handover",
            "project": world.p1.pk,
            "unit": world.u1.pk,
            "handover_date": "2023-05-01",
        },
    )
    assert UnitHandover.objects.get(unit=world.u1).handover_date == dt.date(2023, 5, 1)
    client.post(
        url,
        {
            "form": "component",
            "project": world.p1.pk,
            "code": "roof_waterproofing",
            "name": "屋面",
            "years": 8,
        },
    )
    assert WarrantyComponent.objects.get(project=world.p1, code="roof_waterproofing").years == 8
    page = client.get(url, {"project": world.p1.pk}).content.decode()
    assert "1-101" in page and "2023-05-01" in page
    assert login("manager2").get(url, {"project": world.p1.pk}).status_code == 404
